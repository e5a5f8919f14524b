/** The pure builders behind `export kubernetes|cert-manager`: names, validation, the copy list and the script. */
import { describe, expect, it } from 'vitest';
import { commentText } from '../../src/core/template.js';
import { parseRegistryHost } from '../../src/core/registry-host.js';
import { baseName, kubeName, nodeCopies, parseDnsLabel, parseImage, parseLabelKey, renderInstallScript } from '../../src/fleet/kubernetes.js';
import { RUNTIMES } from '../../src/runtimes/index.js';

const env = { home: '/root', rootless: false, platform: 'linux' as const };
const material = { clientCert: 'C', clientKey: 'K', caPem: 'A' };

describe('names', () => {
  it.each([
    ['registry.example.com', 'regcert-registry-example-com'],
    ['10.0.0.5:5000', 'regcert-10-0-0-5-5000'],
    ['[fd00::5]:5000', 'regcert-fd00-5-5000'],
  ])('%s → %s', (host, name) => expect(baseName(parseRegistryHost(host))).toBe(name));

  it('a long name is cut to 63 characters with a hash that keeps two long names apart', () => {
    const a = kubeName('regcert', `${'a'.repeat(60)}.example.com`);
    const b = kubeName('regcert', `${'a'.repeat(60)}.example.org`);
    expect(a).toHaveLength(63);
    expect(a).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(a).not.toBe(b);
  });

  it.each([['Bad_NS'], ['-x'], ['x-'], ['a'.repeat(64)], ['']])('%j is not a Kubernetes name (exit 2)', (v) => {
    expect(() => parseDnsLabel(v, '--namespace')).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
  it.each([['cloud.google.com/gke-nodepool', true], ['eks.amazonaws.com/nodegroup', true], ['pool', true], ['a b', false], ['x/', false], ['/x', false]])('label key %j valid: %s', (k, ok) => {
    if (ok) expect(parseLabelKey(k, '--pool-label')).toBe(k);
    else expect(() => parseLabelKey(k, '--pool-label')).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
  it.each([['busybox:1.36', true], ['r.example/m/busybox@sha256:ab', true], ['busybox; rm -rf /', false], ['a\nb', false]])('image %j valid: %s', (v, ok) => {
    if (ok) expect(parseImage(v)).toBe(v);
    else expect(() => parseImage(v)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
  it('comment text cannot end a comment line', () => expect(commentText('CN=a\nkind: Secret')).toBe('CN=a\\x0akind: Secret'));
});

describe('the copy list comes from the runtime plans', () => {
  it('containerd: the three files from the Secret, hosts.toml from the ConfigMap, each with the plan\'s path and mode', async () => {
    const host = parseRegistryHost('r.example:5000');
    const plan = await RUNTIMES.containerd.plan(host, material, { env });
    const { copies, configData } = nodeCopies([plan]);
    expect(copies).toEqual(plan.files.map((f) => expect.objectContaining({ path: f.path, mode: f.mode })));
    expect(copies.map((c) => `${c.from}:${c.key}`)).toEqual(['secret:tls.crt', 'secret:tls.key', 'secret:ca.crt', 'config:containerd-hosts.toml']);
    expect(configData['containerd-hosts.toml']).toBe(plan.files.find((f) => f.path.endsWith('hosts.toml'))!.data);
  });

  it('paths with shell metacharacters are quoted as single words in the script', async () => {
    const host = parseRegistryHost('r.example');
    const plan = await RUNTIMES.docker.plan(host, material, { env, root: "/srv/it's $(here)" });
    const script = renderInstallScript('{{host}} {{secret}} {{interval}}\n{{files}}\n{{configInputs}}', { host: host.name, secretName: 's', copies: nodeCopies([plan]).copies, interval: 30 });
    expect(script).toContain(`'/srv/it'\\''s $(here)/r.example/client.key' 0600`);
  });
});
