/**
 * A worker thread of `inspect`: parses and describes a share of many
 * certificate blocks (core/inspect.ts inspectCertificateDer, as the main thread
 * does for its share) and answers once with their facts, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { inspectCertificateDer } from '../core/inspect.js';

const { ders, now } = workerData as { ders: Uint8Array<ArrayBuffer>[]; now: number };
parentPort?.postMessage(ders.map((d) => inspectCertificateDer(d, new Date(now))));
