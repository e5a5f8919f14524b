/**
 * The output folder of `issue --batch`: where a row's files go, what is
 * already there (read and parsed here, judged by core/batch-rows.ts
 * batchEntryState), and the writer that commits groups of issued entries:
 * PKCS#12 passwords, the batch journal, the files as one chunk of sets,
 * then their inventory records.
 */
import { createPrivateKey } from 'node:crypto';
import path from 'node:path';
import type { ExistingEntryFacts } from '../core/batch-rows.js';
import { isCa, isSignedBy, keyMatchesCertificate, parseCertificates, type Certificate } from '../core/certificates.js';
import { buildEntry, buildEntryFromFacts, builtLeafFacts, normalizeSerial, type InventoryEntry } from '../core/inventory.js';
import type { KeyType } from '../core/keys.js';
import { appendBatchJournal, manifestLines, MANIFEST_HEADER, MAX_COMMIT, readIfExists as readIfExistsHinted, sha256Hex, type BatchEntry } from './batch-pipeline.js';
import { readCertificateFile } from './credentials.js';
import { appendDurably, writeFileSets, type PlannedFile } from './files.js';
import { createInventoryAppender, entryFiles } from './inventory.js';

type InventoryAppender = ReturnType<typeof createInventoryAppender>;

/** A row's files in OUT: NAME.crt, NAME.key and (with --p12) NAME.p12. */
export function batchPaths(outDir: string, name: string): { cert: string; key: string; p12: string } {
  return { cert: path.join(outDir, `${name}.crt`), key: path.join(outDir, `${name}.key`), p12: path.join(outDir, `${name}.p12`) };
}

const readIfExists = (file: string) => readIfExistsHinted(file, 'remove it or choose another --out-dir');

/** What is at a row's files in OUT (read and parsed here; judged by core/batch-rows.ts batchEntryState). */
export async function existingEntryFacts(
  name: string,
  outDir: string,
  ca: Certificate,
  p12: boolean,
  manifest: Map<string, string>,
  madeByBatch: (serial: string) => boolean,
): Promise<ExistingEntryFacts> {
  const p = batchPaths(outDir, name);
  const [cert, key, pfx] = await Promise.all([readIfExists(p.cert), readIfExists(p.key), p12 ? readIfExists(p.p12) : undefined]);
  const facts: ExistingEntryFacts = { cert: cert !== undefined, key: key !== undefined, p12: pfx !== undefined, keyMatches: false, p12Recorded: false, madeByBatch: false };
  if (!cert) return facts;
  let leaf: Certificate;
  try {
    leaf = parseCertificates(cert, p.cert)[0]!;
  } catch {
    return facts;
  }
  const serial = normalizeSerial(leaf.serialNumber);
  facts.parsed = { signedByCa: await isSignedBy(leaf, ca), isCa: isCa(leaf), serial };
  facts.madeByBatch = madeByBatch(serial);
  if (key) {
    try {
      facts.keyMatches = keyMatchesCertificate(createPrivateKey(Buffer.from(key)), leaf);
    } catch {
      facts.keyMatches = false;
    }
  }
  facts.p12Recorded = pfx !== undefined && manifest.get(name) === sha256Hex(pfx);
  return facts;
}

/**
 * Files are written first and recorded second: the complete entries
 * (name → serial) that a killed run wrote but had not recorded yet are
 * recorded now, parsed from their files (only these few). Returns how many.
 */
export async function recordCompleteEntries(inventory: InventoryAppender, dir: string, outDir: string, complete: ReadonlyMap<string, string>, clock: () => Date): Promise<number> {
  if (complete.size === 0) return 0;
  const recorded = await inventory.recorded();
  const missing = [...complete.keys()].filter((name) => !recorded.has(complete.get(name)!));
  for (let i = 0; i < missing.length; i += MAX_COMMIT) {
    const now = clock();
    const entries: InventoryEntry[] = [];
    for (const name of missing.slice(i, i + MAX_COMMIT)) {
      const p = batchPaths(outDir, name);
      const cert = (await readCertificateFile(p.cert, 'certificate file'))[0]!;
      entries.push(buildEntry(cert, { name, files: entryFiles(dir, p.cert, p.key), source: 'batch', now }));
    }
    await inventory.append(entries, now);
  }
  return missing.length;
}

export interface BatchWriterOptions {
  /** The CA directory (its inventory). */
  dir: string;
  outDir: string;
  keyType: KeyType;
  /** The PKCS#12 password manifest, with --p12. */
  manifestPath?: string | undefined;
  /** The manifest exists already (its header was written). */
  manifestStarted: boolean;
  /** Entries whose existing files are replaced (--force). */
  replaces: (name: string) => boolean;
  inventory: InventoryAppender;
  clock: () => Date;
}

/**
 * Writes groups of issued entries: the PKCS#12 passwords first (a .p12
 * never exists without its manifest line), the batch journal, then every
 * entry's files as one chunk of sets (io/files.ts writeFileSets), then their
 * inventory records (after the files: an entry never describes a
 * certificate that is not there). Counts what it wrote.
 */
export function createBatchWriter(o: BatchWriterOptions): { commit(group: BatchEntry[]): Promise<void>; issued(): number; repaired(): number } {
  let manifestStarted = o.manifestStarted;
  let issued = 0;
  let repaired = 0;
  let factsChecked = false;

  const filesOf = (e: BatchEntry): PlannedFile[] => {
    const p = batchPaths(o.outDir, e.name);
    const files: PlannedFile[] = [
      { path: p.cert, data: e.certPem, mode: 0o644, kind: 'certificate' },
      { path: p.key, data: e.keyPem, mode: 0o600, kind: 'private-key' },
    ];
    if (e.p12) files.push({ path: p.p12, data: e.p12, mode: 0o600, kind: 'pkcs12' });
    return files;
  };

  /** The inventory entry of a batch certificate, from the builder's facts (no certificate parsed; the first one checked against a parse). */
  const inventoryEntry = (e: BatchEntry, now: Date): InventoryEntry => {
    const p = batchPaths(o.outDir, e.name);
    const params = { name: e.name, files: entryFiles(o.dir, p.cert, p.key), source: 'batch' as const, now, days: e.req.days };
    const entry = buildEntryFromFacts(
      builtLeafFacts({ der: e.der, subject: e.req.subject, subjectDer: e.subjectDer, serial: e.serial, notBefore: e.notBefore, notAfter: e.notAfter, sans: e.req.sans, server: e.req.server, client: e.req.client, keyType: o.keyType }),
      params,
    );
    if (!factsChecked) {
      const parsed = buildEntry(parseCertificates(e.der, p.cert)[0]!, params);
      if (JSON.stringify(parsed) !== JSON.stringify(entry)) throw new Error(`issue --batch: the inventory entry built for ${e.name} differs from its certificate's`);
      factsChecked = true;
    }
    return entry;
  };

  const commit = async (group: BatchEntry[]): Promise<void> => {
    if (o.manifestPath !== undefined) {
      await appendDurably(o.manifestPath, (manifestStarted ? '' : MANIFEST_HEADER) + manifestLines(group, (name) => path.basename(batchPaths(o.outDir, name).p12)), 0o600);
      manifestStarted = true;
    }
    await appendBatchJournal(o.outDir, group);
    await writeFileSets(o.outDir, group.map((e) => ({ files: filesOf(e), force: o.replaces(e.name) })));
    repaired += group.filter((e) => o.replaces(e.name)).length;
    const now = o.clock();
    await o.inventory.append(group.map((e) => inventoryEntry(e, now)), now);
    issued += group.length;
  };
  return { commit, issued: () => issued, repaired: () => repaired };
}
