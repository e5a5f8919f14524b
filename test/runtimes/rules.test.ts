/** Table tests for the pure runtime rules in src/runtimes (no files, no network). */
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { HostDirSnapshot } from '../../src/runtimes/types.js';
import { parseRegistryHost } from '../../src/core/registry-host.js';
import { buildkitSnippet } from '../../src/runtimes/buildkit.js';
import { hostFolderName } from '../../src/runtimes/certs-d.js';
import { checkConfigPath, mergeConfigPath } from '../../src/runtimes/containerd.js';
import { dockerSkipsClientCert, insecureRegistryProblem } from '../../src/runtimes/docker.js';
import { RUNTIMES, RUNTIME_NAMES, type RuntimeEnv } from '../../src/runtimes/index.js';
import { mergeRegistriesYaml } from '../../src/runtimes/k3s.js';
import { findShadowing, podmanLookup } from '../../src/runtimes/podman.js';
import { parseVersion } from '../../src/runtimes/versions.js';
import { replaceTomlTables } from '../../src/runtimes/toml-merge.js';

const h = parseRegistryHost;

describe('insecureRegistryProblem: the classic image store only', () => {
  it.each([
    [undefined, true],
    [false, true],
    // moby daemon/hosts.go: the containerd image store reads certs.d for insecure registries too (seen with dockerd 28.5.2 on ::1).
    [true, false],
  ] as const)('containerd-snapshotter %s → problem %s', (store, problem) => {
    const facts = { insecureRegistries: { file: 'daemon.json', entries: [], containerdStore: store }, addresses: new Map<string, string[]>(), versions: { docker: parseVersion('28.5.2')! } };
    expect(insecureRegistryProblem(h('[::1]:5000'), '/etc/docker/certs.d/[::1]:5000', facts) !== undefined).toBe(problem);
  });
});

describe('dockerSkipsClientCert (moby isSecureIndex)', () => {
  it.each([
    // [registry, insecure-registries, resolved addresses, skipped?]
    ['127.0.0.1:5000', [], [], true],
    ['127.8.9.10', [], [], true],
    ['localhost:5000', [], ['127.0.0.1'], true],
    // An unknown Docker release is judged as today's: ::1 is built-in insecure (28+).
    ['registry.test:5000', [], ['::1'], true],
    ['registry.test:5000', [], ['192.0.2.10'], false],
    ['10.0.0.5:5000', ['10.0.0.0/8'], [], true],
    ['10.0.0.5:5000', ['10.1.0.0/16'], [], false],
    ['reg.example.com:5000', ['10.0.0.0/8'], ['10.2.3.4'], true],
    ['reg.example.com:5000', ['10.0.0.0/8'], [], false],
    ['reg.example.com:5000', ['reg.example.com:5000'], [], true],
    ['reg.example.com:5000', ['http://reg.example.com:5000'], [], true],
    // moby matches a name entry against HOST[:PORT] exactly: "host" does not cover "host:5000".
    ['reg.example.com:5000', ['reg.example.com'], [], false],
    ['[fd00::5]:5000', ['fd00::/8'], [], true],
  ] as const)('%s with %j resolving to %j → %s', (name, list, addrs, skipped) => {
    expect(dockerSkipsClientCert(h(name), list, addrs) !== undefined).toBe(skipped);
  });

  // moby v28.0.0 (commit 6a1d8a98) appends ::1/128 to the built-in insecure registries; 27 and earlier only 127.0.0.0/8.
  it.each([
    ['[::1]:5000', [], '20.10.24', false],
    ['[::1]:5000', [], '27.5.1', false],
    ['[::1]:5000', [], '28.0.0', true],
    ['[::1]:5000', [], '28.5.2', true],
    ['[::1]:5000', [], undefined, true],
    ['registry.test:5000', ['::1'], '28.5.2', true],
    ['registry.test:5000', ['::1'], '20.10.24', false],
    ['registry.test:5000', ['192.0.2.10'], '28.5.2', false],
    ['127.0.0.1:5000', [], '20.10.24', true],
  ] as const)('%s resolving to %j with Docker %s → %s', (name, addrs, version, skipped) => {
    const why = dockerSkipsClientCert(h(name), [], addrs, version === undefined ? undefined : parseVersion(version));
    expect(why !== undefined).toBe(skipped);
    if (why && name.startsWith('[')) expect(why).toMatch(/::1\/128, which Docker \(?28/);
  });
});

const linux: RuntimeEnv = { home: '/home/u', rootless: false, platform: 'linux' };

describe('where each runtime reads', () => {
  const material = { clientCert: 'C', clientKey: 'K', caPem: 'A' };
  it.each([
    ['docker', linux, '/etc/docker/certs.d/reg.example.com:5000'],
    ['docker', { ...linux, rootless: true }, '/home/u/.config/docker/certs.d/reg.example.com:5000'],
    ['docker', { ...linux, rootless: true, xdgConfigHome: '/x' }, '/x/docker/certs.d/reg.example.com:5000'],
    ['docker-desktop', { ...linux, platform: 'darwin' }, '/home/u/.docker/certs.d/reg.example.com:5000'],
    ['docker-desktop', { ...linux, platform: 'win32' }, '/home/u/.docker/certs.d/reg.example.com5000'],
    ['podman', linux, '/etc/containers/certs.d/reg.example.com:5000'],
    // containers/image uses $HOME, never $XDG_CONFIG_HOME.
    ['podman', { ...linux, rootless: true, xdgConfigHome: '/x' }, '/home/u/.config/containers/certs.d/reg.example.com:5000'],
    ['containerd', linux, '/etc/containerd/certs.d/reg.example.com:5000'],
    ['buildkit', linux, '/etc/buildkit/certs.d/reg.example.com:5000'],
    ['k3s', linux, '/etc/rancher/k3s/certs.d/reg.example.com:5000'],
    ['rke2', linux, '/etc/rancher/rke2/certs.d/reg.example.com:5000'],
    ['content-trust', linux, '/home/u/.docker/tls/reg.example.com:5000'],
  ] as const)('%s %j → %s', async (rt, env, dir) => {
    const plan = await RUNTIMES[rt].plan(h('reg.example.com:5000'), material, { env });
    expect(plan.dir).toBe(dir);
    expect(plan.files.map((f) => f.path.slice(dir.length + 1))).toEqual(expect.arrayContaining(['client.cert', 'client.key', 'ca.crt']));
    expect(plan.files.find((f) => f.path.endsWith('client.key'))!.mode).toBe(0o600);
  });

  it('every runtime exports the same interface', () => {
    for (const n of RUNTIME_NAMES) {
      const r = RUNTIMES[n];
      expect(r.name).toBe(n);
      expect(typeof r.plan).toBe('function');
      expect(typeof r.check).toBe('function');
      expect(r.roots(linux).length).toBeGreaterThan(0);
    }
    expect(RUNTIMES.podman.roots(linux)).toEqual(['/home/u/.config/containers/certs.d', '/etc/containers/certs.d', '/etc/docker/certs.d']);
  });

  it('hostFolderName: host and host:443 differ; Windows drops the colon', () => {
    expect(hostFolderName(h('r.example.com'), 'linux')).toBe('r.example.com');
    expect(hostFolderName(h('r.example.com:443'), 'linux')).toBe('r.example.com:443');
    expect(hostFolderName(h('r.example.com:443'), 'win32')).toBe('r.example.com443');
  });
});

describe('containerd config_path', () => {
  const root = '/etc/containerd/certs.d';
  it.each([
    ['version 2, right section', 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n', []],
    ['version 3, right section', 'version = 3\n[plugins."io.containerd.cri.v1.images".registry]\n  config_path = "/etc/containerd/certs.d"\n', []],
    ['version 2, missing', 'version = 2\n[plugins."io.containerd.grpc.v1.cri".cni]\n  bin_dir = "/usr/lib/cni"\n', ['sets no registry config_path']],
    ['version 3, 1.x section (misplaced)', 'version = 3\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n', ['which this version does not read']],
    ['version 2, 2.x section (misplaced)', 'version = 2\n[plugins."io.containerd.cri.v1.images".registry]\n  config_path = "/etc/containerd/certs.d"\n', ['which this version does not read']],
    ['elsewhere', 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/opt/certs.d"\n', ['does not read /etc/containerd/certs.d']],
    ['several paths', 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/opt/certs.d:/etc/containerd/certs.d"\n', []],
    ['with mirrors', 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\n  endpoint = ["https://m"]\n', ['refuses `mirrors` beside config_path']],
    ['version 3 with mirrors', 'version = 3\n[plugins."io.containerd.cri.v1.images".registry]\n  config_path = "/etc/containerd/certs.d"\n[plugins."io.containerd.cri.v1.images".registry.mirrors."docker.io"]\n  endpoint = ["https://m"]\n', ['refuses `mirrors` beside config_path']],
    // configs.auth is accepted by 1.6 and 2.1 (2.1 falls back to its local pull mode); configs.tls only by 2.x (ignored there).
    ['with configs.auth', 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n[plugins."io.containerd.grpc.v1.cri".registry.configs."r".auth]\n  username = "u"\n', []],
    ['with configs.tls, unknown release (2.x)', 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n[plugins."io.containerd.grpc.v1.cri".registry.configs."r".tls]\n  ca_file = "/x"\n', []],
    ['not TOML', 'version = = 2', ['not valid TOML']],
  ] as const)('%s', (_name, text, want) => {
    const problems = checkConfigPath(text, 'config.toml', root);
    expect(problems.map((p) => p.message)).toEqual(want.map((w) => expect.stringContaining(w)));
    for (const p of problems.filter((p) => p.code === 'containerd-config-path' && p.message.includes('config_path under'))) expect(p.fix).toContain('config_path = "/etc/containerd/certs.d"');
  });

  const debian = 'version = 2\n\n[plugins]\n  [plugins."io.containerd.grpc.v1.cri"]\n    [plugins."io.containerd.grpc.v1.cri".cni]\n      bin_dir = "/usr/lib/cni"\n      conf_dir = "/etc/cni/net.d"\n  [plugins."io.containerd.internal.v1.opt"]\n    path = "/var/lib/containerd/opt"\n';
  it.each([
    ['no file', undefined, ['plugins', 'io.containerd.grpc.v1.cri', 'registry']],
    ["Debian's config.toml", debian, ['plugins', 'io.containerd.grpc.v1.cri', 'registry']],
    ['version 3', 'version = 3\n# keep me\n[grpc]\n  address = "/run/c.sock"\n', ['plugins', 'io.containerd.cri.v1.images', 'registry']],
    ['empty config_path from "config default"', 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = ""\n', ['plugins', 'io.containerd.grpc.v1.cri', 'registry']],
  ] as const)('merge: %s', (_n, existing, keys) => {
    const out = mergeConfigPath(existing, root, 'config.toml').text;
    let v: unknown = parseToml(out);
    for (const k of keys) v = (v as Record<string, unknown>)[k];
    expect((v as { config_path: string }).config_path).toBe(root);
    if (existing) for (const line of existing.split('\n').filter((l) => !l.includes('config_path'))) expect(out).toContain(line);
    expect(checkConfigPath(out, 'config.toml', root)).toEqual([]);
    expect(mergeConfigPath(out, root, 'config.toml')).toEqual({ text: out, moved: [] }); // idempotent
  });

  it('check: a missing config.toml is named, with the file to create', () => {
    const facts = { env: linux, hosts: [], dirs: [], addresses: new Map<string, string[]>(), config: { file: '/etc/containerd/config.toml', text: '', missing: true } };
    const [problem, ...rest] = RUNTIMES.containerd.check(facts);
    expect(rest).toEqual([]);
    expect(problem!.message).toMatch(/config\.toml does not exist: containerd's defaults set no registry config_path/);
    expect(problem!.fix).toContain('version = 2\n\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"');
    expect(RUNTIMES.containerd.check({ ...facts, config: undefined })).toEqual([]);
  });

  const tls = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n[plugins."io.containerd.grpc.v1.cri".registry.configs."r".tls]\n  ca_file = "/x"\n';
  it.each([
    ['1.6.20', ['refuses `configs.tls` beside config_path']],
    ['1.7.27', ['refuses `configs.tls` beside config_path']],
    ['2.1.9', []],
  ] as const)('configs.tls with containerd %s', (version, want) => {
    expect(checkConfigPath(tls, 'config.toml', root, parseVersion(version)).map((p) => p.message)).toEqual(want.map((w) => expect.stringContaining(w)));
  });

  const withMirrors = '# node config\nversion = 2\n\n[plugins."io.containerd.grpc.v1.cri".registry]\n  [plugins."io.containerd.grpc.v1.cri".registry.mirrors]\n    [plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\n      endpoint = ["https://mirror.example.com", "https://registry-1.docker.io"]\n    [plugins."io.containerd.grpc.v1.cri".registry.mirrors."*"]\n      endpoint = ["https://all.example.com"]\n  [plugins."io.containerd.grpc.v1.cri".registry.configs."r".auth]\n    username = "u"\n\n[grpc]\n  address = "/run/c.sock"\n';
  it('merge refuses mirrors (never a config the CRI refuses), or migrates them with consent', () => {
    expect(() => mergeConfigPath(withMirrors, root, 'config.toml')).toThrow(/mirrors."docker.io".*refuses `mirrors` beside config_path/);
    const { text: out, moved: files = [] } = mergeConfigPath(withMirrors, root, 'config.toml', { migrateMirrors: true });
    expect(checkConfigPath(out, 'config.toml', root, parseVersion('2.1.9'))).toEqual([]);
    expect(out).toContain('username = "u"');
    expect(out).toContain('address = "/run/c.sock"');
    expect(out).not.toContain('mirror.example.com');
    expect(files.map((f) => f.path)).toEqual(['/etc/containerd/certs.d/docker.io/hosts.toml', '/etc/containerd/certs.d/_default/hosts.toml']);
    const dockerIo = parseToml(String(files[0]!.data)) as { server: string; host: Record<string, unknown> };
    expect(dockerIo.server).toBe('https://registry-1.docker.io');
    expect(Object.keys(dockerIo.host)).toEqual(['https://mirror.example.com']);
    const all = parseToml(String(files[1]!.data)) as { server?: string; host: Record<string, unknown> };
    expect(all.server).toBeUndefined();
    expect(Object.keys(all.host)).toEqual(['https://all.example.com']);
    // Merged again: nothing left to move, the file unchanged.
    expect(mergeConfigPath(out, root, 'config.toml', { migrateMirrors: true })).toEqual({ text: out, moved: [] });
  });

  it('merge refuses configs.tls for containerd 1.x only', () => {
    const t = tls.replace('  config_path = "/etc/containerd/certs.d"\n', '');
    expect(() => mergeConfigPath(t, root, 'config.toml', { versions: { containerd: parseVersion('1.6.20')! } })).toThrow(/configs."r".tls/);
    expect(mergeConfigPath(t, root, 'config.toml', { versions: { containerd: parseVersion('2.1.9')! } }).text).toContain('config_path = "/etc/containerd/certs.d"');
  });

  it('--migrate-mirrors never lets a 1.x configs.tls through, whatever the registry is called (a.mirrors.example.com)', () => {
    const t = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry.configs."a.mirrors.example.com".tls]\n  ca_file = "/x.crt"\n';
    expect(() => mergeConfigPath(t, root, 'config.toml', { migrateMirrors: true, versions: { containerd: parseVersion('1.7.0')! } })).toThrow(/configs."a.mirrors.example.com".tls.*refuses `configs.tls`/);
  });

  it('merge refuses to replace another config_path', () => {
    expect(() => mergeConfigPath('version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/opt/x"\n', root, 'config.toml')).toThrow(/already sets config_path/);
  });
});

describe('buildkitd.toml merge', () => {
  const other = '# my buildkitd\ndebug = true\n\n# mirror\n[registry."docker.io"]\n  mirrors = ["m.example.com"]\n\n[worker.oci]\n  gc = true\n';
  const snippet = buildkitSnippet('reg.example.com:5000', '/etc/buildkit/certs.d/reg.example.com:5000');
  const check = () => true;
  it('appends, keeps the rest byte for byte, replaces its own entry, and is idempotent', () => {
    const once = replaceTomlTables(other, ['registry', 'reg.example.com:5000'], snippet, 'b.toml', check);
    expect(once.startsWith(other)).toBe(true);
    const doc = parseToml(once) as { registry: Record<string, { ca?: string[]; keypair?: Array<{ cert: string }>; mirrors?: string[] }> };
    expect(doc.registry['docker.io']!.mirrors).toEqual(['m.example.com']);
    expect(doc.registry['reg.example.com:5000']!.keypair![0]!.cert).toBe('/etc/buildkit/certs.d/reg.example.com:5000/client.cert');
    expect(replaceTomlTables(once, ['registry', 'reg.example.com:5000'], snippet, 'b.toml', check)).toBe(once);
  });
  it('refuses an entry written as an inline table', () => {
    expect(() => replaceTomlTables('registry."reg.example.com:5000" = { ca = ["x"] }\n', ['registry', 'reg.example.com:5000'], snippet, 'b.toml', check)).toThrow(/does not rewrite/);
  });
});

describe('registries.yaml merge (k3s, RKE2)', () => {
  const other = '# site registries\nmirrors:\n  docker.io:\n    endpoint:\n      - "https://mirror.example.com"\nconfigs:\n  # the old one\n  "old.example.com":\n    auth:\n      username: bob # keep\n      password: pw\n';
  it('adds configs."HOST".tls, keeps other entries and comments, and is idempotent', () => {
    const once = mergeRegistriesYaml(other, 'reg.example.com:5000', '/etc/rancher/k3s/certs.d/reg.example.com:5000', 'r.yaml');
    expect(once.startsWith(other)).toBe(true);
    const doc = parseYaml(once) as { configs: Record<string, { tls?: Record<string, string>; auth?: unknown }>; mirrors: unknown };
    expect(doc.configs['reg.example.com:5000']!.tls).toEqual({
      cert_file: '/etc/rancher/k3s/certs.d/reg.example.com:5000/client.cert',
      key_file: '/etc/rancher/k3s/certs.d/reg.example.com:5000/client.key',
      ca_file: '/etc/rancher/k3s/certs.d/reg.example.com:5000/ca.crt',
    });
    expect(doc.configs['old.example.com']!.auth).toEqual({ username: 'bob', password: 'pw' });
    expect(mergeRegistriesYaml(once, 'reg.example.com:5000', '/etc/rancher/k3s/certs.d/reg.example.com:5000', 'r.yaml')).toBe(once);
  });
  it('refuses YAML that is not a mapping', () => {
    expect(() => mergeRegistriesYaml('- a\n- b\n', 'r', '/d', 'r.yaml')).toThrow(/not a YAML mapping/);
  });
});

describe('findShadowing (containers/image: first existing folder wins)', () => {
  const enc = new TextEncoder();
  const d = (kind: HostDirSnapshot['kind'], files: Record<string, string>): HostDirSnapshot => ({
    root: `/${kind}`,
    kind,
    name: 'r:5000',
    path: `/${kind}/r:5000`,
    existing: [],
    files: Object.entries(files).map(([name, t]) => ({ name, mode: 0o644, data: enc.encode(t) })),
  });
  const full = { 'ca.crt': 'A', 'client.cert': 'C', 'client.key': 'K' };
  it.each([
    ['user folder hides a different /etc one', [d('podman-user', { 'ca.crt': 'A' }), d('podman', full)], ['/podman-user/r:5000']],
    ['identical copies are harmless', [d('podman-user', full), d('podman', full), d('docker', full)], []],
    ['/etc/containers hides /etc/docker', [d('podman', { 'ca.crt': 'B' }), d('docker', full)], ['/podman/r:5000']],
    ['docker alone', [d('docker', full)], []],
  ] as const)('%s', (_n, dirs, paths) => {
    expect(findShadowing([...dirs], podmanLookup(linux)).map((p) => p.path)).toEqual(paths);
  });
});

describe('podmanLookup: which folder containers/image reads first, per release and user', () => {
  const v = (s: string) => parseVersion(s)!;
  const root: RuntimeEnv = { home: '/root', rootless: false, platform: 'linux', uid: 0 };
  const user: RuntimeEnv = { home: '/home/u', rootless: true, platform: 'linux', uid: 1000, xdgConfigHome: '/x' };
  it.each([
    // Podman 5 (docker_client.go dockerCertDir): $HOME, never $XDG_CONFIG_HOME; the same three for root and users.
    ['5.8.6 root', root, '5.8.6', ['/root/.config/containers/certs.d', '/etc/containers/certs.d', '/etc/docker/certs.d']],
    ['5.8.6 user', user, '5.8.6', ['/home/u/.config/containers/certs.d', '/etc/containers/certs.d', '/etc/docker/certs.d']],
    ['unknown release: 5', root, undefined, ['/root/.config/containers/certs.d', '/etc/containers/certs.d', '/etc/docker/certs.d']],
    // Podman 6 (container-libs PR 746): XDG first, rootful/rootless drop-ins, /usr/share, Docker's last.
    [
      '6.0 root',
      root,
      '6.0.0',
      [
        '/root/.config/containers/certs.d',
        '/etc/containers/certs.rootful.d',
        '/etc/containers/certs.d',
        '/usr/share/containers/certs.rootful.d',
        '/usr/share/containers/certs.d',
        '/etc/docker/certs.d',
      ],
    ],
    [
      '6.0 user 1000 with XDG_CONFIG_HOME',
      user,
      '6.0.0',
      [
        '/x/containers/certs.d',
        '/etc/containers/certs.rootless.d/1000',
        '/etc/containers/certs.rootless.d',
        '/etc/containers/certs.d',
        '/usr/share/containers/certs.rootless.d/1000',
        '/usr/share/containers/certs.rootless.d',
        '/usr/share/containers/certs.d',
        '/etc/docker/certs.d',
      ],
    ],
  ] as const)('%s', (_n, env, version, want) => {
    expect(podmanLookup(env, version === undefined ? undefined : v(version)).map((r) => r.path)).toEqual(want);
  });

  it('Podman 6: a rootful drop-in hides /etc/containers/certs.d for root only', () => {
    const enc = new TextEncoder();
    const snap = (root: string, kind: HostDirSnapshot['kind'], ca: string): HostDirSnapshot => ({
      root,
      kind,
      name: 'r:5000',
      path: `${root}/r:5000`,
      existing: [],
      files: [{ name: 'ca.crt', mode: 0o644, data: enc.encode(ca) }],
    });
    const dirs = [snap('/etc/containers/certs.rootful.d', 'podman-system', 'A'), snap('/etc/containers/certs.d', 'podman', 'B')];
    expect(findShadowing(dirs, podmanLookup(root, v('6.0.0'))).map((p) => p.path)).toEqual(['/etc/containers/certs.rootful.d/r:5000']);
    // Podman 5 never reads certs.rootful.d: nothing hides /etc/containers/certs.d.
    expect(findShadowing(dirs, podmanLookup(root, v('5.8.6')))).toEqual([]);
    // A user's Podman 6 never reads certs.rootful.d either.
    expect(findShadowing(dirs, podmanLookup(user, v('6.0.0')))).toEqual([]);
  });
});
