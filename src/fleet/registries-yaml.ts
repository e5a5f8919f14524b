/**
 * `export k3s` / `export rke2`: registries.yaml (the runtime's merge of this
 * host into an empty file) on stdout, or with --out a node tree
 * (OUT/etc/rancher/…) holding it and the files it names, to copy onto each
 * node's /.
 */
import { nodeFiles, type ClientExport, type TargetOutput } from './targets.js';

export function registriesYamlTarget(e: ClientExport, target: 'k3s' | 'rke2'): TargetOutput {
  const plan = e.plans[0]!;
  const yaml = plan.config!.merge(undefined, plan.config!.file).text;
  const documents = [{ kind: 'registries.yaml', name: plan.config!.file }, ...plan.files.map((f) => ({ kind: f.kind, name: f.path }))];
  const out: TargetOutput['out'] = [];
  if (e.out !== undefined) {
    // A node tree: OUT/etc/rancher/… — copy it onto each node's / (rsync -a OUT/ node:/).
    for (const f of nodeFiles(e.plans)) out.push({ name: f.path.replace(/^\/+/, ''), data: f.data, holdsKey: f.kind === 'client-key', mode: f.mode, kind: f.kind });
  } else {
    out.push({ name: '-', data: `# Written by regcert for the registry ${e.host.name} (${e.who}).\n# ${plan.config!.file}: the files it names must be on the node too (regcert install-host ${e.host.name} --runtime ${target}, or export ${target} --out DIR).\n${yaml}`, holdsKey: false });
  }
  const next = [...(e.out !== undefined ? [`rsync -a ${e.out}/ root@NODE:/   (each node; or bake it into the node image)`] : [`on each node: regcert install-host ${e.host.name} --runtime ${target} --config ${plan.config!.file} --cert … --key … --ca …`]), ...plan.next];
  return { out, documents, next };
}
