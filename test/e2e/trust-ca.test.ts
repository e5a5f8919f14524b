/**
 * trust-ca against the real stores: Debian's update-ca-certificates inside a
 * private mount namespace (unshare -m; /usr/local/share/ca-certificates,
 * /etc/ssl/certs and the update.d hooks bind-mounted from temp dirs, so the
 * machine's store is untouched) proven with real curl against `regcert
 * serve`; NSS with certutil; a Java keystore with keytool.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliOk, run, runCli, runOk, type CliResult } from '../helpers/cli.js';
import { freePort, requireBinary, startServer, type Server } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir('regcert-trust-');
const pki = path.join(dir, 'pki');
const ca = path.join(pki, 'ca.crt');
const servers: Server[] = [];

beforeAll(async () => {
  await cliOk(['init-ca', '--dir', pki, '--cn', 'regcert trust-ca test CA']);
  await cliOk(['issue', 'alice', '--client', '--dir', pki]);
}, 60_000);

afterAll(async () => {
  for (const s of servers) await s.stop();
});

/** A mount namespace kept alive by a sleeping process; commands join it with nsenter. Stopped by PID. */
class MountNamespace {
  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
  ) {}

  static async start(binds: Array<[string, string]>): Promise<MountNamespace> {
    const script = `${binds.map(([from, to]) => `mount --bind '${from}' '${to}'`).join(' && ')} && echo ready && exec sleep 600`;
    const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`unshare did not get ready: ${out}`)), 10_000);
      child.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr!.on('data', (d) => (out += d));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`unshare exited ${code}: ${out}`));
      });
    });
    return new MountNamespace(child, child.pid!);
  }

  run(cmd: string, args: string[], env?: Record<string, string | undefined>): Promise<CliResult> {
    return run('nsenter', ['-t', String(this.pid), '-m', '--', cmd, ...args], { env, timeoutMs: 120_000 });
  }

  regcert(args: string[]): Promise<CliResult> {
    return this.run(process.execPath, [BIN, ...args]);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    process.kill(this.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  }
}

describe('trust-ca --store system (Debian, in a private mount namespace)', () => {
  let ns: MountNamespace;
  const local = path.join(dir, 'local-ca-certificates');
  const certs = path.join(dir, 'etc-ssl-certs');
  const hooks = path.join(dir, 'update.d');
  let port = 0;

  beforeAll(async () => {
    requireBinary('unshare');
    requireBinary('nsenter');
    requireBinary('update-ca-certificates');
    requireBinary('curl');
    expect(process.getuid?.(), 'unshare -m needs root (CI runs as root)').toBe(0);
    mkdirSync(local);
    mkdirSync(hooks); // no hooks: the Java hook would queue a dpkg trigger outside the temp dir
    // The machine's store as it is, so that "without our CA" means exactly that.
    cpSync('/etc/ssl/certs', certs, { recursive: true, verbatimSymlinks: true });
    ns = await MountNamespace.start([
      [local, '/usr/local/share/ca-certificates'],
      [certs, '/etc/ssl/certs'],
      [hooks, '/etc/ca-certificates/update.d'],
    ]);
    port = await freePort();
    servers.push(await startServer(process.execPath, [BIN, 'serve', '--dir', pki, '--port', String(port)], port));
  }, 60_000);

  afterAll(async () => {
    await ns?.stop();
    // The namespace went with its last process: no mount of ours is left in this one.
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    expect(mounts).not.toContain(dir);
  });

  const curl = () => ns.run('curl', ['-sS', '--max-time', '10', `https://127.0.0.1:${port}/ca`]);

  it('curl fails before, succeeds after trust-ca (no --cacert), a second run changes nothing, --uninstall undoes it', async () => {
    const before = await curl();
    expect(before.code, before.stderr).toBe(60); // CURLE_PEER_FAILED_VERIFICATION

    const added = await ns.regcert(['trust-ca', ca]);
    expect(added.code, added.stderr).toBe(0);
    const files = readdirSync(local);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^regcert-[0-9a-f]{16}\.crt$/);
    expect(added.stdout).toContain(`added        debian  /usr/local/share/ca-certificates/${files[0]}`);
    expect(added.stderr).toContain('ran: update-ca-certificates');
    expect(readFileSync(path.join(local, files[0]!), 'utf8')).toBe(readFileSync(ca, 'utf8'));

    const after = await curl();
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toContain('-----BEGIN CERTIFICATE-----');

    const bundle = path.join(certs, 'ca-certificates.crt');
    const mtime = statSync(bundle).mtimeMs;
    const again = await ns.regcert(['trust-ca', ca, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const doc = JSON.parse(again.stdout) as { changes: Array<{ action: string; commands: string[] }> };
    expect(doc.changes).toEqual([expect.objectContaining({ action: 'unchanged', commands: [] })]);
    expect(statSync(bundle).mtimeMs).toBe(mtime);
    expect(readdirSync(local)).toEqual(files);

    const dry = await ns.regcert(['trust-ca', ca, '--uninstall', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('would remove');
    expect(readdirSync(local)).toEqual(files);

    const removed = await ns.regcert(['trust-ca', ca, '--uninstall']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('removed');
    expect(readdirSync(local)).toEqual([]);
    const gone = await curl();
    expect(gone.code).toBe(60);

    const twice = await ns.regcert(['trust-ca', ca, '--uninstall']);
    expect(twice.code, twice.stderr).toBe(0);
    expect(twice.stdout).toContain('not there');
  }, 180_000);

  it('--store all --dry-run names the system store, NSS and Java and changes nothing', async () => {
    const home = path.join(dir, 'empty-home'); // no NSS database: reported as skipped
    mkdirSync(home);
    const javaStore = path.join(certs, 'java', 'cacerts');
    const before = readFileSync(javaStore);
    const r = await ns.run(process.execPath, [BIN, 'trust-ca', ca, '--store', 'all', '--dry-run', '--json'], { HOME: home, JAVA_HOME: undefined });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { dryRun: boolean; changes: Array<{ store: string; action: string; target: string }> };
    expect(doc.dryRun).toBe(true);
    expect(doc.changes.map((c) => [c.store, c.action])).toEqual([
      ['debian', 'would-add'],
      ['nss', 'skipped'],
      ['java', 'would-add'],
    ]);
    expect(doc.changes[2]!.target).toBe('/etc/ssl/certs/java/cacerts');
    expect(readdirSync(local)).toEqual([]);
    expect(readFileSync(javaStore).equals(before)).toBe(true);
  }, 120_000);

  it('a leaf certificate is refused with exit 2 and nothing is written', async () => {
    const r = await ns.regcert(['trust-ca', path.join(pki, 'alice.crt')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^regcert: .*is not a CA certificate/m);
    expect(readdirSync(local)).toEqual([]);
  });

  it('--uninstall leaves a file of the same name that regcert did not write', async () => {
    const added = await ns.regcert(['trust-ca', ca, '--json']);
    const target = (JSON.parse(added.stdout) as { changes: Array<{ target: string }> }).changes[0]!.target;
    const mine = path.join(local, path.basename(target));
    writeFileSync(mine, readFileSync(path.join(pki, 'alice.crt')));
    const r = await ns.regcert(['trust-ca', ca, '--uninstall']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/regcert did not write it and leaves it alone/);
    expect(readFileSync(mine, 'utf8')).toBe(readFileSync(path.join(pki, 'alice.crt'), 'utf8'));
  }, 120_000);
});

describe('trust-ca --store nss', () => {
  it('certutil lists the CA with C,, trust; a second run changes nothing; --uninstall deletes it', async () => {
    requireBinary('certutil');
    const db = path.join(dir, 'nssdb');
    mkdirSync(db);
    await runOk('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']);
    const r = await cliOk(['trust-ca', ca, '--store', 'nss', '--nss-db', db]);
    expect(r.stdout).toContain(`added        nss     ${db}`);
    const list = await runOk('certutil', ['-L', '-d', `sql:${db}`]);
    expect(list.stdout).toMatch(/^regcert-[0-9a-f]{16}\s+C,,\s*$/m);
    const pem = await runOk('certutil', ['-L', '-d', `sql:${db}`, '-n', list.stdout.match(/regcert-[0-9a-f]{16}/)![0], '-a']);
    expect(pem.stdout.replace(/\r/g, '').trim()).toBe(readFileSync(ca, 'utf8').trim());

    const again = await cliOk(['trust-ca', ca, '--store', 'nss', '--nss-db', db]);
    expect(again.stdout).toContain('unchanged');
    const out = await cliOk(['trust-ca', ca, '--store', 'nss', '--nss-db', db, '--uninstall']);
    expect(out.stdout).toContain('removed');
    expect((await runOk('certutil', ['-L', '-d', `sql:${db}`])).stdout).not.toMatch(/regcert-/);
  }, 60_000);

  it('a missing certutil is reported with the package to install, and nothing changes', async () => {
    const db = path.join(dir, 'nssdb-2');
    mkdirSync(db);
    await runOk('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']);
    const r = await runCli(['trust-ca', ca, '--store', 'nss', '--nss-db', db], { env: { PATH: path.join(dir, 'empty-path') } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/certutil is not installed/);
    expect(r.stderr).toMatch(/libnss3-tools/);
  }, 30_000);
});

describe('trust-ca --store java', () => {
  it('keytool -list on a copy of cacerts shows the CA; --uninstall removes only it', async () => {
    requireBinary('keytool');
    const cacerts = path.join(dir, 'cacerts');
    cpSync('/etc/ssl/certs/java/cacerts', cacerts); // ca-certificates-java, with openjdk-17-jre-headless
    const count = async () => (await runOk('keytool', ['-list', '-keystore', cacerts, '-storepass', 'changeit'])).stdout.match(/trustedCertEntry/g)!.length;
    const n = await count();
    const r = await cliOk(['trust-ca', ca, '--store', 'java', '--java-cacerts', cacerts]);
    expect(r.stdout).toContain('added');
    const alias = r.stdout.match(/regcert-[0-9a-f]{16}/)![0];
    const listed = await runOk('keytool', ['-list', '-keystore', cacerts, '-storepass', 'changeit', '-alias', alias]);
    expect(listed.stdout).toMatch(/trustedCertEntry/);
    expect(await count()).toBe(n + 1);
    expect((await cliOk(['trust-ca', ca, '--store', 'java', '--java-cacerts', cacerts])).stdout).toContain('unchanged');

    const pw = path.join(dir, 'wrong-pw');
    writeFileSync(pw, 'not-the-password\n');
    const wrong = await runCli(['trust-ca', ca, '--store', 'java', '--java-cacerts', cacerts, '--java-password-file', pw]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/password of .* is wrong/);

    await cliOk(['trust-ca', ca, '--store', 'java', '--java-cacerts', cacerts, '--uninstall']);
    expect(await count()).toBe(n);
  }, 120_000);
});

describe('trust-ca --store macos|windows', () => {
  it('prints the exact command instead of guessing', async () => {
    const mac = await cliOk(['trust-ca', ca, '--store', 'macos']);
    expect(mac.stdout).toContain(`sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain '${ca}'`);
    const win = await cliOk(['trust-ca', ca, '--store', 'windows', '--uninstall']);
    expect(win.stdout).toMatch(/certutil -delstore ROOT [0-9A-F]{40}/);
  });
});
