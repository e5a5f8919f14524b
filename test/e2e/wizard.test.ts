/** Issue 5: the wizard, driven through a real pseudo-terminal (tmux). */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildWizardArgv, shellQuote } from '../../src/cli/wizard.js';
import { BIN, runCli } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';
import { Tty } from '../helpers/tty.js';

requireBinary('tmux');

describe('buildWizardArgv', () => {
  it.each<[Parameters<typeof buildWizardArgv>[0], Parameters<typeof buildWizardArgv>[1], string]>([
    ['init-ca', { dir: 'pki', cn: 'My CA', keyType: 'rsa-2048' }, "init-ca --dir pki --cn 'My CA' --key-type rsa-2048"],
    ['issue', { dir: 'pki', name: 'alice', kind: 'client', sans: 'alice@example.com, 10.0.0.1' }, 'issue alice --dir pki --client --san alice@example.com --san 10.0.0.1'],
    ['issue', { dir: 'pki', name: 'reg', kind: 'both', sans: '' }, 'issue reg --dir pki --server --client'],
    ['install-host', { host: 'reg:5000', cert: 'a.crt', key: 'a.key', ca: 'ca.crt', runtime: 'podman' }, 'install-host reg:5000 --cert a.crt --key a.key --ca ca.crt --runtime podman'],
    ['to-p12', { cert: 'a.crt', key: 'a.key', importer: 'macos' }, 'to-p12 --cert a.crt --key a.key --for macos'],
    ['verify', { url: 'https://reg', cert: 'a.crt', key: 'a.key', ca: '' }, 'verify https://reg --cert a.crt --key a.key'],
    ['list', { dir: 'pki', expiring: '30d' }, 'list --dir pki --expiring 30d'],
    ['list', { dir: 'pki', expiring: '' }, 'list --dir pki'],
    ['renew', { dir: 'pki', name: 'alice' }, 'renew alice --dir pki'],
    ['revoke', { dir: 'pki', name: 'alice', reason: 'keyCompromise' }, 'revoke alice --dir pki --reason keyCompromise'],
    ['doctor', { host: '', runtime: undefined }, 'doctor'],
    ['doctor', { host: 'reg:5000', runtime: 'podman' }, 'doctor reg:5000 --runtime podman'],
    ['export', { target: 'kubernetes', host: 'reg', cert: 'n.crt', key: 'n.key', ca: 'ca.crt', out: 'k8s' }, 'export kubernetes --host reg --cert n.crt --key n.key --ca ca.crt --out k8s'],
  ])('%s %j', (task, answers, expected) => {
    expect(shellQuote(buildWizardArgv(task, answers))).toBe(expected);
  });
});

describe('wizard in a terminal', () => {
  const cwd = tmpDir();
  let tty: Tty | undefined;
  afterEach(() => tty?.kill());
  const start = () =>
    new Tty(`env -u CI NO_COLOR=1 USER=alice ${process.execPath} ${BIN}; echo "EXIT=$?"; sleep 60`, { cwd });

  it('creates a CA from answers and prints the equivalent command line', async () => {
    tty = start();
    await tty.waitFor(/What do you want to do\?/);
    expect(tty.screen()).not.toMatch(/existing CA/);
    tty.send('Enter'); // Create a certificate authority
    await tty.waitFor(/Directory for the CA/);
    tty.send('Enter'); // default: pki
    await tty.waitFor(/CA name \(CN\)/);
    tty.send('C-u');
    tty.type('Wizard Test CA');
    tty.send('Enter');
    await tty.waitFor(/Key type/);
    tty.send('Down', 'Enter'); // ecdsa-p384
    const screen = await tty.waitFor(/EXIT=\d+/, 30_000);
    expect(screen).toMatch(/EXIT=0/);
    expect(screen).toContain("regcert init-ca --dir pki --cn 'Wizard Test CA' --key-type ecdsa-p384");
    expect((statSync(path.join(cwd, 'pki/ca.key')).mode & 0o777).toString(8)).toBe('600');
    expect(readFileSync(path.join(cwd, 'pki/ca.crt'), 'utf8')).toMatch(/BEGIN CERTIFICATE/);
  });

  it('a second run offers issuing from the existing CA first, once, and issues a client certificate from it', async () => {
    tty = start();
    const first = await tty.waitFor(/What do you want to do\?/);
    expect(first).toMatch(/Found an existing CA in \.\/pki/);
    expect(first).toMatch(/Issue a server or client certificate \(from the CA in \.\/pki\)/);
    expect(first.match(/Issue a/g)).toHaveLength(1); // each task once
    tty.send('Enter'); // issuing from the existing CA is the default
    await tty.waitFor(/CA directory/);
    tty.send('Enter');
    await tty.waitFor(/Certificate for/);
    tty.send('Enter'); // client
    await tty.waitFor(/Name \(file name and CN\)/);
    tty.send('Enter'); // default: $USER = alice
    await tty.waitFor(/Extra SANs/);
    tty.type('alice@example.com');
    tty.send('Enter');
    const screen = await tty.waitFor(/EXIT=\d+/, 30_000);
    expect(screen).toMatch(/EXIT=0/);
    expect(screen).toContain('regcert issue alice --dir pki --client --san alice@example.com');
    const json = JSON.parse((await runCli(['issue', 'probe', '--dir', 'pki', '--client', '--json'], { cwd })).stdout);
    expect(json.certificate.issuer).toBe('CN=Wizard Test CA');
    expect(readFileSync(path.join(cwd, 'pki/alice.crt'), 'utf8')).toMatch(/BEGIN CERTIFICATE/);
    expect((statSync(path.join(cwd, 'pki/alice.key')).mode & 0o777).toString(8)).toBe('600');
  });

  /** Picks the task `downs` entries below the default (issue, with a CA here), answers, and returns the final screen. */
  async function dayTwo(downs: number, answers: Array<{ wait: RegExp; keys?: string[]; text?: string }>): Promise<string> {
    tty = start();
    await tty.waitFor(/What do you want to do\?/);
    for (let i = 0; i < downs; i++) tty.send('Down');
    tty.send('Enter');
    for (const a of answers) {
      await tty.waitFor(a.wait);
      if (a.text !== undefined) {
        tty.send('C-u');
        tty.type(a.text);
      }
      tty.send(...(a.keys ?? []), 'Enter');
    }
    return tty.waitFor(/EXIT=\d+/, 60_000);
  }

  it('day two, on the terminal: the menu lists them', async () => {
    tty = start();
    const menu = await tty.waitFor(/What do you want to do\?[\s\S]*Roll a client certificate out/);
    for (const t of ['List what the CA issued', 'Renew a certificate', 'Revoke a certificate', "Check this machine's certs.d folders", 'Roll a client certificate out to many nodes']) {
      expect(menu).toContain(t);
    }
  });

  it('day two: list what the CA issued', async () => {
    const screen = await dayTwo(5, [{ wait: /CA directory/ }, { wait: /Only those expiring within/ }]);
    expect(screen).toContain('regcert list --dir pki');
    expect(screen).toMatch(/alice/);
    expect(screen).toMatch(/EXIT=0/);
  });

  it('day two: renew alice, then revoke her', async () => {
    const before = readFileSync(path.join(cwd, 'pki/alice.crt'), 'utf8');
    const renewed = await dayTwo(6, [{ wait: /CA directory/ }, { wait: /Certificate to renew/ }]);
    expect(renewed).toContain('regcert renew alice --dir pki');
    expect(renewed).toMatch(/EXIT=0/);
    expect(readFileSync(path.join(cwd, 'pki/alice.crt'), 'utf8')).not.toBe(before);
    tty?.kill();
    const revoked = await dayTwo(7, [{ wait: /CA directory/ }, { wait: /Certificate to revoke/ }, { wait: /Reason/, keys: ['Down'] }]);
    expect(revoked).toContain('regcert revoke alice --dir pki --reason keyCompromise');
    expect(revoked).toMatch(/EXIT=0/);
    const list = JSON.parse((await runCli(['list', '--dir', 'pki', '--revoked', '--json'], { cwd })).stdout) as { certificates: Array<{ name: string }> };
    expect(list.certificates.map((c) => c.name)).toContain('alice');
  });

  it('day two: check this machine (doctor on one registry) and roll out to many nodes (export)', async () => {
    const doctor = await dayTwo(8, [{ wait: /Only this registry/, text: 'registry.example.com:5000' }, { wait: /Runtime/, keys: ['Down', 'Down'] }]);
    expect(doctor).toContain('regcert doctor registry.example.com:5000 --runtime podman');
    expect(doctor).toMatch(/no certs\.d folder for registry\.example\.com:5000/);
    expect(doctor).toMatch(/EXIT=1/); // not installed here: a problem, as doctor says
    tty?.kill();
    await runCli(['issue', 'nodes', '--dir', 'pki', '--client'], { cwd });
    const exported = await dayTwo(9, [
      { wait: /The nodes are managed with/ },
      { wait: /Registry \(HOST/ },
      { wait: /Client certificate/ },
      { wait: /Client key/ },
      { wait: /CA certificate/ },
      { wait: /Write the files into/ },
    ]);
    expect(exported).toContain('regcert export kubernetes --host registry.example.com --cert pki/nodes.crt --key pki/nodes.key --ca pki/ca.crt --out regcert-kubernetes');
    expect(exported).toMatch(/EXIT=0/);
    expect(readFileSync(path.join(cwd, 'regcert-kubernetes/install.yaml'), 'utf8')).toMatch(/kind: DaemonSet/);
  });

  it('without a terminal, regcert alone prints the help (no prompt)', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: regcert/);
  });
});
