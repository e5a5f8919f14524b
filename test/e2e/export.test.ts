/**
 * Issue 13: `regcert export` for fleets, checked with the engines themselves
 * where they run here: ansible-playbook (connection local, a temp root),
 * cloud-init's schema, and a simulated Kubernetes node (the DaemonSet's own
 * command run with sh, the Secret's keys as a directory, a temp dir as the
 * hostPath). Every result must pull through a real docker-registry that
 * requires client certificates (ctr --hosts-dir against a private
 * containerd, or skopeo --cert-dir). The Kubernetes and cert-manager objects
 * are validated against the Kubernetes OpenAPI schemas shipped by the npm
 * packages kubernetes-models and @kubernetes-models/cert-manager.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Certificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate';
import { ClusterIssuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer';
import { cliOk, run, runCli, runOk } from '../helpers/cli.js';
import { mountsUsing, privateMounts, processesUsing, requireRoot, startContainerd, systemFootprint, type Daemon } from '../helpers/daemons.js';
import { requireBinary, type Server } from '../helpers/proc.js';
import { makeOciLayout, startDistribution } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir('regcert-export-');
const p = (...s: string[]) => path.join(dir, ...s);
let registry: { port: number; server: Server };
let containerd: { daemon: Daemon; ctr: (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }> };
let host: string;
const before = systemFootprint();
const ident = () => ['--cert', p('inter', 'nodes.crt'), '--key', p('inter', 'nodes.key'), '--ca', p('root', 'ca.crt')];

type K8s = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [k: string]: unknown };
const docs = (file: string): K8s[] => parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as K8s);
const kinds = (objs: K8s[]) => objs.map((o) => o.kind);

/** Every regular file under root: relative path → mode and content. */
function tree(root: string): Record<string, { mode: string; data: string }> {
  const out: Record<string, { mode: string; data: string }> = {};
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const f = path.join(d, n);
      const st = statSync(f);
      if (st.isDirectory()) walk(f);
      else out[path.relative(root, f)] = { mode: (st.mode & 0o777).toString(8), data: readFileSync(f, 'utf8') };
    }
  };
  walk(root);
  return out;
}

/** What kubelet does with a Secret or ConfigMap volume: one file per key. */
function volumeDir(to: string, data: Record<string, string>, base64: boolean): string {
  mkdirSync(to, { recursive: true });
  for (const [k, v] of Object.entries(data)) writeFileSync(path.join(to, k), base64 ? Buffer.from(v, 'base64') : v, { mode: 0o400 });
  return to;
}

/** The DaemonSet's container, as the node would run it: its own command, with busybox sh, once. */
async function runNodeInstaller(ds: K8s, dirs: { secret: string; config: string; hostRoot: string }) {
  const c = (ds as unknown as { spec: { template: { spec: { containers: Array<{ command: string[]; env: Array<{ name: string; value: string }>; volumeMounts: Array<{ name: string; mountPath: string }> }> } } } }).spec.template.spec.containers[0]!;
  expect(c.command.slice(0, 2)).toEqual(['sh', '-c']);
  // The env the manifest sets points at the mounts the manifest declares (what the simulation replaces).
  const env = Object.fromEntries(c.env.map((e) => [e.name, e.value]));
  const mounts = Object.fromEntries(c.volumeMounts.map((m) => [m.name, m.mountPath]));
  expect(env.REGCERT_SECRET_DIR).toBe(mounts.secret);
  if (mounts.config) expect(env.REGCERT_CONFIG_DIR).toBe(mounts.config);
  for (const [name, at] of Object.entries(mounts)) if (name.startsWith('host-')) expect(at.startsWith(`${env.REGCERT_HOST_ROOT}/`)).toBe(true);
  // Under busybox's sh with only busybox's tools on PATH, as in the default image (busybox:1.36).
  return run(p('busybox', 'sh'), ['-c', c.command[2]!], {
    env: { PATH: p('busybox'), REGCERT_SECRET_DIR: dirs.secret, REGCERT_CONFIG_DIR: dirs.config, REGCERT_HOST_ROOT: dirs.hostRoot, REGCERT_ONCE: '1' },
    timeoutMs: 30_000,
  });
}

const ctrPull = (hostsDir: string, ref = `${host}/test/hello:v1`) => containerd.ctr(['images', 'pull', '--snapshotter', 'native', '--hosts-dir', hostsDir, ref]);

beforeAll(async () => {
  requireRoot('the export test');
  for (const b of ['ansible-playbook', 'cloud-init', 'skopeo', 'containerd']) requireBinary(b);
  mkdirSync(p('busybox'));
  await runOk(requireBinary('busybox'), ['--install', '-s', p('busybox')]);
  await cliOk(['init-ca', '--dir', p('root'), '--cn', 'Fleet Root']);
  await cliOk(['issue', 'registry', '--server', '--san', '127.0.0.1', '--dir', p('root')]);
  // The cluster's own intermediate: client certificates carry it (client.cert = leaf + intermediate).
  await cliOk(['init-ca', '--intermediate', '--parent-dir', p('root'), '--dir', p('inter'), '--cn', 'Fleet Nodes']);
  await cliOk(['issue', 'nodes', '--client', '--dir', p('inter')]);
  await cliOk(['issue', 'nodes2', '--client', '--dir', p('inter')]);
  await cliOk(['issue', 'blue', '--client', '--dir', p('inter')]);
  registry = await startDistribution(p('reg'), { cert: p('root', 'registry.crt'), key: p('root', 'registry.key'), clientCa: p('root', 'ca.crt') });
  host = `127.0.0.1:${registry.port}`;
  // Seed the registry (skopeo through install-host's folder; a private, throw-away /var/lib for its cache).
  await cliOk(['install-host', host, '--runtime', 'docker', '--certs-dir', p('seed'), ...ident()]);
  makeOciLayout(p('oci'));
  const sk = privateMounts([{ target: '/var/lib', mkdir: ['/var/lib/containers'] }], `exec '${requireBinary('skopeo')}' copy --command-timeout 60s --dest-cert-dir '${p('seed', host)}' 'oci:${p('oci')}:v1' 'docker://${host}/test/hello:v1'`);
  await runOk(sk.cmd, sk.args, { timeoutMs: 90_000 });
  containerd = await startContainerd(p('ctrd'));
}, 180_000);

afterAll(async () => {
  await containerd?.daemon.stop();
  await registry?.server.stop();
  expect(processesUsing(dir)).toEqual([]);
  expect(mountsUsing(dir)).toEqual([]);
  expect(systemFootprint()).toEqual(before);
}, 60_000);

describe('export kubernetes', () => {
  it('Namespace, Secret, ConfigMap and DaemonSet pass the Kubernetes schemas; the key is only in secret.yaml (0600)', async () => {
    const r = await cliOk(['export', 'kubernetes', '--host', host, ...ident(), '--out', p('k8s'), '--containerd-config-path']);
    expect(r.stderr).toMatch(/private key is in .*secret\.yaml \(mode 0600\)/);
    expect((statSync(p('k8s', 'secret.yaml')).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(p('k8s', 'install.yaml')).mode & 0o777).toString(8)).toBe('644');
    const install = docs(p('k8s', 'install.yaml'));
    const secret = docs(p('k8s', 'secret.yaml'));
    expect(readFileSync(p('k8s', 'install.yaml'), 'utf8')).not.toMatch(/PRIVATE KEY|tls\.key:/);
    expect(kinds(install)).toEqual(['Namespace', 'ConfigMap', 'DaemonSet']);
    expect(kinds(secret)).toEqual(['Secret']);
    const Model = { Namespace, Secret, ConfigMap, DaemonSet } as Record<string, new (o: unknown) => { validate(): void }>;
    for (const o of [...install, ...secret]) expect(() => new Model[o.kind]!(o).validate(), o.kind).not.toThrow();
    // The validator is real: a DaemonSet without its selector is refused.
    const broken = structuredClone(install[2]!) as unknown as { spec: Record<string, unknown> };
    delete broken.spec.selector;
    expect(() => new DaemonSet(broken as never).validate()).toThrow(/selector/);

    const name = `regcert-127-0-0-1-${registry.port}`;
    for (const o of [...install, ...secret]) {
      expect(o.metadata.name).toBe(o.kind === 'Namespace' ? 'regcert' : name);
      expect(o.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'regcert', 'app.kubernetes.io/instance': name, 'app.kubernetes.io/managed-by': 'regcert' });
    }
    const ds = install[2] as unknown as { spec: { template: { spec: { tolerations: unknown[]; volumes: Array<{ name: string; hostPath?: { path: string } }>; containers: Array<{ image: string; command: string[] }> } } } };
    expect(ds.spec.template.spec.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(ds.spec.template.spec.containers[0]!.image).toBe('busybox:1.36');
    expect(ds.spec.template.spec.volumes.find((v) => v.hostPath)!.hostPath!.path).toBe('/etc/containerd/certs.d');
    // It never restarts a runtime: no line that runs anything but file tools touches a daemon.
    const code = ds.spec.template.spec.containers[0]!.command[2]!.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n');
    expect(code).not.toMatch(/(^|[\s;|&(])(systemctl|service|kill|pkill|killall|crictl|ctr|containerd|dockerd|nerdctl)(\s|$)/m);
    expect(code).toContain('sleep "$interval"');
    // --containerd-config-path: the config.toml lines of the containerd runtime, for both config versions.
    expect(readFileSync(p('k8s', 'install.yaml'), 'utf8')).toContain('#     config_path = "/etc/containerd/certs.d"');
    expect(readFileSync(p('k8s', 'install.yaml'), 'utf8')).toContain('[plugins."io.containerd.cri.v1.images".registry]');

    const json = await cliOk(['export', 'kubernetes', '--host', host, ...ident(), '--out', p('k8s'), '--containerd-config-path', '--json']);
    expect(json.stdout).not.toMatch(/PRIVATE KEY/);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, holdsKey: true, files: [{ mode: '0644', status: 'unchanged' }, { mode: '0600', status: 'unchanged' }] });
    const refused = await runCli(['export', 'kubernetes', '--host', host, ...ident(), '--json']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).not.toMatch(/PRIVATE KEY/);
    expect(JSON.parse(refused.stdout).error.code).toBe('JSON_WITH_KEY');
  });

  it("the DaemonSet's command, run with sh on a simulated node, lays out install-host's folder; ctr pulls through it; a changed Secret is re-copied", async () => {
    const install = docs(p('k8s', 'install.yaml'));
    const secret = docs(p('k8s', 'secret.yaml'))[0]! as K8s & { data: Record<string, string> };
    const cm = install.find((o) => o.kind === 'ConfigMap') as K8s & { data: Record<string, string> };
    const ds = install.find((o) => o.kind === 'DaemonSet')!;
    const dirs = { secret: volumeDir(p('node1', 'secret'), secret.data, true), config: volumeDir(p('node1', 'config'), cm.data, false), hostRoot: p('node1', 'host') };
    const first = await runNodeInstaller(ds, dirs);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.match(/^regcert: installed/gm)).toHaveLength(4);
    await cliOk(['install-host', host, '--runtime', 'containerd', '--certs-dir', p('ih-ctrd'), ...ident()]);
    expect(tree(p('node1', 'host', 'etc', 'containerd', 'certs.d'))).toEqual(tree(p('ih-ctrd')));
    const pull = await ctrPull(p('node1', 'host', 'etc', 'containerd', 'certs.d'));
    expect(pull.code, pull.stderr).toBe(0);

    // Nothing changed: the next pass writes nothing.
    const again = await runNodeInstaller(ds, dirs);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
    // A renewed pair in the Secret (as `kubectl apply` of a new export gives): only the changed files are replaced.
    await cliOk(['export', 'kubernetes', '--host', host, '--cert', p('inter', 'nodes2.crt'), '--key', p('inter', 'nodes2.key'), '--ca', p('root', 'ca.crt'), '--out', p('k8s2')]);
    const renewed = docs(p('k8s2', 'secret.yaml'))[0]! as K8s & { data: Record<string, string> };
    volumeDir(dirs.secret, renewed.data, true);
    const third = await runNodeInstaller(ds, dirs);
    expect(third.stdout.match(/^regcert: installed .*/gm)!.sort()).toEqual([`regcert: installed /etc/containerd/certs.d/${host}/client.cert (mode 0644)`, `regcert: installed /etc/containerd/certs.d/${host}/client.key (mode 0600)`]);
    expect(readFileSync(p('node1', 'host', 'etc', 'containerd', 'certs.d', host, 'client.key'), 'utf8')).toBe(Buffer.from(renewed.data['tls.key']!, 'base64').toString());
    // A mode changed on the node is put back.
    const { chmodSync } = await import('node:fs');
    chmodSync(p('node1', 'host', 'etc', 'containerd', 'certs.d', host, 'client.key'), 0o644);
    expect((await runNodeInstaller(ds, dirs)).stdout).toContain('client.key (mode 0600)');
    expect((await ctrPull(p('node1', 'host', 'etc', 'containerd', 'certs.d'))).code).toBe(0);
    // Without the Secret's files, one pass fails and installs nothing.
    const empty = await runNodeInstaller(ds, { ...dirs, secret: p('node1', 'nothing') });
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toContain('waiting for');
  });
});

describe('export cert-manager', () => {
  it('ClusterIssuer (CA Secret with the chain), a Certificate per pool with client auth + digital signature, DaemonSets per pool; schemas pass', async () => {
    const r = await cliOk(['export', 'cert-manager', '--host', host, '--ca-dir', p('inter'), '--pool-label', 'eks.amazonaws.com/nodegroup', '--pool', 'blue', '--pool', 'green', '--out', p('cm')]);
    expect(r.stderr).toMatch(/CA key cert-manager signs with is in .*ca-secret\.yaml \(mode 0600\)/);
    expect((statSync(p('cm', 'ca-secret.yaml')).mode & 0o777).toString(8)).toBe('600');
    const install = docs(p('cm', 'install.yaml'));
    const caSecret = docs(p('cm', 'ca-secret.yaml'))[0]! as K8s & { data: Record<string, string> };
    expect(readFileSync(p('cm', 'install.yaml'), 'utf8')).not.toMatch(/PRIVATE KEY|tls\.key:/);
    expect(kinds(install)).toEqual(['Namespace', 'ClusterIssuer', 'Certificate', 'Certificate', 'ConfigMap', 'DaemonSet', 'DaemonSet']);
    const Model = { Namespace, Secret, ConfigMap, DaemonSet, Certificate, ClusterIssuer } as Record<string, new (o: unknown) => { validate(): void }>;
    for (const o of [...install, caSecret]) expect(() => new Model[o.kind]!(o).validate(), o.kind).not.toThrow();

    const issuer = install.find((o) => o.kind === 'ClusterIssuer') as K8s & { spec: { ca: { secretName: string } } };
    expect(caSecret.metadata.namespace).toBe('cert-manager');
    expect(issuer.spec.ca.secretName).toBe(caSecret.metadata.name);
    // tls.crt: the intermediate and its root (cert-manager writes the root as each Secret's ca.crt); tls.key: the intermediate's key.
    expect(Buffer.from(caSecret.data['tls.crt']!, 'base64').toString()).toBe(readFileSync(p('inter', 'ca-chain.crt'), 'utf8').replace(/\r/g, ''));
    expect(Buffer.from(caSecret.data['tls.key']!, 'base64').toString()).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const certs = install.filter((o) => o.kind === 'Certificate') as Array<K8s & { spec: { usages: string[]; issuerRef: { name: string; kind: string; group: string }; secretName: string; commonName: string } }>;
    for (const [i, pool] of ['blue', 'green'].entries()) {
      const c = certs[i]!;
      expect(c.spec.usages).toEqual(['client auth', 'digital signature']);
      expect(c.spec.issuerRef).toEqual({ name: issuer.metadata.name, kind: 'ClusterIssuer', group: 'cert-manager.io' });
      expect(c.spec.commonName).toBe(pool);
      const ds = install.filter((o) => o.kind === 'DaemonSet')[i] as unknown as { spec: { template: { spec: { nodeSelector: Record<string, string>; volumes: Array<{ secret?: { secretName: string } }> } } } };
      expect(ds.spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', 'eks.amazonaws.com/nodegroup': pool });
      expect(ds.spec.template.spec.volumes.find((v) => v.secret)!.secret!.secretName).toBe(c.spec.secretName);
    }
    // A root CA works but is called out.
    const rootCa = await cliOk(['export', 'cert-manager', '--host', host, '--ca-dir', p('root'), '--out', p('cm-root')]);
    expect(rootCa.stderr).toMatch(/is a root CA: its key goes into the cluster/);
  });

  it("the pool's DaemonSet maps cert-manager's tls.crt/tls.key/ca.crt to client.cert/client.key/ca.crt; ctr pulls through it", async () => {
    const install = docs(p('cm', 'install.yaml'));
    const cm = install.find((o) => o.kind === 'ConfigMap') as K8s & { data: Record<string, string> };
    const ds = install.filter((o) => o.kind === 'DaemonSet')[0]!;
    // The Secret cert-manager writes for the blue pool: leaf + intermediate, its key, and the chain's root as ca.crt.
    const secret = p('cm-node', 'secret');
    mkdirSync(secret, { recursive: true });
    writeFileSync(p('cm-node', 'secret', 'tls.crt'), readFileSync(p('inter', 'blue.crt')));
    writeFileSync(p('cm-node', 'secret', 'tls.key'), readFileSync(p('inter', 'blue.key')));
    writeFileSync(p('cm-node', 'secret', 'ca.crt'), readFileSync(p('root', 'ca.crt')));
    const res = await runNodeInstaller(ds, { secret, config: volumeDir(p('cm-node', 'config'), cm.data, false), hostRoot: p('cm-node', 'host') });
    expect(res.code, res.stderr).toBe(0);
    const folder = p('cm-node', 'host', 'etc', 'containerd', 'certs.d', host);
    const t = tree(folder);
    expect(t['client.cert']).toEqual({ mode: '644', data: readFileSync(p('inter', 'blue.crt'), 'utf8') });
    expect(t['client.key']).toEqual({ mode: '600', data: readFileSync(p('inter', 'blue.key'), 'utf8') });
    expect(t['ca.crt']).toEqual({ mode: '644', data: readFileSync(p('root', 'ca.crt'), 'utf8') });
    expect(Object.keys(t).sort()).toEqual(['ca.crt', 'client.cert', 'client.key', 'hosts.toml']);
    const pull = await ctrPull(p('cm-node', 'host', 'etc', 'containerd', 'certs.d'));
    expect(pull.code, pull.stderr).toBe(0);
  });
});

describe('export ansible', () => {
  it('ansible-playbook (connection local) lays out install-host\'s folders under regcert_root, a second run reports changed=0, skopeo pulls through the result', async () => {
    await cliOk(['export', 'ansible', '--host', host, '--runtime', 'containerd', '--runtime', 'podman', ...ident(), '--out', p('play')]);
    expect((statSync(p('play', 'secrets.yml')).mode & 0o777).toString(8)).toBe('600');
    expect(readFileSync(p('play', 'playbook.yml'), 'utf8')).not.toMatch(/PRIVATE KEY/);
    expect(parseYaml(readFileSync(p('play', 'secrets.yml'), 'utf8'), { customTags: [{ tag: '!unsafe', resolve: (s: string) => s }] }).regcert_client_key).toMatch(/BEGIN PRIVATE KEY/);
    const play = ['-i', 'localhost,', '-c', 'local', p('play', 'playbook.yml'), '-e', `regcert_root=${p('node2')}`, '-e', 'regcert_become=false'];
    const env = { ANSIBLE_LOCAL_TEMP: p('ansible-tmp'), ANSIBLE_REMOTE_TEMP: p('ansible-tmp'), ANSIBLE_NOCOLOR: '1', ANSIBLE_HOME: p('ansible-home') };
    const once = await runOk(requireBinary('ansible-playbook'), play, { env, timeoutMs: 180_000 });
    expect(once.stdout).toMatch(/localhost\s+: ok=2\s+changed=2 .*failed=0/);
    const twice = await runOk(requireBinary('ansible-playbook'), play, { env, timeoutMs: 180_000 });
    expect(twice.stdout).toMatch(/localhost\s+: ok=2\s+changed=0 .*failed=0/);
    expect(twice.stdout + once.stdout).not.toMatch(/PRIVATE KEY/);

    await cliOk(['install-host', host, '--runtime', 'podman', '--certs-dir', p('ih-podman'), ...ident()]);
    expect(tree(p('node2', 'etc', 'containerd', 'certs.d'))).toEqual(tree(p('ih-ctrd')));
    expect(tree(p('node2', 'etc', 'containers', 'certs.d'))).toEqual(tree(p('ih-podman')));
    const sk = privateMounts(
      [{ target: '/var/lib', mkdir: ['/var/lib/containers'] }],
      `exec '${requireBinary('skopeo')}' copy --command-timeout 60s --src-cert-dir '${p('node2', 'etc', 'containers', 'certs.d', host)}' 'docker://${host}/test/hello:v1' 'oci:${p('pulled')}:v1'`,
    );
    const pulled = await run(sk.cmd, sk.args, { timeoutMs: 90_000 });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(readFileSync(p('pulled', 'index.json'), 'utf8')).toContain('"v1"');
  }, 400_000);
});

describe('export cloud-init', () => {
  it('cloud-init schema accepts the user data; its write_files, applied, give the same folders as install-host', async () => {
    await cliOk(['export', 'cloud-init', '--host', host, '--runtime', 'containerd', '--runtime', 'podman', ...ident(), '--out', p('ci')]);
    expect((statSync(p('ci', 'user-data')).mode & 0o777).toString(8)).toBe('600');
    const schema = await run(requireBinary('cloud-init'), ['schema', '--config-file', p('ci', 'user-data')]);
    expect(schema.code, schema.stdout + schema.stderr).toBe(0);
    // The schema check is real: a broken write_files is refused.
    writeFileSync(p('ci', 'broken'), '#cloud-config\nwrite_files:\n  - content: no path\n    permissions: 644\n');
    expect((await run(requireBinary('cloud-init'), ['schema', '--config-file', p('ci', 'broken')])).code).not.toBe(0);
    // A small write_files applier: path under a temp root, content, permissions.
    const ud = parseYaml(readFileSync(p('ci', 'user-data'), 'utf8')) as { write_files: Array<{ path: string; content: string; permissions: string; owner: string }> };
    for (const f of ud.write_files) {
      expect(f.owner).toBe('root:root');
      const to = path.join(p('node3'), f.path);
      mkdirSync(path.dirname(to), { recursive: true });
      writeFileSync(to, f.content, { mode: parseInt(f.permissions, 8) });
    }
    expect(tree(p('node3', 'etc', 'containerd', 'certs.d'))).toEqual(tree(p('ih-ctrd')));
    expect(tree(p('node3', 'etc', 'containers', 'certs.d'))).toEqual(tree(p('ih-podman')));
    expect((await ctrPull(p('node3', 'etc', 'containerd', 'certs.d'))).code).toBe(0);
  });
});

describe('export k3s / rke2', () => {
  it('prints the registries.yaml entry of the k3s runtime (no key, so --json may carry it); --out writes a node tree', async () => {
    const printed = await cliOk(['export', 'k3s', '--host', host, ...ident(), '--json']);
    const j = JSON.parse(printed.stdout) as { holdsKey: boolean; content: string };
    expect(j.holdsKey).toBe(false);
    expect(printed.stdout).not.toMatch(/PRIVATE KEY/);
    const reg = parseYaml(j.content) as { configs: Record<string, { tls: Record<string, string> }> };
    expect(reg.configs[host]!.tls).toEqual({ cert_file: `/etc/rancher/k3s/certs.d/${host}/client.cert`, key_file: `/etc/rancher/k3s/certs.d/${host}/client.key`, ca_file: `/etc/rancher/k3s/certs.d/${host}/ca.crt` });
    const ih = JSON.parse((await cliOk(['install-host', host, '--runtime', 'k3s', '--certs-dir', '/etc/rancher/k3s/certs.d', ...ident(), '--dry-run', '--json'])).stdout) as { configs: Array<{ snippet: string }> };
    expect(parseYaml(j.content)).toEqual(parseYaml(ih.configs[0]!.snippet));

    await cliOk(['export', 'rke2', '--host', host, ...ident(), '--out', p('rke2')]);
    const t = tree(p('rke2'));
    expect(Object.keys(t).sort()).toEqual([`etc/rancher/rke2/certs.d/${host}/ca.crt`, `etc/rancher/rke2/certs.d/${host}/client.cert`, `etc/rancher/rke2/certs.d/${host}/client.key`, 'etc/rancher/rke2/registries.yaml']);
    expect(t[`etc/rancher/rke2/certs.d/${host}/client.key`]!.mode).toBe('600');
  });

  it("registries.yaml in a node tree gets the mode install-host gives a new one (0600: it may hold registry passwords), from the runtime's entry", async () => {
    await cliOk(['export', 'k3s', '--host', host, ...ident(), '--out', p('k3s-mode')]);
    expect(statSync(p('k3s-mode', 'etc/rancher/k3s/registries.yaml')).mode & 0o777).toBe(0o600);
    const cfg = p('k3s-ih', 'registries.yaml');
    await cliOk(['install-host', host, '--runtime', 'k3s', '--certs-dir', p('k3s-ih', 'certs.d'), ...ident(), '--config', cfg]);
    expect(statSync(cfg).mode & 0o777).toBe(0o600);
  });

  it('takes the identity from the PKI directory (--client NAME --dir) or an MKE bundle folder (--bundle), giving the same node tree', async () => {
    await cliOk(['export', 'rke2', '--host', host, '--client', 'nodes', '--dir', p('inter'), '--ca', p('root', 'ca.crt'), '--out', p('rke2-pki')]);
    expect(tree(p('rke2-pki'))).toEqual(tree(p('rke2')));
    mkdirSync(p('bundle'), { recursive: true });
    writeFileSync(p('bundle', 'cert.pem'), readFileSync(p('inter', 'nodes.crt')));
    writeFileSync(p('bundle', 'key.pem'), readFileSync(p('inter', 'nodes.key')), { mode: 0o600 });
    writeFileSync(p('bundle', 'ca.pem'), readFileSync(p('root', 'ca.crt')));
    await cliOk(['export', 'rke2', '--host', host, '--bundle', p('bundle'), '--out', p('rke2-bundle')]);
    expect(tree(p('rke2-bundle'))).toEqual(tree(p('rke2')));
    const both = await runCli(['export', 'rke2', '--host', host, '--client', 'nodes', '--cert', p('inter', 'nodes.crt')]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--client cannot be combined/);
  });
});

describe('export refuses', () => {
  it.each<[string[], RegExp]>([
    [['kubernetes', '--runtime', 'k3s'], /--runtime k3s does not apply to "export kubernetes"/],
    [['kubernetes', '--namespace', 'Bad_NS'], /--namespace "Bad_NS" is not a valid Kubernetes name/],
    [['cloud-init', '--image', 'x'], /--image applies to the kubernetes and cert-manager targets only/],
    [['nodes', '--runtime', 'docker'], /unknown export target "nodes"/],
    [['ansible', '--certs-dir', '/srv/{{ lookup("pipe", "id") }}'], /--certs-dir ".*" is not a plain absolute path/],
    [['kubernetes', '--certs-dir', 'relative/certs.d'], /is not a plain absolute path/],
    [['cloud-init', '--certs-dir', '/etc/x\n#cloud-config'], /is not a plain absolute path/],
  ])('%j (exit 2, nothing written)', async (args, msg) => {
    const r = await runCli(['export', ...args.slice(0, 1), '--host', host, ...ident(), ...args.slice(1), '--out', p('refused')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).toMatch(/^hint: /m);
  });

  it('a host with a path separator, a server-only certificate, and --cert with cert-manager are refused', async () => {
    expect((await runCli(['export', 'ansible', '--host', '../etc', ...ident()])).code).toBe(2);
    const server = await runCli(['export', 'ansible', '--host', host, '--cert', p('root', 'registry.crt'), '--key', p('root', 'registry.key'), '--ca', p('root', 'ca.crt')]);
    expect(server.code).toBe(2);
    expect(server.stderr).toMatch(/lacks the clientAuth EKU/);
    const cm = await runCli(['export', 'cert-manager', '--host', host, '--ca-dir', p('inter'), '--cert', p('inter', 'nodes.crt')]);
    expect(cm.code).toBe(2);
    expect(readdirSync(dir)).not.toContain('refused');
  });
});
