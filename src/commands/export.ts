/**
 * `regcert export TARGET`: the inputs of the engines fleets already run —
 * Kubernetes manifests, cert-manager resources, k3s/RKE2 registries.yaml,
 * an Ansible playbook, cloud-init user data — carrying one registry's client
 * certificate to every node. Every path, mode and hosts.toml / registries.yaml
 * comes from the runtime plans (src/runtimes/), exactly as install-host
 * writes them on one machine.
 */
import path from 'node:path';
import { summarizeCertificate, type CertificateSummary } from '../core/describe.js';
import { inputError } from '../core/errors.js';
import { parseRegistryHost, type RegistryHost } from '../core/registry-host.js';
import { commentText } from '../core/template.js';
import { readClientAndRegistryCa } from '../io/client-identity.js';
import type { CredentialOptions } from '../io/credentials.js';
import { writeFiles, type PlannedFile, type WrittenFile } from '../io/files.js';
import { readCa } from '../io/pki.js';
import { readTemplate } from '../io/templates.js';
import { ansibleTarget } from '../fleet/ansible.js';
import { certManagerTarget } from '../fleet/cert-manager.js';
import { cloudInitTarget } from '../fleet/cloud-init.js';
import { KUBERNETES_RUNTIMES, kubernetesTarget } from '../fleet/kubernetes.js';
import { registriesYamlTarget } from '../fleet/registries-yaml.js';
import { configPathNote, planNode, type ClientExport, type ExportedDocument, type OutFile, type TargetOutput } from '../fleet/targets.js';
import { parseRuntimeName, type ClientMaterial, type RuntimeName } from '../runtimes/index.js';
import type { CommandContext } from './context.js';

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
  documents: ExportedDocument[];
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
  const { id, ca } = await readClientAndRegistryCa(opts, ctx, warnings);
  const material: ClientMaterial = { clientCert: id.clientCert, clientKey: id.clientKey, caPem: ca.pem };
  const plans = await planNode(host, runtimes, material, opts.certsDir);
  const certificate = summarizeCertificate(id.creds.leaf);
  const who = `client ${commentText(certificate.subject)}, expires ${certificate.notAfter.slice(0, 10)}`;
  const renewal = `After renewing the client certificate (regcert renew, or a new one from regcert issue), export again (--force replaces the files) and apply the result the same way.`;
  const cfg = configPathNote(plans, opts.containerdConfigPath === true);
  notes.push(...cfg.notes);

  const e: ClientExport = { host, plans, material, who, renewal, configPathHeader: cfg.header, out: opts.out };
  let t: TargetOutput;
  if (target === 'kubernetes') t = kubernetesTarget(e, opts, await readTemplate('k8s-node-install.sh'));
  else if (target === 'k3s' || target === 'rke2') t = registriesYamlTarget(e, target);
  else if (target === 'ansible') t = ansibleTarget(e);
  else t = cloudInitTarget(e);
  return finish(opts, target, host, runtimes, t.out, { documents: t.documents, certificate, warnings, notes, next: t.next });
}

async function exportCertManager(opts: ExportOptions, host: RegistryHost, runtimes: RuntimeName[], warnings: string[], notes: string[], ctx: CommandContext): Promise<ExportResult> {
  for (const [flag, v] of [['--cert', opts.cert], ['--key', opts.key], ['--p12', opts.p12], ['--bundle', opts.bundle], ['--client', opts.client], ['--ca', opts.ca]] as const) {
    if (v !== undefined) throw inputError('OPTION_NOT_FOR_TARGET', `${flag} does not apply to "export cert-manager": cert-manager issues each pool's client certificate and writes its ca.crt`, 'pass --ca-dir DIR (the CA cert-manager signs with, best an intermediate: regcert init-ca --intermediate)');
  }
  if (opts.caDir === undefined) throw inputError('MISSING_CA_DIR', 'no --ca-dir given', 'pass --ca-dir DIR with ca.crt and ca.key (make one for the cluster: regcert init-ca --intermediate --parent-dir pki --dir pki-cluster)');
  const ca = await readCa(opts.caDir, { file: opts.caPasswordFile, env: opts.caPasswordEnv }, ctx);
  const t = await certManagerTarget({ ...opts, caDir: opts.caDir }, host, runtimes, ca, await readTemplate('k8s-node-install.sh'), warnings, notes);
  return finish(opts, 'cert-manager', host, runtimes, t.out, { documents: t.documents, certificate: t.certificate, warnings, notes, next: t.next });
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
