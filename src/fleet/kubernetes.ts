/**
 * `export kubernetes` and `export cert-manager`: Kubernetes cannot put a
 * client certificate in imagePullSecrets (kubernetes/kubernetes#72394), so
 * a DaemonSet copies a Secret into each node's certs.d, in the layout the
 * runtime files (src/runtimes/) plan. Pure: objects in, objects out.
 *
 * Both targets use one Secret shape, kubernetes.io/tls with tls.crt (leaf +
 * intermediates), tls.key and ca.crt: the one cert-manager writes. So the
 * DaemonSet and its copy step are the same for both; only who writes the
 * Secret differs (regcert, or cert-manager from a Certificate).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { FLEET_IMAGE, FLEET_INTERVAL_SECONDS, FLEET_NAMESPACE } from '../core/defaults.js';
import { createYamlDocument, renderYaml } from '../core/yaml.js';
import { inputError } from '../core/errors.js';
import type { RegistryHost } from '../core/registry-host.js';
import { renderTemplate, shellWord } from '../core/template.js';
import { modeString, type FileKind } from '../io/files.js';
import type { RuntimeName, RuntimePlan } from '../runtimes/index.js';
import type { ClientExport, ExportedDocument, TargetOutput } from './targets.js';

/** The runtimes a node-level DaemonSet can serve: they read their host folder on every pull (no restart). */
export const KUBERNETES_RUNTIMES: readonly RuntimeName[] = ['containerd', 'docker', 'podman'];

/** Where a host-folder file comes from in the Secret (the kubernetes.io/tls shape cert-manager writes). */
export const SECRET_KEYS: Partial<Record<FileKind, string>> = { 'client-certificate': 'tls.crt', 'client-key': 'tls.key', 'ca-bundle': 'ca.crt' };

/** Inside the DaemonSet's container (the install script's defaults are the same paths). */
export const MOUNTS = { secret: '/regcert/secret', config: '/regcert/config', hostRoot: '/host' } as const;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/;

/** A Kubernetes object name or namespace (RFC 1123 label, 63 characters at most). */
export function parseDnsLabel(value: string, flag: string): string {
  if (value.length > 63 || !DNS_LABEL.test(value)) {
    throw inputError('BAD_NAME', `${flag} "${value}" is not a valid Kubernetes name`, 'use lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters');
  }
  return value;
}

export function parseLabelKey(value: string, flag: string): string {
  const name = value.split('/').pop()!;
  if (value.length > 316 || name.length > 63 || !LABEL_KEY.test(value)) {
    throw inputError('BAD_LABEL', `${flag} "${value}" is not a valid Kubernetes label key`, 'use [prefix/]name, e.g. cloud.google.com/gke-nodepool or eks.amazonaws.com/nodegroup');
  }
  return value;
}

export function parseImage(value: string): string {
  if (value.length > 255 || !IMAGE.test(value)) throw inputError('BAD_IMAGE', `--image "${value}" is not an image reference`, 'pass e.g. busybox:1.36, or registry.example.com/mirror/busybox@sha256:…');
  return value;
}

/** A predictable name: lower-case, [a-z0-9-], at most 63 characters (a hash keeps long ones apart). */
export function kubeName(...parts: string[]): string {
  const s = parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (s.length <= 63) return s;
  return `${s.slice(0, 54).replace(/-+$/, '')}-${createHash('sha256').update(s).digest('hex').slice(0, 8)}`;
}

/** regcert-HOST[-PORT]: the base of every object name for one registry. */
export function baseName(host: RegistryHost): string {
  return kubeName('regcert', host.name);
}

export type KubeObject = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } };

export function labelsFor(base: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'regcert',
    'app.kubernetes.io/instance': base,
    'app.kubernetes.io/component': 'registry-client-certificate',
    'app.kubernetes.io/managed-by': 'regcert',
    ...extra,
  };
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** A Namespace the DaemonSet may run hostPath pods in (Pod Security Admission: privileged). */
export function buildNamespace(name: string, base: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...labelsFor(base), 'pod-security.kubernetes.io/enforce': 'privileged' } } };
}

/** A kubernetes.io/tls Secret: tls.crt, tls.key and (when given) ca.crt. */
export function buildTlsSecret(name: string, namespace: string, labels: Record<string, string>, data: { cert: string; key: string; ca?: string | undefined }): KubeObject {
  const d: Record<string, string> = { 'tls.crt': b64(data.cert), 'tls.key': b64(data.key) };
  if (data.ca !== undefined) d['ca.crt'] = b64(data.ca);
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, labels }, type: 'kubernetes.io/tls', data: d };
}

/** One node file as the DaemonSet installs it: from the Secret or the ConfigMap, to an absolute node path. */
export interface NodeCopy {
  from: 'secret' | 'config';
  key: string;
  path: string;
  mode: number;
}

/** The copy list for the plans' files: certificates and key from the Secret, config files (hosts.toml) from the ConfigMap. */
export function nodeCopies(plans: RuntimePlan[]): { copies: NodeCopy[]; configData: Record<string, string> } {
  const copies: NodeCopy[] = [];
  const configData: Record<string, string> = {};
  for (const plan of plans) {
    for (const f of plan.files) {
      const secretKey = SECRET_KEYS[f.kind];
      if (secretKey !== undefined) {
        copies.push({ from: 'secret', key: secretKey, path: f.path, mode: f.mode });
        continue;
      }
      if (f.kind !== 'config' || typeof f.data !== 'string') throw new Error(`export: no Kubernetes source for ${f.path} (${f.kind})`);
      const key = `${plan.runtime}-${path.basename(f.path)}`;
      configData[key] = f.data;
      copies.push({ from: 'config', key, path: f.path, mode: f.mode });
    }
  }
  return { copies, configData };
}

/** The DaemonSet's shell script (templates/k8s-node-install.sh) with this copy list. */
export function renderInstallScript(template: string, o: { host: string; secretName: string; copies: NodeCopy[]; interval: number }): string {
  const src = (c: NodeCopy) => `"$${c.from}"/${shellWord(c.key)}`;
  const files = o.copies.map((c) => `  "$1" ${src(c)} ${shellWord(c.path)} ${modeString(c.mode)}`).join('\n');
  const configInputs = [...new Set(o.copies.filter((c) => c.from === 'config').map(src))].map((s) => ` ${s}`).join('');
  return renderTemplate(template, { host: o.host, secret: o.secretName, files, configInputs, interval: String(o.interval) });
}

export interface NodeInstallSpec {
  name: string;
  namespace: string;
  host: RegistryHost;
  image: string;
  secretName: string;
  plans: RuntimePlan[];
  script: string;
  interval: number;
  labels: Record<string, string>;
  nodeSelector?: Record<string, string> | undefined;
  configMapName?: string | undefined;
  /** Changes when the inputs change, so `kubectl apply` also rolls the pods (the loop already re-copies). */
  checksum: string;
}

/** The ConfigMap (hosts.toml…) named configMapName, or undefined when no runtime has a config file. */
export function buildConfigMap(name: string, namespace: string, labels: Record<string, string>, data: Record<string, string>): KubeObject | undefined {
  if (Object.keys(data).length === 0) return undefined;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data };
}

/** The host folder roots the pod mounts (hostPath), each at MOUNTS.hostRoot + the same path. */
function hostRoots(plans: RuntimePlan[]): string[] {
  return [...new Set(plans.map((p) => path.dirname(p.dir)))];
}

export function buildDaemonSet(s: NodeInstallSpec): KubeObject {
  const roots = hostRoots(s.plans);
  const volumes: unknown[] = [{ name: 'secret', secret: { secretName: s.secretName, defaultMode: 0o400 } }];
  const mounts: unknown[] = [{ name: 'secret', mountPath: MOUNTS.secret, readOnly: true }];
  if (s.configMapName !== undefined) {
    volumes.push({ name: 'config', configMap: { name: s.configMapName } });
    mounts.push({ name: 'config', mountPath: MOUNTS.config, readOnly: true });
  }
  roots.forEach((root, i) => {
    volumes.push({ name: `host-${i}`, hostPath: { path: root, type: 'DirectoryOrCreate' } });
    mounts.push({ name: `host-${i}`, mountPath: path.posix.join(MOUNTS.hostRoot, root) });
  });
  const selector = { 'app.kubernetes.io/name': 'regcert', 'app.kubernetes.io/instance': s.labels['app.kubernetes.io/instance']!, ...(s.labels['regcert/pool'] ? { 'regcert/pool': s.labels['regcert/pool'] } : {}) };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: s.name, namespace: s.namespace, labels: s.labels, annotations: { 'regcert/registry': s.host.name } },
    spec: {
      selector: { matchLabels: selector },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%' } },
      template: {
        metadata: { labels: s.labels, annotations: { 'regcert/registry': s.host.name, 'regcert/inputs-sha256': s.checksum } },
        spec: {
          // Every node, whatever its taints (control plane, GPU, dedicated pools): each one pulls images.
          tolerations: [{ operator: 'Exists' }],
          nodeSelector: { 'kubernetes.io/os': 'linux', ...(s.nodeSelector ?? {}) },
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: 'install',
              image: s.image,
              imagePullPolicy: 'IfNotPresent',
              command: ['sh', '-c', s.script],
              env: [
                { name: 'REGCERT_SECRET_DIR', value: MOUNTS.secret },
                { name: 'REGCERT_CONFIG_DIR', value: MOUNTS.config },
                { name: 'REGCERT_HOST_ROOT', value: MOUNTS.hostRoot },
                { name: 'REGCERT_INTERVAL', value: String(s.interval) },
              ],
              // Root in the pod to write root-owned node folders, and nothing more.
              securityContext: { runAsUser: 0, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              resources: { requests: { cpu: '1m', memory: '8Mi' }, limits: { memory: '32Mi' } },
              volumeMounts: mounts,
            },
          ],
          volumes,
        },
      },
    },
  };
}

/** sha256 over the objects' data (Secret and ConfigMap) and the script. */
export function inputsChecksum(...parts: Array<string | Record<string, string> | undefined>): string {
  const h = createHash('sha256');
  for (const p of parts) {
    if (p === undefined) continue;
    if (typeof p === 'string') h.update(p);
    else for (const k of Object.keys(p).sort()) h.update(`${k}\0${p[k]}\0`);
  }
  return h.digest('hex');
}

/** A YAML comment block's text (the yaml library adds the #): one space after each #, no trailing blanks. */
export function commentBlock(text: string): string {
  return text
    .split('\n')
    .map((l) => (l.trimEnd() === '' ? '' : ` ${l.trimEnd()}`))
    .join('\n');
}

/** Multi-document YAML; `header` becomes a comment above the first document. */
export function renderManifests(objects: KubeObject[], header: string): string {
  return objects
    .map((o, i) => {
      const doc = createYamlDocument(o);
      if (i === 0 && header) doc.commentBefore = commentBlock(header);
      return renderYaml(doc);
    })
    .join('---\n');
}

/** A ClusterIssuer of type CA backed by the Secret secretName (in cert-manager's cluster resource namespace). */
export function buildClusterIssuer(name: string, secretName: string, labels: Record<string, string>): KubeObject {
  return { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name, labels }, spec: { ca: { secretName } } };
}

/** A client Certificate: usages client auth + digital signature, a fresh ECDSA P-256 key at every renewal. */
export function buildCertificate(o: { name: string; namespace: string; labels: Record<string, string>; issuer: string; commonName: string; days: number; renewBeforeDays: number }): KubeObject {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: o.name, namespace: o.namespace, labels: o.labels },
    spec: {
      secretName: o.name,
      secretTemplate: { labels: o.labels },
      commonName: o.commonName,
      duration: `${o.days * 24}h`,
      renewBefore: `${o.renewBeforeDays * 24}h`,
      usages: ['client auth', 'digital signature'],
      privateKey: { algorithm: 'ECDSA', size: 256, encoding: 'PKCS8', rotationPolicy: 'Always' },
      issuerRef: { name: o.issuer, kind: 'ClusterIssuer', group: 'cert-manager.io' },
    },
  };
}

export function describeObjects(objects: KubeObject[]): ExportedDocument[] {
  return objects.map((o) => ({ kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) }));
}

/** --name, --namespace, --image (kubernetes and cert-manager). */
export interface KubeOptions {
  name?: string | undefined;
  namespace?: string | undefined;
  image?: string | undefined;
}

/** Namespace, Secret (when regcert holds the pair), ConfigMap and DaemonSet(s); `template` is templates/k8s-node-install.sh. */
export function kubernetesObjects(
  opts: KubeOptions,
  host: RegistryHost,
  plans: RuntimePlan[],
  template: string,
  secretData: { cert: string; key: string; ca: string } | undefined,
  pools: Array<{ pool?: string; secretName: string; nodeSelector: Record<string, string> }> | undefined = undefined,
) {
  const base = opts.name !== undefined ? parseDnsLabel(opts.name, '--name') : baseName(host);
  const namespace = parseDnsLabel(opts.namespace ?? FLEET_NAMESPACE, '--namespace');
  const image = parseImage(opts.image ?? FLEET_IMAGE);
  const labels = labelsFor(base);
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

/** `export kubernetes`: the objects, with the Secret in its own file under --out. */
export function kubernetesTarget(e: ClientExport, opts: KubeOptions, template: string): TargetOutput {
  const { host, plans } = e;
  const k = kubernetesObjects(opts, host, plans, template, { cert: e.material.clientCert, key: e.material.clientKey, ca: e.material.caPem });
  const header = [`Written by regcert for the registry ${host.name} (${e.who}).`, `kubectl apply -f this; the DaemonSet ${k.namespace}/${k.name} copies the Secret ${k.secretName} into each node's ${plans.map((p) => p.dir).join(', ')} and re-copies when it changes (never restarts a runtime).`, e.renewal, ...e.configPathHeader].join('\n');
  const rest = k.objects.filter((o) => o !== k.secret);
  const out: TargetOutput['out'] = [];
  if (e.out !== undefined) {
    out.push({ name: 'install.yaml', data: renderManifests(rest, header), holdsKey: false });
    out.push({ name: 'secret.yaml', data: renderManifests([k.secret], `The client certificate and private key for ${host.name} (regcert): keep this file secret.`), holdsKey: true });
  } else {
    out.push({ name: '-', data: renderManifests(k.objects, header), holdsKey: true });
  }
  const next = [`kubectl apply -f ${e.out ?? 'FILE'}`, `kubectl -n ${k.namespace} rollout status daemonset/${k.name}`, `kubectl -n ${k.namespace} logs daemonset/${k.name}   (one line per file installed)`];
  return { out, documents: describeObjects(k.objects), next };
}
