/**
 * `export cert-manager`: cert-manager issues and renews each node pool's
 * client certificate from a ClusterIssuer holding the CA (--ca-dir), and
 * the DaemonSets of kubernetes.ts copy each pool's Secret onto its nodes.
 */
import { certificateToPem, isSelfSigned } from '../core/certificates.js';
import { CERT_MANAGER_DURATION_DAYS, CERT_MANAGER_NAMESPACE, DEFAULT_LEAF_DAYS, EXPIRY_WARNING_DAYS } from '../core/defaults.js';
import { summarizeCertificate, type CertificateSummary } from '../core/describe.js';
import { inputError } from '../core/errors.js';
import { exportPrivateKeyPem } from '../core/keys.js';
import type { RegistryHost } from '../core/registry-host.js';
import { commentText } from '../core/template.js';
import type { LoadedCa } from '../io/pki.js';
import type { RuntimeName } from '../runtimes/index.js';
import { baseName, buildCertificate, buildClusterIssuer, buildTlsSecret, describeObjects, kubeName, kubernetesObjects, labelsFor, parseDnsLabel, parseLabelKey, renderManifests, type KubeOptions } from './kubernetes.js';
import { configPathNote, planNode, type TargetOutput } from './targets.js';

export interface CertManagerOptions extends KubeOptions {
  /** Where the CA came from (for the warning about a root CA). */
  caDir: string;
  certsDir?: string | undefined;
  out?: string | undefined;
  pool?: string[] | undefined;
  poolLabel?: string | undefined;
  cn?: string | undefined;
  days?: number | undefined;
  certManagerNamespace?: string | undefined;
  containerdConfigPath?: boolean | undefined;
}

/** One name a person typed, for a certificate field: printable, bounded (X.520 ub-common-name). */
function parseCommonName(cn: string): string {
  if (cn.length === 0 || cn.length > 64 || /[\u0000-\u001f\u007f]/.test(cn)) throw inputError('BAD_CN', `--cn "${commentText(cn)}" is not a usable common name`, 'use 1 to 64 printable characters');
  return cn;
}

/** The CA Secret, ClusterIssuer, one Certificate and DaemonSet per pool; `template` is templates/k8s-node-install.sh. */
export async function certManagerTarget(
  opts: CertManagerOptions,
  host: RegistryHost,
  runtimes: RuntimeName[],
  ca: LoadedCa,
  template: string,
  warnings: string[],
  notes: string[],
): Promise<TargetOutput & { certificate: CertificateSummary }> {
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
  const plans = await planNode(host, runtimes, { clientCert: '', clientKey: '', caPem: '' }, opts.certsDir);
  const base = opts.name !== undefined ? parseDnsLabel(opts.name, '--name') : baseName(host);
  const issuerName = base;
  const caSecretName = kubeName(base, 'ca');
  const labels = labelsFor(base);
  // tls.crt carries the CA and its parents: cert-manager then writes the root of that chain as each Secret's ca.crt.
  const caSecret = buildTlsSecret(caSecretName, cmNamespace, labels, { cert: ca.chain.map(certificateToPem).join(''), key: exportPrivateKeyPem(ca.key) });
  const issuer = buildClusterIssuer(issuerName, caSecretName, labels);
  const poolSpecs = pools.map((p) => ({ pool: p, secretName: kubeName(base, p), nodeSelector: poolLabel !== undefined ? { [poolLabel]: p } : {} }));
  const k = kubernetesObjects({ ...opts, name: base }, host, plans, template, undefined, poolSpecs);
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
  const out: TargetOutput['out'] = [];
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
  return { out, documents: describeObjects([caSecret, ...install]), next, certificate: summarizeCertificate(ca.cert) };
}
