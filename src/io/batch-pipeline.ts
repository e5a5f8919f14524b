/**
 * The machinery of a run that makes thousands of certificates (issue --batch,
 * renew --all): worker threads that make them (io/batch-worker.ts: keys,
 * certificates, PKCS#12), and a pipeline that feeds the workers in chunks of
 * rows and hands what they made to the caller's commit in groups (each group
 * one chunk of sets through io/files.ts writeFileSets and one inventory
 * append), with backpressure: at most about 2 × MAX_COMMIT made entries wait
 * to be written, so memory stays flat whatever the count. Progress is
 * reported as data (done, total, rate); the caller renders it.
 */
import { createHash } from 'node:crypto';
import { opendir } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CA_DIR_FILES } from '../core/ca-dir.js';
import { issuerOf } from '../core/certificates.js';
import { inputError, operationError } from '../core/errors.js';
import { normalizeSerial } from '../core/inventory.js';
import { exportPrivateKeyDer } from '../core/keys.js';
import type { BatchJob, BatchResult, BatchWorkerInit } from '../core/batch-maker.js';
import type { BatchWorkerReply } from './batch-worker.js';
import { appendDurably, removeFile, writeFiles } from './files.js';
import type { LoadedCa } from './pki.js';
import { readInputFile, statIfExists } from './read.js';

export type { BatchEntry, BatchJob, BatchWorkerInit, RenewedLeaf, RenewJob } from '../core/batch-maker.js';
import type { BatchEntry } from '../core/batch-maker.js';

/** Something that makes jobs: the worker threads, or (a few jobs) this thread. */
export interface BatchMaker<J extends BatchJob, R extends BatchResult> {
  submit(jobs: J[]): Promise<R[]>;
}

/** Worker threads at most: each holds a V8 heap (about 10 MiB). */
export const MAX_WORKERS = 64;
/**
 * A worker's young generation (V8's default is about 16–32 MiB): a worker's
 * garbage is small and short-lived (a key, a certificate), so a small nursery
 * costs nothing in speed and keeps each worker's memory flat.
 */
const WORKER_YOUNG_MB = 4;
/** Rows handed to a worker at a time: amortises the message passing. */
export const CHUNK = 16;
/**
 * Entries written as one chunk (io/files.ts writeFileSets: one lock, one
 * journal, one flush): at least MIN_COMMIT unless the batch is ending, at most
 * MAX_COMMIT (three files each with --p12, within MAX_SET_FILES). The fixed
 * cost of a chunk (lock, journal, syncs: about 10 ms) is spread over them.
 */
export const MIN_COMMIT = 128;
export const MAX_COMMIT = 512;

export interface BatchProgress {
  done: number;
  total: number;
  /** Entries per second since the pipeline started. */
  perSecond: number;
  /** Seconds left at that rate. */
  etaSeconds: number;
}

/** A regular file's bytes, or undefined when there is none (anything else there is refused). */
export async function readIfExists(file: string, hint: string): Promise<Uint8Array | undefined> {
  const st = await statIfExists(file);
  if (st === undefined) return undefined;
  if (!st.isFile()) throw operationError('NOT_A_FILE', `${file} exists and is not a regular file`, hint);
  return readInputFile(file, 'file');
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * What every maker of a run is given (worker threads, or this thread): the
 * CA as a signer (core/certificates.ts issuerOf, which refuses a CA that
 * cannot sign), its intermediates, and how to make keys.
 */
export function batchWorkerInit(ca: LoadedCa, opts: Omit<BatchWorkerInit, 'issuer' | 'intermediates'>): BatchWorkerInit {
  const issuer = issuerOf(ca);
  return {
    issuer: { nameDer: issuer.nameDer, keyId: issuer.keyId, notAfter: issuer.notAfter.getTime(), keyDer: exportPrivateKeyDer(ca.key) },
    intermediates: ca.intermediates.map((c) => new Uint8Array(c.rawData)),
    ...opts,
  };
}

/** A pool of worker threads, each answering chunks of jobs in order of arrival. */
export function createBatchPool<J extends BatchJob, R extends BatchResult>(size: number, init: BatchWorkerInit): BatchMaker<J, R> & { close(): Promise<unknown> } {
  const url = new URL('./batch-worker.js', import.meta.url);
  const waiting = new Map<number, { resolve: (e: R[]) => void; reject: (e: Error) => void }>();
  let seq = 0;
  let next = 0;
  const workers = Array.from({ length: size }, () => {
    const w = new Worker(url, { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } });
    w.on('message', (m: BatchWorkerReply) => {
      const p = waiting.get(m.seq);
      waiting.delete(m.seq);
      if ('error' in m) {
        const e = new Error(m.error.message);
        if (m.error.stack) e.stack = m.error.stack;
        p?.reject(e);
      } else p?.resolve(m.entries as R[]);
    });
    const failAll = (e: Error) => {
      for (const p of waiting.values()) p.reject(e);
      waiting.clear();
    };
    w.on('error', failAll);
    w.on('exit', (code) => {
      if (code !== 0) failAll(new Error(`a batch worker thread stopped (exit code ${code})`));
    });
    return w;
  });
  return {
    submit(jobs: J[]): Promise<R[]> {
      const id = seq++;
      const w = workers[next++ % workers.length]!;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        w.postMessage({ seq: id, jobs });
      });
    },
    close: () => Promise.all(workers.map((w) => w.terminate())),
  };
}

/** How many worker threads for `count` jobs: one per core (or --workers), never more than there are chunks. */
export function poolSize(count: number, workers: number): number {
  return Math.min(workers, Math.ceil(count / CHUNK));
}

/** Checks a --workers value (1 to MAX_WORKERS). */
export function checkWorkers(workers: number | undefined): void {
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS)) {
    throw inputError('BAD_WORKERS', `invalid --workers "${workers}"`, `pass a whole number from 1 to ${MAX_WORKERS}`);
  }
}

/**
 * Makes every job of `jobs` on the pool and commits what was made in groups
 * of MIN_COMMIT to MAX_COMMIT entries, in order of completion. A commit that
 * fails stops the run: what was committed before stays committed, nothing
 * after it is written, and the error is thrown once the workers are idle.
 */
export async function runBatchPipeline<J extends BatchJob, R extends BatchResult>(opts: {
  jobs: AsyncIterable<J> | Iterable<J>;
  /** Jobs to expect (for progress). */
  total: number;
  pool: BatchMaker<J, R>;
  commit: (group: R[]) => Promise<void>;
  onProgress?: ((p: BatchProgress) => void) | undefined;
}): Promise<void> {
  const { pool, total } = opts;
  let failure: unknown;
  let chunksInFlight = 0;
  let done = 0;
  const replies = new Set<Promise<void>>();
  /** Entries made by the workers, waiting to be written: at most about 2 × MAX_COMMIT (backpressure in dispatch). */
  const ready: R[] = [];
  let writer: Promise<void> | undefined;
  let lastProgress = 0;
  const started = Date.now();
  /** Wakes the reading loop when a reply arrives or a commit ends. */
  let notify: (() => void) | undefined;
  const changed = () => {
    const n = notify;
    notify = undefined;
    n?.();
  };

  const progress = () => {
    const now = Date.now();
    if (now - lastProgress < 100 && done !== total) return;
    lastProgress = now;
    const perSecond = done / Math.max((now - started) / 1000, 0.001);
    opts.onProgress?.({ done, total, perSecond, etaSeconds: Math.ceil((total - done) / Math.max(perSecond, 0.001)) });
  };

  const commit = async (group: R[]): Promise<void> => {
    await opts.commit(group);
    done += group.length;
    progress();
  };

  const startWriter = () => {
    if (writer !== undefined || failure !== undefined || ready.length < MIN_COMMIT) return;
    writer = (async () => {
      while (failure === undefined && ready.length >= MIN_COMMIT) await commit(ready.splice(0, MAX_COMMIT));
    })()
      .catch((e: unknown) => {
        failure ??= e;
      })
      .finally(() => {
        writer = undefined;
        changed();
        startWriter();
      });
  };

  const dispatch = async (chunk: J[]) => {
    while (failure === undefined && chunksInFlight * CHUNK + ready.length >= 2 * MAX_COMMIT) {
      await new Promise<void>((r) => (notify = r));
    }
    if (failure !== undefined) return;
    chunksInFlight++;
    const reply = pool.submit(chunk).then(
      (entries) => {
        chunksInFlight--;
        ready.push(...entries);
        startWriter();
        changed();
      },
      (e: unknown) => {
        chunksInFlight--;
        failure ??= e;
        changed();
      },
    );
    replies.add(reply);
    void reply.finally(() => replies.delete(reply));
  };

  try {
    let pending: J[] = [];
    for await (const job of opts.jobs) {
      if (failure !== undefined) break;
      pending.push(job);
      if (pending.length === CHUNK) {
        await dispatch(pending);
        pending = [];
      }
    }
    if (pending.length > 0 && failure === undefined) await dispatch(pending);
    while (replies.size > 0) await Promise.all(replies);
    while (writer !== undefined) await writer;
    while (failure === undefined && ready.length > 0) await commit(ready.splice(0, MAX_COMMIT));
  } finally {
    // What is written is recorded chunk by chunk: a failure part-way leaves no written entry unrecorded by this run.
    await Promise.allSettled(replies);
    while (writer !== undefined) await writer.catch(() => {});
  }
  if (failure !== undefined) throw failure;
}

/** The manifest of PKCS#12 passwords (issue --batch --p12), in OUT: name, password, file, SHA-256 of the file. */
export const P12_MANIFEST = CA_DIR_FILES.p12Manifest;
export const MANIFEST_HEADER = '# regcert issue --batch --p12: one line per PKCS#12 file (the last line for a name wins)\n# name\tpassword\tfile\tsha256\n';
/** The manifest is read whole on a rerun: bound it (about 200 bytes a line). */
const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

/** The manifest's lines for made entries (those with a .p12). */
export function manifestLines(group: readonly BatchEntry[], p12File: (name: string) => string): string {
  return group.map((e) => `${e.name}\t${e.password}\t${p12File(e.name)}\t${sha256Hex(e.p12!)}\n`).join('');
}

/** name → SHA-256 of its .p12, the last line for a name winning. */
export async function readManifest(file: string): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  const data = await readIfExists(file, 'remove it or choose another --out-dir');
  if (!data) return map;
  if (data.byteLength > MAX_MANIFEST_BYTES) throw inputError('MANIFEST_TOO_BIG', `${file} is larger than ${MAX_MANIFEST_BYTES} bytes`, 'move it away and run again with --force');
  for (const line of Buffer.from(data).toString('utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [name, , , sha] = line.split('\t');
    if (name && sha) map.set(name, sha);
  }
  return map;
}

/**
 * One pass over OUT: which names have a .crt, .key or .p12 there (lower case:
 * a prefilter, so a first run makes no per-row lookups).
 */
export async function scanOutDir(outDir: string): Promise<Set<string>> {
  const present = new Set<string>();
  let dir;
  try {
    dir = await opendir(outDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return present;
    throw e;
  }
  for await (const entry of dir) {
    const m = /^(.+)\.(crt|key|p12)$/.exec(entry.name);
    if (m) present.add(m[1]!.toLowerCase());
  }
  return present;
}

/**
 * OUT's batch journal: one line "serial<TAB>name" per entry, appended (synced)
 * before the entry's files are written. It says which certificates a batch
 * made but may not have recorded yet (a kill between the files and the
 * inventory): those, with the inventory's batch entries, are the only ones a
 * rerun may take as its own. Lines whose serial the inventory holds are
 * dropped at the end of a run.
 */
export const BATCH_JOURNAL = '.regcert-batch-journal';

/** Appends (synced) the journal lines of made entries, before their files are written. */
export async function appendBatchJournal(outDir: string, group: readonly BatchEntry[]): Promise<void> {
  await appendDurably(path.join(outDir, BATCH_JOURNAL), group.map((e) => `${normalizeSerial(e.serial)}\t${e.name}\n`).join(''), 0o600);
}

/** The serials in OUT's batch journal (bounded read); empty when there is none. */
export async function readBatchJournal(outDir: string): Promise<Set<string>> {
  const file = path.join(outDir, BATCH_JOURNAL);
  const data = await readIfExists(file, 'remove it or choose another --out-dir');
  const serials = new Set<string>();
  if (!data) return serials;
  if (data.byteLength > MAX_MANIFEST_BYTES) throw inputError('JOURNAL_TOO_BIG', `${file} is larger than ${MAX_MANIFEST_BYTES} bytes`, 'move it away; entries it vouched for are then refused until --force');
  for (const line of Buffer.from(data).toString('utf8').split('\n')) {
    const serial = line.split('\t')[0];
    if (serial) serials.add(serial);
  }
  return serials;
}

/**
 * After a run that completed every row: drops the journal lines whose serials
 * the inventory now records, and those of this run's names (each is complete
 * and recorded now; a line of a killed run for an entry never written is
 * moot). The journal is removed when no line is left.
 */
export async function pruneBatchJournal(outDir: string, recorded: ReadonlySet<string>, names: ReadonlySet<string>): Promise<void> {
  const file = path.join(outDir, BATCH_JOURNAL);
  const data = await readIfExists(file, 'remove it or choose another --out-dir');
  if (!data) return;
  const keep = Buffer.from(data).toString('utf8').split('\n').filter((l) => {
    const [serial, name] = l.split('\t');
    return l !== '' && !recorded.has(serial!) && !names.has((name ?? '').toLowerCase());
  });
  if (keep.length === 0) await removeFile(file);
  else await writeFiles([{ path: file, data: keep.map((l) => `${l}\n`).join(''), mode: 0o600, kind: 'other' }], { force: true });
}
