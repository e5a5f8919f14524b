/**
 * `regcert issue --batch FILE`: one certificate and key per row of a CSV or
 * JSON-lines file, signed by the CA in --dir.
 *
 * Pass 1 streams the file and checks every row with the rules `issue NAME`
 * uses (core/batch-rows.ts), and every target: nothing is generated or
 * written when a row is bad (exit 2, naming its line) or a file that is not
 * ours is in the way (exit 1). Pass 2 streams the file again and hands the
 * rows to worker threads (one per core: key, certificate, PKCS#12), while
 * this thread writes the entries in chunks of sets through writeFileSets
 * (temporary files, one flush, one journal, renames) and appends their
 * inventory records. Memory stays flat: rows are never all held, and at most
 * a few chunks of entries wait to be written.
 *
 * Rerun after an interruption (or again), complete entries a batch made
 * (its journal or the inventory says so; the certificate issued by this CA,
 * the matching key, and with --p12 the .p12 whose SHA-256 the manifest
 * records) are skipped; any other file in the way refuses the whole batch
 * (exit 2 naming the row) unless --force (core/batch-rows.ts batchEntryState).
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { batchEntryState, createBatchParser, MAX_BATCH_LINE, parseBatchLine, type BatchDefaults, type BatchRequest } from '../core/batch-rows.js';
import { assertCanIssue, type Usage } from '../core/chain.js';
import { DEFAULT_KEY_TYPE, DEFAULT_LEAF_DAYS, DEFAULT_PKI_DIR } from '../core/defaults.js';
import { inputError } from '../core/errors.js';
import { parseKeyType } from '../core/keys.js';
import { validateDays } from '../core/cert-builder.js';
import { batchWorkerInit, checkWorkers, createBatchPool, P12_MANIFEST, poolSize, pruneBatchJournal, readBatchJournal, readManifest, runBatchPipeline, scanOutDir, type BatchEntry, type BatchWorkerInit } from '../io/batch-pipeline.js';
import { batchPaths, createBatchWriter, existingEntryFacts, recordCompleteEntries } from '../io/batch-out.js';
import { completeInterruptedWrites, pathExists, type FileKind } from '../io/files.js';
import { checkCaDirRoom, createInventoryAppender } from '../io/inventory.js';
import { readLines } from '../io/lines.js';
import { readCa, type LoadedCa } from '../io/pki.js';
import type { CommandContext } from './context.js';

export interface IssueBatchOptions {
  batch: string;
  dir?: string | undefined;
  outDir?: string | undefined;
  keyType?: string | undefined;
  days?: number | undefined;
  org?: string | undefined;
  ou?: string | undefined;
  country?: string | undefined;
  /** false (--no-name-san): server rows do not get their NAME as a SAN. */
  nameSan?: boolean | undefined;
  p12?: boolean | undefined;
  caPasswordFile?: string | undefined;
  caPasswordEnv?: string | undefined;
  force?: boolean | undefined;
  /** Worker threads (default: one per core). */
  workers?: number | undefined;
}

export interface BatchFileSummary {
  /** The pattern of the files, e.g. out/<name>.crt (one per entry). */
  path: string;
  kind: FileKind;
  mode: string;
  count: number;
}

export interface IssueBatchResult {
  command: 'issue';
  batch: string;
  format: 'csv' | 'jsonl';
  /** Rows in the file. */
  rows: number;
  /** Entries issued by this run (new, and incomplete ones issued again). */
  issued: number;
  /** Of those, entries whose existing files were replaced (--force). */
  repaired: number;
  /** Complete entries from an earlier run, left as they were. */
  skipped: number;
  /** Of those, entries an interrupted run had written but not yet recorded in the CA's inventory (recorded now). */
  recorded: number;
  outDir: string;
  files: BatchFileSummary[];
  /** The PKCS#12 password manifest (0600), with --p12. */
  manifest: string | null;
  workers: number;
  elapsedSeconds: number;
  /** Entries issued per second. */
  perSecond: number;
  next: string[];
}

/** Rows per file: a million client certificates is far beyond any pool; a bigger file is a mistake. */
const MAX_BATCH_ROWS = 1_000_000;
type EntryState = 'new' | 'complete' | 'replace';

export async function issueBatch(opts: IssueBatchOptions, ctx: CommandContext): Promise<IssueBatchResult> {
  const started = Date.now();
  const dir = opts.dir ?? DEFAULT_PKI_DIR;
  const outDir = opts.outDir ?? dir;
  const keyType = parseKeyType(opts.keyType ?? DEFAULT_KEY_TYPE);
  const defaults: BatchDefaults = { days: validateDays(opts.days ?? DEFAULT_LEAF_DAYS), org: opts.org, ou: opts.ou, country: opts.country, nameSan: opts.nameSan };
  const p12 = opts.p12 === true;
  const force = opts.force === true;
  const manifestPath = path.join(outDir, P12_MANIFEST);
  checkWorkers(opts.workers);
  const workerCount = opts.workers ?? Math.max(1, availableParallelism());
  const what = opts.batch;
  const rows = async function* () {
    const parser = createBatchParser();
    for await (const { line, no } of readLines(opts.batch, { maxLine: MAX_BATCH_LINE, maxLines: MAX_BATCH_ROWS + 1, what })) {
      const req = parseBatchLine(parser, line, `${what} line ${no}`, defaults);
      if (req) yield { req, no, format: parser.format! };
    }
  };

  // Pass 1: every row valid, no name twice, nothing foreign in the way. Nothing is generated yet.
  ctx.progress?.(`checking ${what}`);
  const ca: LoadedCa = await readCa(dir, { file: opts.caPasswordFile, env: opts.caPasswordEnv }, ctx);
  const init: BatchWorkerInit = batchWorkerInit(ca, { keyType, p12 });
  const manifest = p12 ? await readManifest(manifestPath) : new Map<string, string>();
  const manifestStarted = await pathExists(manifestPath);
  // A killed run may have left a chunk's journal (completed first, so every entry is whole when
  // looked at) and temporary files (removed), under OUT's lock as every writer does.
  await completeInterruptedWrites(outDir, { temporaries: true });
  const present = await scanOutDir(outDir);
  const seen = new Set<string>();
  /** Entries that pass 1 found on disk (complete or to redo); the rest are new. */
  const known = new Map<string, EntryState>();
  /** Serials of the complete entries (name → serial): those missing from the inventory are recorded before pass 2. */
  const completeSerials = new Map<string, string>();
  let total = 0;
  let toIssue = 0;
  let format: 'csv' | 'jsonl' = 'csv';
  const inventory = createInventoryAppender(dir);
  /** Serials a batch made (OUT's journal, the inventory's batch entries): read once, when the first row finds files. */
  let batchMade: Set<string> | undefined;
  const madeByBatch = async (): Promise<(serial: string) => boolean> => {
    batchMade ??= new Set([...(await readBatchJournal(outDir)), ...(await inventory.recordedByBatch())]);
    const made = batchMade;
    return (serial) => made.has(serial);
  };
  const usages = new Set<Usage>();
  for await (const { req, no, format: f } of rows()) {
    format = f;
    if (req.server) usages.add('serverAuth');
    if (req.client) usages.add('clientAuth');
    // Two names that differ only in case would be one file on a case-insensitive disk.
    const key = req.name.toLowerCase();
    if (seen.has(key)) throw inputError('DUPLICATE_NAME', `${what} line ${no}: the name "${req.name}" appears twice`, 'every row needs its own name (it is the file name)');
    seen.add(key);
    total++;
    const decision = present.has(key) ? batchEntryState(await existingEntryFacts(req.name, outDir, ca.cert, p12, manifest, await madeByBatch()), { p12, force }) : { state: 'new' as const };
    if (decision.state === 'refuse') {
      const file = batchPaths(outDir, req.name)[decision.file];
      throw inputError('FILE_EXISTS', `${what} line ${no}: ${file} ${decision.why}`, 'pass --force to replace it (a new key and certificate), drop the row, or choose another --out-dir', { details: { path: file } });
    }
    if (decision.state !== 'new') known.set(req.name, decision.state);
    if (decision.state === 'complete') completeSerials.set(req.name, decision.serial);
    else toIssue++;
  }
  if (total === 0) throw inputError('EMPTY_BATCH', `${what} has no rows`, 'one row per certificate after the header name,sans,profile,days');
  await assertCanIssue(ca.chain, [...usages], dir, ctx.now);

  // Every load of the inventory scans the CA directory's certificate files: a pool written there may not pass the limit.
  if (path.resolve(outDir) === path.resolve(dir)) await checkCaDirRoom(dir, toIssue - [...known.values()].filter((s) => s === 'replace').length);

  // Complete entries a killed run wrote but had not recorded yet are recorded now.
  const clock = () => ctx.now ?? new Date();
  const recordedLate = await recordCompleteEntries(inventory, dir, outDir, completeSerials, clock);
  completeSerials.clear();

  // Pass 2: issue what is missing, on every core, writing each entry as a set.
  const workers = toIssue > 0 ? poolSize(toIssue, workerCount) : 0;
  let skipped = 0;
  const writer = createBatchWriter({ dir, outDir, keyType, manifestPath: p12 ? manifestPath : undefined, manifestStarted, replaces: (name) => known.get(name) === 'replace', inventory, clock });

  async function* jobs(): AsyncGenerator<BatchRequest> {
    let seenRows = 0;
    for await (const { req, no } of rows()) {
      if (++seenRows > total) throw inputError('BATCH_CHANGED', `${what} changed while it was being issued (line ${no})`, 'run again: complete entries are skipped');
      if ((known.get(req.name) ?? 'new') === 'complete') {
        skipped++;
        continue;
      }
      yield req;
    }
  }

  if (workers > 0) {
    const pool = createBatchPool<BatchRequest, BatchEntry>(workers, init);
    try {
      await runBatchPipeline({ jobs: jobs(), total: toIssue, pool, commit: writer.commit, onProgress: ctx.batchProgress });
    } finally {
      await pool.close();
    }
  } else {
    for await (const job of jobs()) throw new Error(`issue --batch: ${job.name} was to be skipped`);
  }
  await pruneBatchJournal(outDir, await inventory.recorded(), seen);

  const issued = writer.issued();
  const elapsedSeconds = (Date.now() - started) / 1000;
  const files: BatchFileSummary[] = [
    { path: path.join(outDir, '<name>.crt'), kind: 'certificate', mode: '0644', count: issued },
    { path: path.join(outDir, '<name>.key'), kind: 'private-key', mode: '0600', count: issued },
  ];
  if (p12) files.push({ path: path.join(outDir, '<name>.p12'), kind: 'pkcs12', mode: '0600', count: issued });
  return {
    command: 'issue',
    batch: what,
    format,
    rows: total,
    issued,
    repaired: writer.repaired(),
    skipped,
    recorded: recordedLate,
    outDir,
    files,
    manifest: p12 ? manifestPath : null,
    workers,
    elapsedSeconds: Math.round(elapsedSeconds * 1000) / 1000,
    perSecond: Math.round(issued / Math.max(elapsedSeconds, 0.001)),
    next: [`regcert install-host registry.example.com --cert ${path.join(outDir, 'NAME.crt')} --key ${path.join(outDir, 'NAME.key')} --ca ${path.join(dir, 'ca.crt')}`],
  };
}
