/**
 * What every `export` target shares: the runtime plans for a node, the files
 * a node gets, the outputs a target hands back to commands/export.ts (which
 * prints them or writes them under --out), and the containerd config_path
 * note. Each target's own code is in its module: kubernetes.ts,
 * cert-manager.ts, registries-yaml.ts (k3s, RKE2), ansible.ts, cloud-init.ts.
 */
import path from 'node:path';
import type { RegistryHost } from '../core/registry-host.js';
import type { FileKind, PlannedFile } from '../io/files.js';
import { RUNTIMES, type ClientMaterial, type RuntimeEnv, type RuntimeName, type RuntimePlan } from '../runtimes/index.js';

/** Nodes are Linux machines with rootful runtimes: the runtime plans' default roots. */
const NODE_ENV: RuntimeEnv = { home: '/root', rootless: false, platform: 'linux' };

/**
 * registries.yaml holds only registry entries, so a fleet tool may own the
 * whole file (the runtime's merge of this host into an empty file). Never
 * containerd's config.toml: that file holds everything else too.
 */
export const WHOLE_CONFIG_FILE: readonly RuntimeName[] = ['k3s', 'rke2'];

/** One output: a file under --out (NAME relative to it), or '-' for stdout. */
export interface OutFile {
  name: string;
  data: string | Uint8Array;
  holdsKey: boolean;
  mode?: number;
  kind?: FileKind;
}

/** An exported object or entry (Kubernetes kind/name/namespace; a file laid out on a node). */
export interface ExportedDocument {
  kind: string;
  name: string;
  namespace?: string;
}

/** What a target produces: its outputs, what they hold, and what to run next. */
export interface TargetOutput {
  out: OutFile[];
  documents: ExportedDocument[];
  next: string[];
}

/** What the targets that carry one client identity (all but cert-manager) are given. */
export interface ClientExport {
  host: RegistryHost;
  plans: RuntimePlan[];
  material: ClientMaterial;
  /** "client SUBJECT, expires DATE", for the headers. */
  who: string;
  /** The header sentence on what to do after a renewal. */
  renewal: string;
  /** configPathNote's header lines. */
  configPathHeader: string[];
  /** --out DIR, or undefined for stdout. */
  out: string | undefined;
}

/** The runtime plans for a node (NODE_ENV), one per runtime, in order. */
export async function planNode(host: RegistryHost, runtimes: RuntimeName[], material: ClientMaterial, root: string | undefined): Promise<RuntimePlan[]> {
  const plans: RuntimePlan[] = [];
  for (const r of runtimes) plans.push(await RUNTIMES[r].plan(host, material, { env: NODE_ENV, root }));
  return plans;
}

/** The files a node gets for these plans: the host folders, plus registries.yaml for k3s/RKE2. */
export function nodeFiles(plans: RuntimePlan[]): PlannedFile[] {
  const files: PlannedFile[] = [];
  for (const p of plans) {
    files.push(...p.files);
    if (p.config && WHOLE_CONFIG_FILE.includes(p.runtime)) files.push({ path: p.config.file, data: p.config.merge(undefined, p.config.file).text, mode: p.config.newFileMode, kind: 'config' });
  }
  return files;
}

/** The config_path lines (the containerd runtime's own snippet), when a plan is containerd's. */
export function configPathNote(plans: RuntimePlan[], asked: boolean): { header: string[]; notes: string[] } {
  const ctrd = plans.find((p) => p.runtime === 'containerd');
  if (!ctrd?.config) return { header: [], notes: [] };
  if (!asked) {
    return { header: [], notes: [`containerd's CRI plugin (Kubernetes, crictl) reads ${path.dirname(ctrd.dir)} only when config.toml sets config_path: pass --containerd-config-path for the lines`] };
  }
  const lines = ctrd.config.snippet.trimEnd().split('\n');
  return {
    header: ['', `containerd (CRI) reads ${path.dirname(ctrd.dir)} only when ${ctrd.config.file} sets config_path; nothing here edits it or restarts containerd. Add once per node (node image, kubeadm/kubespray config), then restart containerd:`, ...lines.map((l) => `  ${l}`)],
    notes: [`add config_path to ${ctrd.config.file} on every node (the lines are in the output's header), then restart containerd once`],
  };
}
