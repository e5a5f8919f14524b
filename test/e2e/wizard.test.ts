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

  it('a second run offers the existing CA and issues a client certificate from it', async () => {
    tty = start();
    const first = await tty.waitFor(/What do you want to do\?/);
    expect(first).toMatch(/Found an existing CA in \.\/pki/);
    expect(first).toMatch(/Issue a certificate from the existing CA in \.\/pki/);
    tty.send('Enter'); // the offered existing CA
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

  it('without a terminal, regcert alone prints the help (no prompt)', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: regcert/);
  });
});
