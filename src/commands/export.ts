/**
 * `regcert export TARGET`: the inputs of the engines fleets already run —
 * Kubernetes manifests, cert-manager resources, k3s/RKE2 registries.yaml,
 * an Ansible playbook, cloud-init user data — carrying one registry's client
 * certificate to every node. Every path, mode and hosts.toml / registries.yaml
 * comes from the runtime plans (src/runtimes/), exactly as install-host
 * writes them on one machine.
 */
import path from 'node:path';
import { certificateToPem, isSelfSigned } from '../core/certificates.js';
import { CERT_MANAGER_DURATION_DAYS, CERT_MANAGER_NAMESPACE, DEFAULT_LEAF_DAYS, EXPIRY_WARNING_DAYS, FLEET_IMAGE, FLEET_INTERVAL_SECONDS, FLEET_NAMESPACE } from '../core/defaults.js';
import { summarizeCertificate, type CertificateSummary } from '../core/describe.js';
import { inputError } from '../core/errors.js';
import { exportPrivateKeyPem } from '../core/keys.js';
import { parseRegistryHost, type RegistryHost } from '../core/registry-host.js';
import { commentText } from '../core/template.js';
import type { CredentialOptions } from '../io/credentials.js';
import { writeFiles, type FileKind, type PlannedFile, type WrittenFile } from '../io/files.js';
import { readCa } from '../io/pki.js';
import { readTemplate } from '../io/templates.js';
import { renderAnsible } from '../fleet/ansible.js';
import { renderCloudInit } from '../fleet/cloud-init.js';
import {
  baseName,
  buildCertificate,
  buildClusterIssuer,
  buildConfigMap,
  buildDaemonSet,
  buildNamespace,
  buildTlsSecret,
  inputsChecksum,
  KUBERNETES_RUNTIMES,
  kubeName,
  labelsFor,
  nodeCopies,
  parseDnsLabel,
  parseImage,
  parseLabelKey,
  renderInstallScript,
  renderManifests,
  type KubeObject,
} from '../fleet/kubernetes.js';
import { parseRuntimeName, RUNTIMES, type ClientMaterial, type RuntimeEnv, type RuntimeName, type RuntimePlan } from '../runtimes/index.js';
import type { CommandContext } from './context.js';
import { readClientIdentity, readRegistryCa, withPkiClient } from '../io/client-identity.js';

export const EXPORT_TARGETS = ['kubernetes', 'cert-manager', 'k3s', 'rke2', 'ansible', 'cloud-init'] as const;
export type ExportTarget = (typeof EXPORT_TARGETS)[number];

/** The runtimes each target can lay out on a node (the first is the default). */
const TARGET_RUNTIMES: Record<ExportTarget, readonly RuntimeName[]> = {
  kubernetes: KUBERNETES_RUNTIMES,
  'cert-manager': KUBERNETES_RUNTIMES,
  k3s: ['k3s'],
  rke2: ['rke2'],
  ansible: ['containerd', 'docker', 'podman', 'k3s', 'rke2'],
  'cloud-init': ['containerd', 'docker', 'podman', 'k3s', 'rke2'],
};

/**
 * registries.yaml holds only registry entries, so a fleet tool may own the
 * whole file (the runtime's merge of this host into an empty file). Never
 * containerd's config.toml: that file holds everything else too.
 */
const WHOLE_CONFIG_FILE: readonly RuntimeName[] = ['k3s', 'rke2'];

/** Nodes are Linux machines with rootful runtimes: the runtime plans' default roots. */
const NODE_ENV: RuntimeEnv = { home: '/root', rootless: false, platform: 'linux' };

export interface ExportOptions extends CredentialOptions {
  target: string;
  host?: string | undefined;
  ca?: string | undefined;
  runtime?: string[] | undefined;
  certsDir?: string | undefined;
  out?: string | undefined;
  force?: boolean | undefined;
  json?: boolean | undefined;
  // kubernetes, cert-manager
  namespace?: string | undefined;
  image?: string | undefined;
  name?: string | undefined;
  containerdConfigPath?: boolean | undefined;
  // cert-manager
  caDir?: string | undefined;
  caPasswordFile?: string | undefined;
  caPasswordEnv?: string | undefined;
  pool?: string[] | undefined;
  poolLabel?: string | undefined;
  cn?: string | undefined;
  days?: number | undefined;
  certManagerNamespace?: string | undefined;
  /** A client certificate NAME in the PKI directory --dir: DIR/NAME.crt and DIR/NAME.key (CA: DIR/ca.crt unless --ca). */
  client?: string | undefined;
  dir?: string | undefined;
}

export interface ExportResult {
  command: 'export';
  target: ExportTarget;
  host: string;
  runtimes: RuntimeName[];
  /** With --out: what was written (paths, modes). */
  files: WrittenFile[];
  /** The objects or entries exported (Kubernetes kind/name/namespace; files laid out on a node). */
  documents: Array<{ kind: string; name: string; namespace?: string }>;
  /** The output carries a private key (client key, or cert-manager's CA key). */
  holdsKey: boolean;
  /** The client certificate (cert-manager: the issuing CA). */
  certificate: CertificateSummary;
  warnings: string[];
  notes: string[];
  next: string[];
  /** The exported document, when printed (never in --json when it holds a key). */
  content?: string;
}

function parseTarget(t: string): ExportTarget {
  if ((EXPORT_TARGETS as readonly string[]).includes(t)) return t as ExportTarget;
  throw inputError('BAD_TARGET', `unknown export target "${t}"`, `use one of: ${EXPORT_TARGETS.join(', ')}`);
}

function parseRuntimes(target: ExportTarget, given: string[] | undefined): RuntimeName[] {
  const allowed = TARGET_RUNTIMES[target];
  if (!given || given.length === 0) return [allowed[0]!];
  const names = [...new Set(given)].map((r) => parseRuntimeName(r));
  for (const r of names) {
    if (!allowed.includes(r)) {
      const why = target === 'kubernetes' || target === 'cert-manager' ? ' (k3s/RKE2 read registries.yaml only at start: use "export k3s"/"export rke2")' : '';
      throw inputError('RUNTIME_NOT_FOR_TARGET', `--runtime ${r} does not apply to "export ${target}"${why}`, `use: ${allowed.join(', ')}`);
    }
  }
  return names;
}

/** One name a person typed, for a certificate field: printable, bounded (X.520 ub-common-name). */
function parseCommonName(cn: string): string {
  if (cn.length === 0 || cn.length > 64 || /[\u0000-\u001f\u007f]/.test(cn)) throw inputError('BAD_CN', `--cn "${commentText(cn)}" is not a usable common name`, 'use 1 to 64 printable characters');
  return cn;
}

/** The files a node gets for these plans: the host folders, plus registries.yaml for k3s/RKE2. */
function nodeFiles(plans: RuntimePlan[]): PlannedFile[] {
  const files: PlannedFile[] = [];
  for (const p of plans) {
    files.push(...p.files);
    if (p.config && WHOLE_CONFIG_FILE.includes(p.runtime)) files.push({ path: p.config.file, data: p.config.merge(undefined, p.config.file), mode: 0o644, kind: 'config' });
  }
  return files;
}

function describeObjects(objects: KubeObject[]): ExportResult['documents'] {
  return objects.map((o) => ({ kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) }));
}

/** The config_path lines (the containerd runtime's own snippet), when a plan is containerd's. */
function configPathNote(plans: RuntimePlan[], asked: boolean): { header: string[]; notes: string[] } {
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

export async function exportFleet(opts: ExportOptions, ctx: CommandContext): Promise<ExportResult> {
  const target = parseTarget(opts.target);
  if (opts.host === undefined) throw inputError('MISSING_HOST', 'no --host given', 'pass --host HOST[:PORT] as in image references (registry.example.com:5000)');
  const host = parseRegistryHost(opts.host);
  const runtimes = parseRuntimes(target, opts.runtime);
  if (opts.certsDir !== undefined && runtimes.length > 1) throw inputError('CERTS_DIR_WITH_RUNTIMES', '--certs-dir works with a single --runtime', 'export once per runtime, each with its --certs-dir');
  // The path lands in shell, YAML, Jinja and comments on every node: a plain absolute path only.
  if (opts.certsDir !== undefined && (!path.posix.isAbsolute(opts.certsDir) || !/^[A-Za-z0-9._/@:+-]+$/.test(opts.certsDir) || opts.certsDir.split('/').includes('..'))) {
    throw inputError('BAD_CERTS_DIR', `--certs-dir "${commentText(opts.certsDir)}" is not a plain absolute path`, 'give the folder as the nodes see it, e.g. /etc/containerd/certs.d (letters, digits, . _ - + @ : and /)');
  }
  const kube = target === 'kubernetes' || target === 'cert-manager';
  if (!kube) {
    for (const [flag, v] of [['--namespace', opts.namespace], ['--image', opts.image], ['--name', opts.name]] as const) {
      if (v !== undefined) throw inputError('OPTION_NOT_FOR_TARGET', `${flag} applies to the kubernetes and cert-manager targets only`, `drop ${flag}`);
    }
  }
  if (opts.containerdConfigPath && !runtimes.includes('containerd')) throw inputError('OPTION_NOT_FOR_TARGET', '--containerd-config-path needs --runtime containerd', 'drop --containerd-config-path');
  if (target !== 'cert-manager') {
    for (const [flag, v] of [['--ca-dir', opts.caDir], ['--pool', opts.pool], ['--pool-label', opts.poolLabel], ['--cn', opts.cn], ['--days', opts.days], ['--cert-manager-namespace', opts.certManagerNamespace]] as const) {
      if (v !== undefined) throw inputError('OPTION_NOT_FOR_TARGET', `${flag} applies to the cert-manager target only`, `drop ${flag}`);
    }
  }

  const warnings: string[] = [];
  const notes: string[] = [];
  if (target === 'cert-manager') return exportCertManager(opts, host, runtimes, warnings, notes, ctx);

  // The client identity and the registry CA, checked as install-host checks them.
  const input = withPkiClient(opts);
  const id = await readClientIdentity(input, ctx);
  let caPem: string;
  if (input.ca !== undefined) caPem = await readRegistryCa(input.ca, id.chain, id.creds.source, warnings, ctx.now);
  else if (id.creds.ca !== undefined) caPem = id.creds.ca.map(certificateToPem).join(''); // a client bundle's ca.pem
  else throw inputError('CA_SOURCE', 'no registry CA given', 'pass --ca FILE (the CA that issued the registry\'s server certificate)');
  const material: ClientMaterial = { clientCert: id.clientCert, clientKey: id.clientKey, caPem };
  const plans = await planAll(host, runtimes, material, opts.certsDir);
  const certificate = summarizeCertificate(id.creds.leaf);
  const who = `client ${commentText(certificate.subject)}, expires ${certificate.notAfter.slice(0, 10)}`;
  const renewal = `After renewing the client certificate (regcert renew, or a new one from regcert issue), export again (--force replaces the files) and apply the result the same way.`;
  const cfg = configPathNote(plans, opts.containerdConfigPath === true);
  notes.push(...cfg.notes);

  const out: OutFile[] = [];
  let documents: ExportResult['documents'];
  let next: string[];

  if (target === 'kubernetes') {
    const k = await kubernetesObjects(opts, host, plans, { cert: material.clientCert, key: material.clientKey, ca: caPem });
    const header = [`Written by regcert for the registry ${host.name} (${who}).`, `kubectl apply -f this; the DaemonSet ${k.namespace}/${k.name} copies the Secret ${k.secretName} into each node's ${plans.map((p) => p.dir).join(', ')} and re-copies when it changes (never restarts a runtime).`, renewal, ...cfg.header].join('\n');
    const rest = k.objects.filter((o) => o !== k.secret);
    documents = describeObjects(k.objects);
    if (opts.out !== undefined) {
      out.push({ name: 'install.yaml', data: renderManifests(rest, header), holdsKey: false });
      out.push({ name: 'secret.yaml', data: renderManifests([k.secret], `The client certificate and private key for ${host.name} (regcert): keep this file secret.`), holdsKey: true });
    } else {
      out.push({ name: '-', data: renderManifests(k.objects, header), holdsKey: true });
    }
    next = [`kubectl apply -f ${opts.out ?? 'FILE'}`, `kubectl -n ${k.namespace} rollout status daemonset/${k.name}`, `kubectl -n ${k.namespace} logs daemonset/${k.name}   (one line per file installed)`];
  } else if (target === 'k3s' || target === 'rke2') {
    const plan = plans[0]!;
    const yaml = plan.config!.merge(undefined, plan.config!.file);
    documents = [{ kind: 'registries.yaml', name: plan.config!.file }, ...plan.files.map((f) => ({ kind: f.kind, name: f.path }))];
    if (opts.out !== undefined) {
      // A node tree: OUT/etc/rancher/… — copy it onto each node's / (rsync -a OUT/ node:/).
      for (const f of nodeFiles(plans)) out.push({ name: f.path.replace(/^\/+/, ''), data: f.data, holdsKey: f.kind === 'client-key', mode: f.mode, kind: f.kind });
    } else {
      out.push({ name: '-', data: `# Written by regcert for the registry ${host.name} (${who}).\n# ${plan.config!.file}: the files it names must be on the node too (regcert install-host ${host.name} --runtime ${target}, or export ${target} --out DIR).\n${yaml}`, holdsKey: false });
    }
    next = [...(opts.out !== undefined ? [`rsync -a ${opts.out}/ root@NODE:/   (each node; or bake it into the node image)`] : [`on each node: regcert install-host ${host.name} --runtime ${target} --config ${plan.config!.file} --cert … --key … --ca …`]), ...plan.next];
  } else if (target === 'ansible') {
    const files = nodeFiles(plans);
    const header = [`Written by regcert for the registry ${host.name} (${who}).`, `ansible-playbook -i INVENTORY ${opts.out ? 'playbook.yml' : 'THIS.yml'}; vars: regcert_root (path prefix), regcert_owner/regcert_group, regcert_dir_mode, regcert_become, regcert_hosts.`, renewal, ...cfg.header].join('\n');
    const r = renderAnsible({ host: host.name, files, material, secretsFile: opts.out !== undefined ? 'secrets.yml' : undefined, header });
    if (r.secrets !== undefined) {
      out.push({ name: 'playbook.yml', data: r.playbook, holdsKey: false });
      out.push({ name: 'secrets.yml', data: r.secrets, holdsKey: true });
    } else {
      out.push({ name: '-', data: r.playbook, holdsKey: true });
    }
    documents = files.map((f) => ({ kind: f.kind, name: f.path }));
    next = [...(opts.out ? [`ansible-vault encrypt ${path.join(opts.out, 'secrets.yml')}   (optional: ansible-playbook then needs --ask-vault-pass)`] : []), `ansible-playbook -i INVENTORY ${opts.out ? path.join(opts.out, 'playbook.yml') : 'PLAYBOOK.yml'}`, ...plans.flatMap((p) => (WHOLE_CONFIG_FILE.includes(p.runtime) ? p.next : []))];
  } else {
    const files = nodeFiles(plans);
    const header = [`Written by regcert for the registry ${host.name} (${who}).`, `User data for new nodes: write_files lays out ${plans.map((p) => p.dir).join(', ')}. It holds the private key: pass it only where user data is protected.`, renewal, ...cfg.header].join('\n');
    out.push({ name: opts.out !== undefined ? 'user-data' : '-', data: renderCloudInit(files, header), holdsKey: true });
    documents = files.map((f) => ({ kind: f.kind, name: f.path }));
    next = [`cloud-init schema --config-file ${opts.out ? path.join(opts.out, 'user-data') : 'USER-DATA'}`, 'pass it as the nodes\' user data (or merge its write_files into yours)'];
  }
  return finish(opts, target, host, runtimes, out, { documents, certificate, warnings, notes, next });
}

async function planAll(host: RegistryHost, runtimes: RuntimeName[], material: ClientMaterial, root: string | undefined): Promise<RuntimePlan[]> {
  const plans: RuntimePlan[] = [];
  for (const r of runtimes) plans.push(await RUNTIMES[r].plan(host, material, { env: NODE_ENV, root }));
  return plans;
}

/** Namespace, Secret (when regcert holds the pair), ConfigMap and DaemonSet(s). */
async function kubernetesObjects(
  opts: ExportOptions,
  host: RegistryHost,
  plans: RuntimePlan[],
  secretData: { cert: string; key: string; ca: string } | undefined,
  pools: Array<{ pool?: string; secretName: string; nodeSelector: Record<string, string> }> | undefined = undefined,
) {
  const base = opts.name !== undefined ? parseDnsLabel(opts.name, '--name') : baseName(host);
  const namespace = parseDnsLabel(opts.namespace ?? FLEET_NAMESPACE, '--namespace');
  const image = parseImage(opts.image ?? FLEET_IMAGE);
  const labels = labelsFor(base);
  const template = await readTemplate('k8s-node-install.sh');
  const { copies, configData } = nodeCopies(plans);
  const objects: KubeObject[] = [];
  // kube-system and default exist; a Namespace of ours is labelled for hostPath pods.
  if (namespace !== 'kube-system' && namespace !== 'default') objects.push(buildNamespace(namespace, base));
  const secretName = base;
  const secret = secretData ? buildTlsSecret(secretName, namespace, labels, secretData) : undefined;
  if (secret) objects.push(secret);
  const configMap = buildConfigMap(base, namespace, labels, configData);
  if (configMap) objects.push(configMap);
  const daemonSets = pools ?? [{ secretName, nodeSelector: {} }];
  const names: string[] = [];
  for (const d of daemonSets) {
    const name = d.pool !== undefined ? kubeName(base, d.pool) : base;
    const script = renderInstallScript(template, { host: host.name, secretName: d.secretName, copies, interval: FLEET_INTERVAL_SECONDS });
    const dsLabels = d.pool !== undefined ? labelsFor(base, { 'regcert/pool': d.pool }) : labels;
    const checksum = inputsChecksum(script, configData, secret ? (secret.data as Record<string, string>) : undefined);
    objects.push(buildDaemonSet({ name, namespace, host, image, secretName: d.secretName, plans, script, interval: FLEET_INTERVAL_SECONDS, labels: dsLabels, nodeSelector: d.nodeSelector, configMapName: configMap ? base : undefined, checksum }));
    names.push(name);
  }
  return { objects, secret: secret!, namespace, name: names[0]!, names, secretName, base, labels };
}

async function exportCertManager(opts: ExportOptions, host: RegistryHost, runtimes: RuntimeName[], warnings: string[], notes: string[], ctx: CommandContext): Promise<ExportResult> {
  for (const [flag, v] of [['--cert', opts.cert], ['--key', opts.key], ['--p12', opts.p12], ['--bundle', opts.bundle], ['--client', opts.client], ['--ca', opts.ca]] as const) {
    if (v !== undefined) throw inputError('OPTION_NOT_FOR_TARGET', `${flag} does not apply to "export cert-manager": cert-manager issues each pool's client certificate and writes its ca.crt`, 'pass --ca-dir DIR (the CA cert-manager signs with, best an intermediate: regcert init-ca --intermediate)');
  }
  if (opts.caDir === undefined) throw inputError('MISSING_CA_DIR', 'no --ca-dir given', 'pass --ca-dir DIR with ca.crt and ca.key (make one for the cluster: regcert init-ca --intermediate --parent-dir pki --dir pki-cluster)');
  const ca = await readCa(opts.caDir, { file: opts.caPasswordFile, env: opts.caPasswordEnv }, ctx);
  const root = isSelfSigned(ca.cert);
  if (root) {
    warnings.push(`${opts.caDir} is a root CA: its key goes into the cluster, where whoever can read Secrets in ${opts.certManagerNamespace ?? CERT_MANAGER_NAMESPACE} can issue clients for every registry that trusts it. Prefer an intermediate for the cluster: regcert init-ca --intermediate --parent-dir ${opts.caDir} --dir ${opts.caDir}-cluster`);
  }
  const days = opts.days ?? CERT_MANAGER_DURATION_DAYS;
  if (!Number.isInteger(days) || days < 2 || days > DEFAULT_LEAF_DAYS) throw inputError('BAD_DAYS', `--days ${days} is out of range`, `use 2 to ${DEFAULT_LEAF_DAYS} days`);
  const renewBeforeDays = days > EXPIRY_WARNING_DAYS * 2 ? EXPIRY_WARNING_DAYS : Math.max(1, Math.floor(days / 3));
  const poolNames = [...new Set(opts.pool ?? [])].map((p) => parseDnsLabel(p, '--pool'));
  const poolLabel = opts.poolLabel !== undefined ? parseLabelKey(opts.poolLabel, '--pool-label') : undefined;
  if (poolNames.length > 1 && poolLabel === undefined) throw inputError('POOLS_WITHOUT_LABEL', 'several --pool need --pool-label (the node label that tells the pools apart)', 'add e.g. --pool-label cloud.google.com/gke-nodepool or eks.amazonaws.com/nodegroup');
  if (poolLabel !== undefined && poolNames.length === 0) throw inputError('LABEL_WITHOUT_POOLS', '--pool-label needs at least one --pool', 'add --pool NAME (the label value of that pool\'s nodes)');
  const pools = poolNames.length > 0 ? poolNames : ['nodes'];
  const cmNamespace = parseDnsLabel(opts.certManagerNamespace ?? CERT_MANAGER_NAMESPACE, '--cert-manager-namespace');

  // cert-manager writes the pair; the plans only give paths, modes and config files (hosts.toml).
  const plans = await planAll(host, runtimes, { clientCert: '', clientKey: '', caPem: '' }, opts.certsDir);
  const base = opts.name !== undefined ? parseDnsLabel(opts.name, '--name') : baseName(host);
  const issuerName = base;
  const caSecretName = kubeName(base, 'ca');
  const labels = labelsFor(base);
  // tls.crt carries the CA and its parents: cert-manager then writes the root of that chain as each Secret's ca.crt.
  const caSecret = buildTlsSecret(caSecretName, cmNamespace, labels, { cert: ca.chain.map(certificateToPem).join(''), key: exportPrivateKeyPem(ca.key) });
  const issuer = buildClusterIssuer(issuerName, caSecretName, labels);
  const poolSpecs = pools.map((p) => ({ pool: p, secretName: kubeName(base, p), nodeSelector: poolLabel !== undefined ? { [poolLabel]: p } : {} }));
  const k = await kubernetesObjects({ ...opts, name: base }, host, plans, undefined, poolSpecs);
  const certificates = poolSpecs.map((p) =>
    buildCertificate({ name: p.secretName, namespace: k.namespace, labels: labelsFor(base, { 'regcert/pool': p.pool }), issuer: issuerName, commonName: opts.cn !== undefined ? parseCommonName(opts.cn) : p.pool, days, renewBeforeDays }),
  );
  // Namespace first (the Certificates live in it), then what cert-manager acts on, then the DaemonSets.
  const ns = k.objects.filter((o) => o.kind === 'Namespace');
  const install = [...ns, issuer, ...certificates, ...k.objects.filter((o) => o.kind !== 'Namespace')];
  const caRoot = ca.chain[ca.chain.length - 1]!;
  const header = [
    `Written by regcert for the registry ${host.name}: cert-manager issues and renews each pool's client certificate (usages client auth, digital signature; ${days} days, renewed ${renewBeforeDays} days before the end) from the ClusterIssuer ${issuerName} (CA ${commentText(ca.cert.subject)}).`,
    `The DaemonSets copy each Secret's tls.crt/tls.key/ca.crt to client.cert/client.key/ca.crt in ${plans.map((p) => p.dir).join(', ')} and re-copy after every renewal (never restart a runtime).`,
    `ca.crt on the nodes is the root of the CA's chain (${commentText(caRoot.subject)}): the registry's server certificate must chain to it.`,
    `An intermediate made for this cluster (regcert init-ca --intermediate) is safer than the root: only it is in the cluster, it can be short-lived, and the registry can trust it alone in clientcas, so replacing it cuts this cluster off without touching any other client.`,
    ...configPathNote(plans, opts.containerdConfigPath === true).header,
  ].join('\n');
  notes.push(...configPathNote(plans, opts.containerdConfigPath === true).notes);
  notes.push('cert-manager renews the certificates itself; after replacing the CA, export again and apply');
  const out: OutFile[] = [];
  if (opts.out !== undefined) {
    out.push({ name: 'ca-secret.yaml', data: renderManifests([caSecret], `The CA key cert-manager signs with (ClusterIssuer ${issuerName}), regcert: keep this file secret.`), holdsKey: true });
    out.push({ name: 'install.yaml', data: renderManifests(install, header), holdsKey: false });
  } else {
    out.push({ name: '-', data: renderManifests([caSecret, ...install], header), holdsKey: true });
  }
  const next = [
    `kubectl apply -f ${opts.out ?? 'FILE'}   (cert-manager must be installed first)`,
    `kubectl -n ${k.namespace} get certificates   (READY True once issued)`,
    ...k.names.map((n) => `kubectl -n ${k.namespace} rollout status daemonset/${n}`),
  ];
  return finish(opts, 'cert-manager', host, runtimes, out, { documents: describeObjects([caSecret, ...install]), certificate: summarizeCertificate(ca.cert), warnings, notes, next });
}

/** One output: a file under --out (NAME relative to it), or '-' for stdout. */
interface OutFile {
  name: string;
  data: string | Uint8Array;
  holdsKey: boolean;
  mode?: number;
  kind?: FileKind;
}

/** Writes the outputs (0600 when they hold a key) or returns the one document for stdout. */
async function finish(
  opts: ExportOptions,
  target: ExportTarget,
  host: RegistryHost,
  runtimes: RuntimeName[],
  out: OutFile[],
  r: Pick<ExportResult, 'documents' | 'certificate' | 'warnings' | 'notes' | 'next'>,
): Promise<ExportResult> {
  const holdsKey = out.some((o) => o.holdsKey);
  const result: ExportResult = { command: 'export', target, host: host.name, runtimes, files: [], holdsKey, ...r };
  if (opts.out === undefined) {
    // --json is one document on stdout: a key never goes into it.
    if (opts.json && holdsKey) throw inputError('JSON_WITH_KEY', `"export ${target}" output holds a private key and --json never prints one`, 'pass --out DIR to write the files (the JSON then lists them)');
    const doc = out[0]!.data;
    result.content = typeof doc === 'string' ? doc : Buffer.from(doc).toString('utf8');
    return result;
  }
  const files: PlannedFile[] = out.map((o) => ({ path: path.join(opts.out!, o.name), data: o.data, mode: o.mode ?? (o.holdsKey ? 0o600 : 0o644), kind: o.kind ?? (o.holdsKey ? 'private-key' : 'config') }));
  result.files = await writeFiles(files, { force: opts.force ?? false });
  return result;
}
