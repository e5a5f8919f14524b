/**
 * NSS databases: what Firefox (its own per-profile cert9.db) and, on Linux,
 * Chromium and Chrome (~/.pki/nssdb) trust. Changed with NSS's certutil
 * (libnss3-tools), never by writing the database ourselves. The CA goes in
 * under the nickname regcert-<sha256 prefix> with trust "C,," (a CA trusted
 * to issue TLS server certificates), as mkcert does.
 */
import os from 'node:os';
import path from 'node:path';
import { parseCertificates } from '../core/certificates.js';
import { inputError, operationError } from '../core/errors.js';
import { pathExists } from '../io/files.js';
import { listFolder } from '../io/store-files.js';
import { findTool, requireTool, runTool, toolComplaint } from '../io/tool.js';
import type { StoreChange, StoreOptions, TrustAnchor } from './types.js';

export const id = 'nss';
export const label = 'NSS databases (Firefox, Chromium)';

const PKG = 'apt-get install libnss3-tools; dnf install nss-tools; zypper install mozilla-nss-tools';
/** SSL trust: a CA for TLS servers; no S/MIME or code-signing trust. */
const TRUST = 'C,,';

/** ~/.pki/nssdb and every Firefox profile (also the snap's) that has a cert9.db. */
async function defaultDatabases(): Promise<string[]> {
  const home = os.homedir();
  const out: string[] = [];
  const candidates = [path.join(home, '.pki', 'nssdb')];
  for (const root of [path.join(home, '.mozilla', 'firefox'), path.join(home, 'snap', 'firefox', 'common', '.mozilla', 'firefox')]) {
    for (const name of await listFolder(root)) candidates.push(path.join(root, name));
  }
  for (const dir of candidates) if (await pathExists(path.join(dir, 'cert9.db'))) out.push(dir);
  return out;
}

async function databases(opts: StoreOptions): Promise<string[]> {
  if (opts.nssDbs && opts.nssDbs.length > 0) {
    const dbs: string[] = [];
    for (const given of opts.nssDbs) {
      const dir = given.replace(/^sql:/, '');
      if (/^(dbm|extern|multiaccess|rdb):/.test(dir)) throw inputError('BAD_NSS_DB', `--nss-db ${JSON.stringify(given)} is not an sql: database`, 'pass the folder that holds cert9.db');
      if (!(await pathExists(path.join(dir, 'cert9.db')))) {
        throw inputError('BAD_NSS_DB', `${dir} holds no NSS database (cert9.db)`, `create one with "certutil -N -d sql:${dir} --empty-password", or pass the right --nss-db`);
      }
      dbs.push(path.resolve(dir));
    }
    return dbs;
  }
  return defaultDatabases();
}

/** The certificate under our nickname in that database: undefined when absent. */
async function current(certutil: string, db: string, anchor: TrustAnchor): Promise<{ der: Uint8Array; trust: string } | undefined> {
  const one = await runTool(certutil, ['-L', '-d', `sql:${db}`, '-n', anchor.anchorName, '-a']);
  if (one.code !== 0) {
    if (/could not find cert|PR_FILE_NOT_FOUND_ERROR/i.test(one.stderr)) return undefined;
    throw operationError('NSS_FAILED', `certutil cannot read ${db}: ${toolComplaint(one)}`, `check the database with "certutil -L -d sql:${db}"`);
  }
  const der = parseCertificates(new Uint8Array(Buffer.from(one.stdout, 'utf8')), `${db} (${anchor.anchorName})`)[0]!.rawData;
  const list = await runTool(certutil, ['-L', '-d', `sql:${db}`]);
  const line = list.stdout.split('\n').find((l) => l.startsWith(`${anchor.anchorName} `));
  const trust = line?.trim().split(/\s+/).pop() ?? '';
  return { der: new Uint8Array(der), trust };
}

/** "certutil -L" lines: the nickname, then the trust flags (SSL,S/MIME,code signing), e.g. "Corp CA      p,p,p". */
const LIST_LINE = /^(.*\S)\s+([A-Za-z]*,[A-Za-z]*,[A-Za-z]*)\s*$/;
/** Entries compared by content at most (a profile's database holds a handful; built-in roots are not listed). */
const MAX_ENTRIES = 1000;

/**
 * The same certificate under ANOTHER nickname (the admin's, or a browser's):
 * NSS keeps one entry per certificate, so adding ours would only rewrite that
 * entry's trust (a CA the admin distrusted would become trusted) and
 * --uninstall would then find nothing of ours. undefined when there is none.
 */
async function elsewhere(certutil: string, db: string, anchor: TrustAnchor): Promise<{ nickname: string; trust: string } | undefined> {
  const list = await runTool(certutil, ['-L', '-d', `sql:${db}`]);
  if (list.code !== 0) throw operationError('NSS_FAILED', `certutil cannot list ${db}: ${toolComplaint(list)}`, `check the database with "certutil -L -d sql:${db}"`);
  const entries = list.stdout
    .split('\n')
    .map((l) => LIST_LINE.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && m[1] !== anchor.anchorName && !/^Certificate Nickname$/.test(m[1]!));
  for (const m of entries.slice(0, MAX_ENTRIES)) {
    const one = await runTool(certutil, ['-L', '-d', `sql:${db}`, '-n', m[1]!, '-a']);
    if (one.code !== 0) continue;
    let certs;
    try {
      certs = parseCertificates(new Uint8Array(Buffer.from(one.stdout, 'utf8')), `${db} (${m[1]})`);
    } catch {
      continue;
    }
    if (certs.some((c) => Buffer.from(c.rawData).equals(Buffer.from(anchor.der)))) return { nickname: m[1]!, trust: m[2]! };
  }
  return undefined;
}

/** No database: for --store nss that is an error, for --store all a note. */
async function none(opts: StoreOptions): Promise<StoreChange[]> {
  if (opts.explicit) throw operationError('NO_NSS_DB', 'no NSS database found (~/.pki/nssdb or a Firefox profile)', 'pass --nss-db DIR, or start Firefox/Chromium once so that it creates its database');
  return [{ store: id, target: '~/.pki/nssdb, Firefox profiles', action: 'skipped', detail: 'no NSS database found', commands: [] }];
}

/** The tool, or (in --store all) a note naming the package. */
async function tool(opts: StoreOptions, target: string): Promise<string | StoreChange[]> {
  const found = await findTool('certutil');
  if (found) return found;
  if (opts.explicit) return requireTool('certutil', PKG);
  return [{ store: id, target, action: 'skipped', detail: `certutil is not installed (${PKG})`, commands: [] }];
}

/**
 * For each database: what is under our nickname there (refused when it is
 * another certificate), then `step` decides. No database or no certutil:
 * an error for --store nss, a "skipped" note for --store all.
 */
async function eachDatabase(
  anchor: TrustAnchor,
  opts: StoreOptions,
  step: (certutil: string, db: string, have: { trust: string } | undefined) => Promise<StoreChange>,
): Promise<StoreChange[]> {
  const dbs = await databases(opts);
  if (dbs.length === 0) return none(opts);
  const certutil = await tool(opts, dbs.join(', '));
  if (typeof certutil !== 'string') return certutil;
  const changes: StoreChange[] = [];
  for (const db of dbs) {
    const have = await current(certutil, db, anchor);
    if (have && !Buffer.from(have.der).equals(Buffer.from(anchor.der))) {
      throw operationError('NOT_OURS', `${db} holds another certificate under the nickname ${anchor.anchorName}; regcert did not add it and leaves it alone`, `inspect it with "certutil -L -d sql:${db} -n ${anchor.anchorName}"`);
    }
    changes.push(await step(certutil, db, have));
  }
  return changes;
}

export async function install(anchor: TrustAnchor, opts: StoreOptions): Promise<StoreChange[]> {
  return eachDatabase(anchor, opts, async (certutil, db, have) => {
    const cmd = `certutil -A -d sql:${db} -n ${anchor.anchorName} -t ${TRUST} -a -i ${anchor.file}`;
    if (have && have.trust === TRUST) {
      return { store: id, target: db, action: 'unchanged', detail: `already trusted (${anchor.anchorName}, ${TRUST})`, commands: [] };
    }
    if (!have) {
      // The admin's entry for this very certificate is theirs: never rewritten (its trust may be a deliberate distrust).
      const other = await elsewhere(certutil, db, anchor);
      if (other) {
        const trusted = /[CT]/.test(other.trust.split(',')[0] ?? '');
        return {
          store: id,
          target: db,
          action: trusted ? 'unchanged' : 'skipped',
          detail: trusted
            ? `already there as "${other.nickname}" (trust ${other.trust}, not added by regcert): left as it is`
            : `held as "${other.nickname}" with trust ${other.trust} (set outside regcert, not trusted for TLS): left as it is, so this CA is NOT trusted here; to trust it, run certutil -M -d sql:${db} -n "${other.nickname}" -t ${TRUST}`,
          commands: [],
        };
      }
    }
    if (opts.dryRun) return { store: id, target: db, action: 'would-add', detail: `would add ${anchor.anchorName} with trust ${TRUST}`, commands: [cmd] };
    const r = await runTool(certutil, ['-A', '-d', `sql:${db}`, '-n', anchor.anchorName, '-t', TRUST, '-a'], { input: anchor.pem });
    if (r.code !== 0) throw operationError('NSS_FAILED', `certutil could not add the CA to ${db}: ${toolComplaint(r)}`, 'close Firefox/Chromium if they hold the database, and run the command again');
    return { store: id, target: db, action: 'added', detail: `${anchor.anchorName} trusted ${TRUST}`, commands: [cmd] };
  });
}

export async function uninstall(anchor: TrustAnchor, opts: StoreOptions): Promise<StoreChange[]> {
  return eachDatabase(anchor, opts, async (certutil, db, have) => {
    const cmd = `certutil -D -d sql:${db} -n ${anchor.anchorName}`;
    if (!have) {
      const other = await elsewhere(certutil, db, anchor);
      return { store: id, target: db, action: 'absent', detail: other ? `not installed by regcert (held as "${other.nickname}", trust ${other.trust}: left as it is)` : 'not installed by regcert', commands: [] };
    }
    if (opts.dryRun) return { store: id, target: db, action: 'would-remove', detail: `would delete ${anchor.anchorName}`, commands: [cmd] };
    const r = await runTool(certutil, ['-D', '-d', `sql:${db}`, '-n', anchor.anchorName]);
    if (r.code !== 0) throw operationError('NSS_FAILED', `certutil could not remove the CA from ${db}: ${toolComplaint(r)}`, 'close Firefox/Chromium if they hold the database, and run the command again');
    return { store: id, target: db, action: 'removed', detail: `${anchor.anchorName} deleted`, commands: [cmd] };
  });
}
