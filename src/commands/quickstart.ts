/**
 * `regcert quickstart`: the whole flow in one process, against the built-in
 * mTLS endpoint — a CA, a server certificate, a client certificate for the
 * current user, its .p12, a certs.d layout, then `serve` on a free port and
 * `verify` through that layout. Re-running reuses what is already there.
 * Nothing is left running.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { inputError } from '../core/errors.js';
import { pathExists, removeWrittenFiles, writeFiles, type WrittenFile } from '../io/files.js';
import { readSecret } from '../io/secrets.js';
import type { CommandContext } from './context.js';

export interface QuickstartOptions {
  dir?: string | undefined;
  host?: string[] | undefined;
  user?: string | undefined;
  port?: number | undefined;
  passwordFile?: string | undefined;
  passwordEnv?: string | undefined;
}

export interface QuickstartStep {
  step: string;
  ok: boolean;
  detail: string;
}

export interface QuickstartResult {
  command: 'quickstart';
  ok: boolean;
  exitCode?: number;
  dir: string;
  user: string;
  url: string | null;
  steps: QuickstartStep[];
  files: WrittenFile[];
  next: string[];
}

/** A certificate NAME for the user: the login name, kept to the characters `issue` allows. */
export function clientNameFor(user: string): string {
  const n = user.replace(/[^A-Za-z0-9._@+-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return n === '' ? 'client' : n.slice(0, 64);
}

export async function quickstart(opts: QuickstartOptions, ctx: CommandContext): Promise<QuickstartResult> {
  const dir = opts.dir ?? 'regcert-quickstart';
  const files: WrittenFile[] = [];
  // Nothing is written when the exit code is not 0 (cli.md): a failed run removes what it wrote.
  const dirExisted = await pathExists(dir);
  let result: QuickstartResult | undefined;
  try {
    result = await run(dir, opts, ctx, files);
    return result;
  } finally {
    if (!result?.ok) {
      // A directory this run created holds only this run's inventory records: they go with the files.
      if (!dirExisted) await (await import('../io/inventory.js')).removeInventory(dir);
      await removeWrittenFiles(files, dir, { keepRoot: dirExisted });
    }
  }
}

async function run(dir: string, opts: QuickstartOptions, ctx: CommandContext, files: WrittenFile[]): Promise<QuickstartResult> {
  const hosts = (opts.host ?? []).flatMap((h) => h.split(',')).map((h) => h.trim()).filter(Boolean);
  if (hosts.length === 0) hosts.push('localhost', '127.0.0.1');
  const user = clientNameFor(opts.user ?? (process.env.USER || os.userInfo().username || 'client'));
  const serverName = hosts.find((h) => !/^[0-9.:]+$/.test(h)) ?? 'registry';
  if (user === serverName) throw inputError('NAME_CLASH', `the user name "${user}" is also the server name`, 'pass --user NAME');
  const steps: QuickstartStep[] = [];
  const done = (step: string, detail: string) => steps.push({ step, ok: true, detail });

  // 1. The CA.
  if (await pathExists(path.join(dir, 'ca.crt'))) {
    done('CA', `reused ${path.join(dir, 'ca.crt')}`);
  } else {
    const { initCa } = await import('./init-ca.js');
    const r = await initCa({ dir, cn: 'regcert quickstart CA' }, ctx);
    files.push(...r.files);
    done('CA', `${r.certificate.subject} in ${path.join(dir, 'ca.crt')}`);
  }

  // 2. The server certificate, 3. the client certificate.
  const { issue } = await import('./issue.js');
  for (const [label, name, server] of [
    ['server certificate', serverName, true],
    ['client certificate', user, false],
  ] as const) {
    if (await pathExists(path.join(dir, `${name}.crt`))) {
      done(label, `reused ${path.join(dir, `${name}.crt`)}`);
      continue;
    }
    // The server certificate also names 127.0.0.1, where the built-in endpoint is verified (step 7), whatever --host says.
    const sans = server ? [...hosts, ...(hosts.includes('127.0.0.1') ? [] : ['127.0.0.1'])] : [];
    const r = await issue({ name, dir, server, client: !server, san: sans }, ctx);
    files.push(...r.files);
    done(label, `${r.certificate.subject}${r.certificate.sans.length ? ` (${r.certificate.sans.join(', ')})` : ''}, ${r.certificate.ekus.join(', ')}`);
  }
  const certPath = path.join(dir, `${user}.crt`);
  const keyPath = path.join(dir, `${user}.key`);
  const caPath = path.join(dir, 'ca.crt');

  // 4. The .p12, with its password from a flag, a prompt, or generated into a 0600 file beside it.
  const p12Path = path.join(dir, `${user}.p12`);
  if (await pathExists(p12Path)) {
    done('PKCS#12', `reused ${p12Path}`);
  } else {
    let passwordFile = opts.passwordFile;
    let passwordEnv = opts.passwordEnv;
    let how = 'password from the flag';
    if (passwordFile === undefined && passwordEnv === undefined) {
      const asked = ctx.interactive
        ? await readSecret({}, { flag: '--password-file', label: `password for ${p12Path} (empty: generate one)`, required: true, confirm: true }, ctx)
        : '';
      const password = asked || randomBytes(18).toString('base64url');
      passwordFile = `${p12Path}.pass`;
      files.push(...(await writeFiles([{ path: passwordFile, data: `${password}\n`, mode: 0o600, kind: 'password' }])));
      passwordEnv = undefined;
      how = asked ? `password saved in ${passwordFile}` : `generated password in ${passwordFile}`;
    }
    const { toP12 } = await import('./to-p12.js');
    const r = await toP12({ cert: certPath, key: keyPath, out: p12Path, passwordFile, passwordEnv, for: 'browser' }, ctx);
    files.push(...r.files);
    done('PKCS#12', `${p12Path} (${r.mode}; ${how})`);
  }

  // 5. The built-in mTLS endpoint, 6. the certs.d layout, 7. the login check. Always stop the server.
  const { startServe } = await import('../net/serve.js');
  ctx.progress?.('starting the mTLS endpoint');
  const server = await startServe({ dir, host: '127.0.0.1', port: opts.port ?? 0, serverCert: serverName });
  let url: string | null = null;
  let ok = true;
  try {
    url = `https://127.0.0.1:${server.port}`;
    done('mTLS endpoint', `${url} (requests client certificates signed by ${caPath})`);
    const hostPort = `127.0.0.1:${server.port}`;
    const certsDir = path.join(dir, 'certs.d');
    const { installHost } = await import('../runtimes/install.js');
    const inst = await installHost({ host: hostPort, cert: certPath, key: keyPath, ca: caPath, runtime: ['docker'], certsDir }, ctx);
    files.push(...inst.files);
    done('certs.d layout', `${path.join(certsDir, hostPort)}/ (client.cert, client.key, ca.crt)`);
    const hostDir = path.join(certsDir, hostPort);
    const { verify } = await import('./verify.js');
    ctx.progress?.('verifying the login');
    const v = await verify(
      { url, cert: path.join(hostDir, 'client.cert'), key: path.join(hostDir, 'client.key'), ca: path.join(hostDir, 'ca.crt'), timeout: 10 },
      ctx,
    );
    ok = v.ok;
    steps.push({
      step: 'verify',
      ok: v.ok,
      detail: v.ok ? `logged in as "${v.user}" with AuthnMethod ${v.authnMethod}` : (v.error?.message ?? 'the login did not verify'),
    });
  } finally {
    await server.close();
  }

  return {
    command: 'quickstart',
    ok,
    ...(ok ? {} : { exitCode: 1 }),
    dir,
    user,
    url,
    steps,
    files,
    next: [
      `regcert issue registry.example.com --dir ${dir} --server --san 10.0.0.5   # your registry's certificate`,
      `regcert config registry --dir ${dir} --host registry.example.com            # its config.yml TLS block`,
      `sudo regcert install-host registry.example.com --cert ${certPath} --key ${keyPath} --ca ${caPath}`,
      `regcert verify https://registry.example.com --cert ${certPath} --key ${keyPath} --ca ${caPath}`,
      `regcert serve --dir ${dir} --server-cert ${serverName}   # keep the test endpoint running`,
    ],
  };
}
