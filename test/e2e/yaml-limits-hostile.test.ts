/**
 * Regressions, issue 18 items 5, 6 and 7, through the built CLI:
 *
 * 5. "YAML that other readers read differently": `export kubernetes
 *    --namespace on --name yes` and `export cert-manager --pool y --cn no`
 *    emitted on, yes, y, no unquoted; YAML 1.1 readers take them as booleans.
 *    Read back here by kubectl (go-yaml through sigs.k8s.io/yaml, client-side
 *    decode only: --dry-run=client --validate=false, no cluster) and PyYAML.
 * 6. `doctor --crl` with a CRL whose thisUpdate is in the future said
 *    nothing; openssl says "CRL is not yet valid" and nginx refuses everyone.
 * 7. A registries.yaml alias bomb made `install-host --runtime k3s --config`
 *    print "internal error: Excessive alias count": it is bad input, exit 2
 *    naming the limit; so are YAML and TOML nested past regcert's limits.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCrl, crlToPem } from '../../src/core/crl.js';
import { parseCertificates } from '../../src/core/certificates.js';
import { parsePrivateKey } from '../../src/core/keys.js';
import { cliOk, run, runCli, runOk } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

const OPENSSL = requireBinary('openssl');
const KUBECTL = requireBinary('kubectl');
const PYTHON = requireBinary('python3');
const cwd = tmpDir('regcert-yaml-');
const pki = path.join(cwd, 'pki');

beforeAll(async () => {
  await cliOk(['init-ca', '--dir', 'pki'], { cwd });
  await cliOk(['issue', 'bob', '--client', '--dir', 'pki'], { cwd });
}, 60_000);

/** Every document of a YAML file as PyYAML (YAML 1.1, what Ansible uses) reads it, as JSON. */
async function pyyaml(file: string): Promise<unknown[]> {
  const r = await runOk(PYTHON, ['-c', 'import json,sys,yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1]))), default=str))', file]);
  return JSON.parse(r.stdout) as unknown[];
}

/** kubectl's client-side decode (go-yaml): "unable to decode … cannot unmarshal bool" when a string came out as a boolean. */
async function kubectlDecode(file: string): Promise<string> {
  const kubeconfig = path.join(cwd, 'kubeconfig');
  writeFileSync(kubeconfig, '');
  const r = await run(KUBECTL, ['create', '--dry-run=client', '--validate=false', '-o', 'name', '-f', file], { env: { KUBECONFIG: kubeconfig }, timeoutMs: 60_000 });
  return `${r.stdout}${r.stderr}`;
}

describe('YAML every reader reads the same (issue 18 item 5)', () => {
  it('export kubernetes --namespace on --name yes: kubectl decodes every object; PyYAML reads the strings', async () => {
    await cliOk(['export', 'kubernetes', '--client', 'bob', '--dir', 'pki', '--host', 'registry.test', '--namespace', 'on', '--name', 'yes', '--out', 'k8s'], { cwd });
    const file = path.join(cwd, 'k8s', 'install.yaml');
    const decoded = await kubectlDecode(file);
    expect(decoded).not.toMatch(/unable to decode|cannot unmarshal/);
    const docs = (await pyyaml(file)) as Array<{ kind: string; metadata: { name: unknown; namespace?: unknown } }>;
    expect(docs.find((d) => d.kind === 'Namespace')!.metadata.name).toBe('on');
    for (const d of docs.filter((x) => x.kind !== 'Namespace')) {
      expect(d.metadata.namespace).toBe('on');
      if (d.kind === 'DaemonSet' || d.kind === 'Secret') expect(d.metadata.name).toBe('yes');
    }
  });

  it('export cert-manager --pool y --cn no: PyYAML and kubectl read "y" and "no" as strings', async () => {
    const r = await runCli(['export', 'cert-manager', '--ca-dir', 'pki', '--host', 'registry.test', '--pool', 'y', '--cn', 'no', '--out', 'cm'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const file = path.join(cwd, 'cm', 'install.yaml');
    expect(await kubectlDecode(file)).not.toMatch(/unable to decode|cannot unmarshal/);
    const docs = (await pyyaml(file)) as Array<{ kind: string; spec?: { commonName?: unknown } }>;
    const certs = docs.filter((d) => d.kind === 'Certificate');
    expect(certs.length).toBeGreaterThan(0);
    for (const c of certs) expect(c.spec?.commonName).toBe('no');
    // The pool name "y" reaches every place it is used as the string "y" (go-yaml v2 would read a bare y as true).
    expect(readFileSync(file, 'utf8')).not.toMatch(/:\s+(y|no)\s*$/m);
  });
});

describe('doctor --crl: a CRL not yet valid is a problem (issue 18 item 6)', () => {
  it('thisUpdate an hour ahead: openssl says "not yet valid", doctor exits 1 naming it', async () => {
    const cert = parseCertificates(readFileSync(path.join(pki, 'ca.crt')), 'ca.crt')[0]!;
    const { key } = await parsePrivateKey(readFileSync(path.join(pki, 'ca.key')), { source: 'ca.key' });
    const future = new Date(Date.now() + 3_600_000);
    const file = path.join(cwd, 'future-crl.pem');
    writeFileSync(file, crlToPem(buildCrl({ issuer: { cert, key }, revoked: [], number: 1n, thisUpdate: future, days: 7 })));
    const o = await run(OPENSSL, ['verify', '-crl_check', '-CAfile', path.join(pki, 'ca.crt'), '-CRLfile', file, path.join(pki, 'bob.crt')]);
    expect(`${o.stdout}${o.stderr}`).toMatch(/CRL is not yet valid/);
    const r = await runCli(['doctor', '--crl', file, '--certs-dir', `docker=${path.join(cwd, 'empty')}`, '--json'], { cwd });
    expect(r.code, r.stdout).toBe(1);
    const problems = (JSON.parse(r.stdout) as { problems: Array<{ code: string; message: string }> }).problems;
    expect(problems.find((p) => p.code === 'crl-not-yet-valid')?.message).toMatch(/is not yet valid: its thisUpdate .* is in the future/);
  });
});

describe('YAML and TOML parse limits are exit 2 naming the limit (issue 18 item 7)', () => {
  const install = (config: string, runtime: string) => ['install-host', 'registry.test', '--cert', 'pki/bob.crt', '--key', 'pki/bob.key', '--ca', 'pki/ca.crt', '--runtime', runtime, '--config', config, '--certs-dir', 'root'];

  it('a billion-laughs registries.yaml: exit 2, maxAliasCount named, the file unchanged', async () => {
    const bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...['b', 'c', 'd', 'e', 'f'].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcde'[i]}`).join(',')}]`)].join('\n');
    writeFileSync(path.join(cwd, 'bomb.yaml'), `${bomb}\n`);
    const r = await runCli(install('bomb.yaml', 'k3s'), { cwd });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/bomb\.yaml: its aliases expand more than 100 times \(maxAliasCount/);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(readFileSync(path.join(cwd, 'bomb.yaml'), 'utf8')).toBe(`${bomb}\n`);
  });

  it('registries.yaml nested 10,000 levels deep (the parser would exhaust memory): exit 2 naming the depth limit', async () => {
    writeFileSync(path.join(cwd, 'deep.yaml'), `configs: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`);
    const r = await runCli(install('deep.yaml', 'k3s'), { cwd });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/deep\.yaml: nested deeper than 64 levels of \[ \] \/ \{ \} \(regcert's YAML limit\)/);
  });

  it('a containerd config.toml nested past the TOML limit: exit 2 naming it', async () => {
    writeFileSync(path.join(cwd, 'deep.toml'), `version = 2\nx = ${'['.repeat(200)}${']'.repeat(200)}\n`);
    const r = await runCli(install('deep.toml', 'containerd'), { cwd });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/deep\.toml: nested deeper than 64 levels \(regcert's TOML limit\)/);
  });
});
