/**
 * A worker thread of `issue --batch` and `renew --all` (io/batch-pipeline.ts
 * runs the pool): it makes the jobs it is sent (core/batch-maker.ts) and
 * answers with what it made. No file I/O: the main thread writes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createBatchMaker, makeJob, type BatchJob, type BatchResult, type BatchWorkerInit } from '../core/batch-maker.js';
import { buildPkcs12 } from '../core/pkcs12.js';

export type BatchWorkerReply = { seq: number; entries: BatchResult[] } | { seq: number; error: { message: string; stack?: string | undefined } };

const maker = createBatchMaker(workerData as BatchWorkerInit, buildPkcs12);

parentPort!.on('message', (msg: { seq: number; jobs: BatchJob[] }) => {
  try {
    parentPort!.postMessage({ seq: msg.seq, entries: msg.jobs.map((j) => makeJob(maker, j)) } satisfies BatchWorkerReply);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    parentPort!.postMessage({ seq: msg.seq, error: { message: err.message, stack: err.stack } } satisfies BatchWorkerReply);
  }
});
