/**
 * A Java cacerts keystore (what the JVM trusts unless told otherwise),
 * changed with the JDK's keytool under the alias regcert-<sha256 prefix>.
 * The store password goes to keytool through its environment
 * (-storepass:env), never on its command line. On Debian the JDK's cacerts
 * is /etc/ssl/certs/java/cacerts, which ca-certificates-java also rebuilds
 * from the system store.
 */
import path from 'node:path';
import { parseCertificates } from '../core/certificates.js';
import { inputError, operationError } from '../core/errors.js';
import { pathExists } from '../io/files.js';
import { findTool, requireTool, runTool, toolComplaint } from '../io/tool.js';
import type { StoreChange, StoreOptions, TrustAnchor } from './types.js';

export const id = 'java';
export const label = 'Java cacerts';

const PKG = 'apt-get install openjdk-17-jre-headless; dnf install java-17-openjdk-headless';
/** The JDK's own default cacerts password (public; a changed one comes from --java-password-file). */
const DEFAULT_STOREPASS = 'changeit';
const PASS_ENV = 'REGCERT_KEYTOOL_STOREPASS';

async function keystore(opts: StoreOptions): Promise<string | undefined> {
  if (opts.javaCacerts !== undefined) {
    if (!(await pathExists(opts.javaCacerts))) throw inputError('NOT_FOUND', `Java keystore not found at ${opts.javaCacerts}`, 'check the path given to --java-cacerts');
    return path.resolve(opts.javaCacerts);
  }
  const home = process.env.JAVA_HOME;
  for (const f of [home ? path.join(home, 'lib', 'security', 'cacerts') : undefined, '/etc/ssl/certs/java/cacerts', '/etc/pki/java/cacerts']) {
    if (f !== undefined && (await pathExists(f))) return f;
  }
  return undefined;
}

function env(opts: StoreOptions): Record<string, string> {
  return { [PASS_ENV]: opts.javaPassword ?? DEFAULT_STOREPASS };
}

/** Our alias in the keystore: undefined when absent; another certificate under it is refused. */
async function current(keytool: string, store: string, anchor: TrustAnchor, opts: StoreOptions): Promise<Uint8Array | undefined> {
  const r = await runTool(keytool, ['-exportcert', '-rfc', '-alias', anchor.anchorName, '-keystore', store, '-storepass:env', PASS_ENV], { env: env(opts) });
  if (r.code !== 0) {
    if (/does not exist/i.test(`${r.stdout}${r.stderr}`)) return undefined;
    if (/password was incorrect|keystore was tampered/i.test(`${r.stdout}${r.stderr}`)) {
      throw inputError('BAD_STORE_PASSWORD', `the password of ${store} is wrong`, 'pass it with --java-password-file FILE or --java-password-env VAR (the JDK default is "changeit")');
    }
    throw operationError('KEYTOOL_FAILED', `keytool cannot read ${store}: ${toolComplaint(r)}`, `check it with "keytool -list -keystore ${store}"`);
  }
  const der = new Uint8Array(parseCertificates(new Uint8Array(Buffer.from(r.stdout, 'utf8')), `${store} (${anchor.anchorName})`)[0]!.rawData);
  if (!Buffer.from(der).equals(Buffer.from(anchor.der))) {
    throw operationError('NOT_OURS', `${store} holds another certificate under the alias ${anchor.anchorName}; regcert did not add it and leaves it alone`, `inspect it with "keytool -list -v -alias ${anchor.anchorName} -keystore ${store}"`);
  }
  return der;
}

/** Aliases listed at most (a JDK cacerts holds about 150). */
const MAX_ALIASES = 5000;

/**
 * The alias holding this very certificate when it is not ours (a JDK root, or
 * the admin's import): a keystore entry is trust, so the CA is trusted already;
 * adding a second alias would leave the admin's when --uninstall removes ours.
 */
async function elsewhere(keytool: string, store: string, anchor: TrustAnchor, opts: StoreOptions): Promise<string | undefined> {
  const r = await runTool(keytool, ['-list', '-rfc', '-keystore', store, '-storepass:env', PASS_ENV], { env: env(opts) });
  if (r.code !== 0) throw operationError('KEYTOOL_FAILED', `keytool cannot list ${store}: ${toolComplaint(r)}`, `check it with "keytool -list -keystore ${store}"`);
  const body = Buffer.from(anchor.der).toString('base64');
  const blocks = r.stdout.split(/^Alias name: /m).slice(1, MAX_ALIASES + 1);
  for (const b of blocks) {
    const alias = b.slice(0, b.indexOf('\n')).trim();
    if (alias !== anchor.anchorName && b.replace(/\s+/g, '').includes(body)) return alias;
  }
  return undefined;
}

async function prepare(opts: StoreOptions): Promise<{ keytool: string; store: string } | StoreChange[]> {
  const store = await keystore(opts);
  if (store === undefined) {
    if (opts.explicit) throw operationError('NO_JAVA_CACERTS', 'no Java cacerts keystore found ($JAVA_HOME/lib/security/cacerts, /etc/ssl/certs/java/cacerts)', 'pass --java-cacerts FILE');
    return [{ store: id, target: 'cacerts', action: 'skipped', detail: 'no Java cacerts keystore found', commands: [] }];
  }
  const keytool = await findTool('keytool', { PATH: `${process.env.PATH ?? ''}${process.env.JAVA_HOME ? `${path.delimiter}${path.join(process.env.JAVA_HOME, 'bin')}` : ''}` });
  if (keytool) return { keytool, store };
  if (opts.explicit) await requireTool('keytool', PKG);
  return [{ store: id, target: store, action: 'skipped', detail: `keytool is not installed (${PKG})`, commands: [] }];
}

export async function install(anchor: TrustAnchor, opts: StoreOptions): Promise<StoreChange[]> {
  const p = await prepare(opts);
  if (Array.isArray(p)) return p;
  const { keytool, store } = p;
  const cmd = `keytool -importcert -noprompt -alias ${anchor.anchorName} -keystore ${store} -file ${anchor.file}`;
  const have = await current(keytool, store, anchor, opts);
  if (have) return [{ store: id, target: store, action: 'unchanged', detail: `already trusted (alias ${anchor.anchorName})`, commands: [] }];
  const other = await elsewhere(keytool, store, anchor, opts);
  if (other !== undefined) return [{ store: id, target: store, action: 'unchanged', detail: `already trusted as alias "${other}" (not added by regcert): left as it is`, commands: [] }];
  if (opts.dryRun) return [{ store: id, target: store, action: 'would-add', detail: `would import alias ${anchor.anchorName}`, commands: [cmd] }];
  const r = await runTool(keytool, ['-importcert', '-noprompt', '-alias', anchor.anchorName, '-keystore', store, '-storepass:env', PASS_ENV], { input: anchor.pem, env: env(opts) });
  if (r.code !== 0) throw operationError('KEYTOOL_FAILED', `keytool could not import the CA into ${store}: ${toolComplaint(r)}`, 'check that the keystore is writable (sudo) and its password right');
  return [{ store: id, target: store, action: 'added', detail: `alias ${anchor.anchorName}`, commands: [cmd] }];
}

export async function uninstall(anchor: TrustAnchor, opts: StoreOptions): Promise<StoreChange[]> {
  const p = await prepare(opts);
  if (Array.isArray(p)) return p;
  const { keytool, store } = p;
  const cmd = `keytool -delete -alias ${anchor.anchorName} -keystore ${store}`;
  const have = await current(keytool, store, anchor, opts);
  if (!have) return [{ store: id, target: store, action: 'absent', detail: 'not installed by regcert', commands: [] }];
  if (opts.dryRun) return [{ store: id, target: store, action: 'would-remove', detail: `would delete alias ${anchor.anchorName}`, commands: [cmd] }];
  const r = await runTool(keytool, ['-delete', '-alias', anchor.anchorName, '-keystore', store, '-storepass:env', PASS_ENV], { env: env(opts) });
  if (r.code !== 0) throw operationError('KEYTOOL_FAILED', `keytool could not remove the CA from ${store}: ${toolComplaint(r)}`, 'check that the keystore is writable (sudo) and its password right');
  return [{ store: id, target: store, action: 'removed', detail: `alias ${anchor.anchorName} deleted`, commands: [cmd] }];
}
