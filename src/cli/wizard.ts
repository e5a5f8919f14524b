/**
 * The interactive wizard (`regcert` alone on a TTY, or `regcert wizard`):
 * asks what the user wants to do and the inputs it needs, with defaults
 * taken from what it finds (an existing ./pki, $USER, the host name), prints
 * the equivalent command line, and runs exactly that command line through
 * main(). So the wizard can never do something the flags cannot.
 */
import os from 'node:os';
import path from 'node:path';
import { readInputFile } from '../io/read.js';
import type { CliIO } from './output.js';
import { createOut } from './output.js';
import { RUNTIME_NAMES } from '../runtimes/types.js';

export type WizardTask = 'init-ca' | 'issue' | 'install-host' | 'to-p12' | 'verify' | 'inspect' | 'list' | 'renew' | 'revoke' | 'doctor' | 'export';

export interface WizardAnswers {
  dir?: string;
  cn?: string;
  keyType?: string;
  name?: string;
  kind?: 'server' | 'client' | 'both';
  sans?: string;
  host?: string;
  cert?: string;
  key?: string;
  ca?: string;
  runtime?: string;
  certsDir?: string;
  importer?: string;
  url?: string;
  files?: string;
  /** list: only certificates expiring within this window (e.g. 30d). */
  expiring?: string;
  /** revoke: the RFC 5280 reason. */
  reason?: string;
  /** export: the fleet engine (kubernetes, k3s, rke2, ansible, cloud-init) and where its files go. */
  target?: string;
  out?: string;
}

/** Pure: the regcert argv for a task and its answers. */
export function buildWizardArgv(task: WizardTask, a: WizardAnswers): string[] {
  const opt = (flag: string, v: string | undefined) => (v !== undefined && v !== '' ? [flag, v] : []);
  switch (task) {
    case 'init-ca':
      return ['init-ca', ...opt('--dir', a.dir), ...opt('--cn', a.cn), ...opt('--key-type', a.keyType)];
    case 'issue':
      return [
        'issue',
        a.name ?? '',
        ...opt('--dir', a.dir),
        ...(a.kind === 'server' || a.kind === 'both' ? ['--server'] : []),
        ...(a.kind === 'client' || a.kind === 'both' ? ['--client'] : []),
        ...(a.sans ? a.sans.split(/[\s,]+/).filter(Boolean).flatMap((s) => ['--san', s]) : []),
      ];
    case 'install-host':
      return ['install-host', a.host ?? '', ...opt('--cert', a.cert), ...opt('--key', a.key), ...opt('--ca', a.ca), ...opt('--runtime', a.runtime), ...opt('--certs-dir', a.certsDir)];
    case 'to-p12':
      return ['to-p12', ...opt('--cert', a.cert), ...opt('--key', a.key), ...opt('--for', a.importer)];
    case 'verify':
      return ['verify', a.url ?? '', ...opt('--cert', a.cert), ...opt('--key', a.key), ...opt('--ca', a.ca)];
    case 'inspect':
      return ['inspect', ...(a.files ?? '').split(/\s+/).filter(Boolean)];
    case 'list':
      return ['list', ...opt('--dir', a.dir), ...opt('--expiring', a.expiring)];
    case 'renew':
      return ['renew', a.name ?? '', ...opt('--dir', a.dir)];
    case 'revoke':
      return ['revoke', a.name ?? '', ...opt('--dir', a.dir), ...opt('--reason', a.reason)];
    case 'doctor':
      return ['doctor', ...(a.host ? [a.host] : []), ...opt('--runtime', a.runtime)];
    case 'export':
      return ['export', a.target ?? '', ...opt('--host', a.host), ...opt('--cert', a.cert), ...opt('--key', a.key), ...opt('--ca', a.ca), ...opt('--out', a.out)];
  }
}

/** Quotes an argv for a POSIX shell, only where needed. */
export function shellQuote(argv: string[]): string {
  return argv.map((s) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)).join(' ');
}

async function existingCa(dir: string): Promise<string | undefined> {
  const file = path.join(dir, 'ca.crt');
  // Bounded, regular files only (io/read.ts); anything unreadable is "no CA here".
  const pem = await readInputFile(file, 'CA certificate', undefined, 'certificate').catch(() => undefined);
  return pem && Buffer.from(pem).toString('latin1').includes('BEGIN CERTIFICATE') ? file : undefined;
}

export async function runWizard(io: CliIO, runMain: (argv: string[]) => Promise<number>): Promise<number> {
  const { select, input, confirm } = await import('@inquirer/prompts');
  const out = createOut(io);
  const s = out.style;
  const ctx = { output: io.stderr };
  const user = (io.env.USER ?? os.userInfo().username) || 'me';
  const host = os.hostname();
  const pki = 'pki';
  const ca = await existingCa(pki);

  io.stderr.write(`${s.bold('regcert')} ${s.dim('— private PKI and client-certificate login for registries')}\n`);
  if (ca) io.stderr.write(`Found an existing CA in ./${pki} (${ca}).\n`);

  // Each task once; the day-two ones (what the CA issued, renew, revoke, this machine, many nodes) after the first steps.
  const choices: Array<{ name: string; value: WizardTask }> = [
    { name: 'Create a certificate authority (CA)', value: 'init-ca' },
    { name: `Issue a server or client certificate${ca ? ` (from the CA in ./${pki})` : ''}`, value: 'issue' },
    { name: 'Set up this machine for a registry (certs.d)', value: 'install-host' },
    { name: 'Make a .p12 for a browser, Keychain, Windows or Java', value: 'to-p12' },
    { name: 'Verify that a registry logs me in with my certificate', value: 'verify' },
    { name: 'Inspect a certificate, key, CSR or .p12', value: 'inspect' },
    { name: 'List what the CA issued, with days left', value: 'list' },
    { name: 'Renew a certificate (same names and key)', value: 'renew' },
    { name: 'Revoke a certificate (and refresh the CRL)', value: 'revoke' },
    { name: "Check this machine's certs.d folders (doctor)", value: 'doctor' },
    { name: 'Roll a client certificate out to many nodes (Kubernetes, k3s, Ansible, cloud-init)', value: 'export' },
  ];
  // With a CA here, issuing from it is what comes next: offered first.
  const task: WizardTask = await select({ message: 'What do you want to do?', choices, default: ca ? 'issue' : 'init-ca', pageSize: choices.length }, ctx);
  const a: WizardAnswers = {};
  switch (task) {
    case 'init-ca': {
      if (ca && !(await confirm({ message: `A CA already exists in ./${pki}. Create another one in a new directory?`, default: false }, ctx))) {
        return 0;
      }
      a.dir = await input({ message: 'Directory for the CA:', default: ca ? `${pki}-2` : pki }, ctx);
      a.cn = await input({ message: 'CA name (CN):', default: 'regcert Root CA' }, ctx);
      a.keyType = await select(
        {
          message: 'Key type:',
          choices: ['ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096', 'ed25519'].map((v) => ({ name: v, value: v })),
          default: 'ecdsa-p256',
        },
        ctx,
      );
      break;
    }
    case 'issue': {
      a.dir = await input({ message: 'CA directory:', default: pki }, ctx);
      a.kind = await select(
        {
          message: 'Certificate for:',
          choices: [
            { name: 'a user or machine logging in to a registry (client)', value: 'client' as const },
            { name: 'a registry server (server)', value: 'server' as const },
            { name: 'both', value: 'both' as const },
          ],
        },
        ctx,
      );
      a.name = await input({ message: 'Name (file name and CN):', default: a.kind === 'client' ? user : host }, ctx);
      a.sans = await input({ message: 'Extra SANs (host names, IPs, e-mails; comma-separated, may be empty):', default: '' }, ctx);
      break;
    }
    case 'install-host': {
      a.host = await input({ message: 'Registry (HOST or HOST:PORT, as in image names):', default: 'registry.example.com' }, ctx);
      a.cert = await input({ message: 'Client certificate:', default: path.join(pki, `${user}.crt`) }, ctx);
      a.key = await input({ message: 'Client key:', default: path.join(pki, `${user}.key`) }, ctx);
      a.ca = await input({ message: "Registry's CA certificate:", default: path.join(pki, 'ca.crt') }, ctx);
      a.runtime = await select(
        { message: 'Runtime:', choices: RUNTIME_NAMES.map((v) => ({ name: v, value: v })), default: 'docker' },
        ctx,
      );
      break;
    }
    case 'to-p12': {
      a.cert = await input({ message: 'Certificate:', default: path.join(pki, `${user}.crt`) }, ctx);
      a.key = await input({ message: 'Key:', default: path.join(pki, `${user}.key`) }, ctx);
      a.importer = await select(
        { message: 'It will be imported by:', choices: ['browser', 'macos', 'windows', 'java', 'curl'].map((v) => ({ name: v, value: v })) },
        ctx,
      );
      break;
    }
    case 'verify': {
      a.url = await input({ message: 'Registry URL:', default: 'https://registry.example.com' }, ctx);
      a.cert = await input({ message: 'Client certificate:', default: path.join(pki, `${user}.crt`) }, ctx);
      a.key = await input({ message: 'Client key:', default: path.join(pki, `${user}.key`) }, ctx);
      a.ca = await input({ message: "Registry's CA certificate (empty: system roots):", default: ca ?? '' }, ctx);
      break;
    }
    case 'inspect': {
      a.files = await input({ message: 'File(s), space-separated:', default: ca ?? '' }, ctx);
      break;
    }
    case 'list': {
      a.dir = await input({ message: 'CA directory:', default: pki }, ctx);
      a.expiring = await input({ message: 'Only those expiring within (e.g. 30d; empty: all):', default: '' }, ctx);
      break;
    }
    case 'renew':
    case 'revoke': {
      a.dir = await input({ message: 'CA directory:', default: pki }, ctx);
      a.name = await input({ message: `Certificate to ${task} (NAME or SERIAL, as "regcert list" shows it):`, default: user }, ctx);
      if (task === 'revoke') {
        a.reason = await select(
          {
            message: 'Reason:',
            choices: ['unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation'].map((v) => ({ name: v, value: v })),
            default: 'unspecified',
          },
          ctx,
        );
      }
      break;
    }
    case 'doctor': {
      a.host = await input({ message: 'Only this registry (HOST[:PORT]; empty: every folder):', default: '' }, ctx);
      const runtime = await select({ message: 'Runtime:', choices: ['all', 'docker', 'podman', 'containerd'].map((v) => ({ name: v, value: v })), default: 'all' }, ctx);
      if (runtime !== 'all') a.runtime = runtime;
      break;
    }
    case 'export': {
      a.target = await select(
        { message: 'The nodes are managed with:', choices: ['kubernetes', 'k3s', 'rke2', 'ansible', 'cloud-init'].map((v) => ({ name: v, value: v })) },
        ctx,
      );
      a.host = await input({ message: 'Registry (HOST or HOST:PORT, as in image names):', default: 'registry.example.com' }, ctx);
      a.cert = await input({ message: 'Client certificate:', default: path.join(pki, 'nodes.crt') }, ctx);
      a.key = await input({ message: 'Client key:', default: path.join(pki, 'nodes.key') }, ctx);
      a.ca = await input({ message: "Registry's CA certificate:", default: path.join(pki, 'ca.crt') }, ctx);
      a.out = await input({ message: 'Write the files into:', default: `regcert-${a.target}` }, ctx);
      break;
    }
  }
  const argv = buildWizardArgv(task, a);
  io.stderr.write(`\nThe same, without the wizard:\n  ${s.cyan(`regcert ${shellQuote(argv)}`)}\n\n`);
  return runMain(argv);
}
