/** Renderers shared by the commands: files written, the certificate, warnings, the next step. */
import type { CertificateSummary } from '../core/describe.js';
import { EXPIRY_WARNING_DAYS } from '../core/defaults.js';
import { daysUntil } from '../core/time.js';
import type { BatchProgress } from '../io/batch-pipeline.js';
import type { WrittenFile } from '../io/files.js';
import type { Out } from './output.js';

const KIND_LABEL: Record<string, string> = {
  'ca-certificate': 'CA certificate',
  'ca-key': 'CA private key',
  'ca-chain': 'CA chain',
  certificate: 'certificate',
  'private-key': 'private key',
  pkcs12: 'PKCS#12',
  password: 'password',
  'client-certificate': 'client certificate',
  'client-key': 'client key',
  'ca-bundle': 'CA certificate',
  config: 'configuration',
  other: 'file',
};

/** The width of the longest of `values`, at least `min`: a loop, where Math.max(...values) overflows the stack past ~120,000 values (list of a pool). */
export function widest(values: readonly string[], min = 0): number {
  let w = min;
  for (const v of values) if (v.length > w) w = v.length;
  return w;
}

export function renderFiles(out: Out, files: WrittenFile[]): void {
  const width = widest(files.map((f) => f.path), 4);
  for (const f of files) {
    const status = f.status === 'unchanged' ? out.style.dim(' (unchanged)') : f.status === 'planned' ? out.style.dim(' (would write)') : '';
    out.line(`  ${f.path.padEnd(width)}  ${f.mode}  ${KIND_LABEL[f.kind] ?? f.kind}${status}`);
  }
}

export function renderCertificate(out: Out, c: CertificateSummary): void {
  const s = out.style;
  const rows: [string, string][] = [
    ['subject', c.subject],
    ['issuer', c.issuer],
  ];
  if (c.sans.length) rows.push(['SANs', c.sans.join(', ')]);
  if (c.ekus.length) rows.push(['EKUs', c.ekus.join(', ')]);
  rows.push(['key', c.keyType]);
  rows.push(['expires', `${c.notAfter.slice(0, 10)} (${daysUntil(c.notAfter)} days)`]);
  rows.push(['serial', c.serial]);
  rows.push(['sha256', c.sha256]);
  for (const [k, v] of rows) out.line(`  ${s.dim(k.padEnd(8))} ${v}`);
}

/** The next steps; to stderr (`note`) when stdout carries a document of its own. */
export function renderNext(out: Out, next: string[], opts: { to?: 'stdout' | 'stderr' } = {}): void {
  if (next.length === 0) return;
  if (opts.to === 'stderr') {
    out.note(out.style.bold('Next:'));
    for (const n of next) out.note(`  ${n}`);
    return;
  }
  out.line();
  out.line(out.style.bold('Next:'));
  for (const n of next) out.line(`  ${out.style.cyan(n)}`);
}

/** A days-left value coloured as regcert shows expiry: red once expired, yellow within EXPIRY_WARNING_DAYS, else green. */
export function daysLeftStyle(out: Out, text: string, daysLeft: number, expired: boolean): string {
  const s = out.style;
  return expired || daysLeft < 0 ? s.red(text) : daysLeft <= EXPIRY_WARNING_DAYS ? s.yellow(text) : s.green(text);
}


/** Warnings go to stderr (out.note), one a line, after the result. */
export function renderWarnings(out: Out, warnings: readonly string[]): void {
  for (const w of warnings) out.note(`${out.style.yellow(out.style.warn)} warning: ${w}`);
}

/** A run of thousands (issue --batch, renew --all): a bar, the count, the rate and the time left. */
export function formatBatchProgress(p: BatchProgress): string {
  const width = 24;
  const filled = Math.round((p.done / Math.max(p.total, 1)) * width);
  const eta = p.etaSeconds;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total}  ${Math.round(p.perSecond)}/s  ETA ${Math.floor(eta / 60)}:${String(eta % 60).padStart(2, '0')}`;
}
