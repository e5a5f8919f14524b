/**
 * PEM and DER: reading tolerates CRLF, text around the blocks (as
 * `openssl x509 -text` writes) and several blocks; writing is canonical
 * (64-column base64, LF line endings).
 */
import { MAX_PEM_BLOCKS } from './defaults.js';
import { inputError } from './errors.js';

export interface PemBlock {
  /** The label between BEGIN and END, e.g. "CERTIFICATE". */
  label: string;
  /** RFC 1421 headers (Proc-Type, DEK-Info) of traditional encrypted keys. */
  headers: Record<string, string>;
  der: Uint8Array<ArrayBuffer>;
  /** The block exactly as found (normalised to LF), for libraries that want PEM text. */
  text: string;
}

const BEGIN = '-----BEGIN ';
/** The rest of a BEGIN line after "-----BEGIN ": the label, five dashes, the line end. */
const LABEL_AT = /([A-Z0-9 ]+)-----\n/y;

/** Counts "-----BEGIN " markers in linear time, stopping past `limit` (a string, or bytes as read). */
export function countPemBlocks(text: string | Uint8Array, limit: number): number {
  const data = typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
  let n = 0;
  for (let at = data.indexOf(BEGIN); at !== -1 && n <= limit; at = data.indexOf(BEGIN, at + BEGIN.length)) n++;
  return n;
}

/** Refuses a text with more than MAX_PEM_BLOCKS BEGIN markers before any block is parsed. */
function checkBlockCount(text: string, source: string): void {
  if (countPemBlocks(text, MAX_PEM_BLOCKS) > MAX_PEM_BLOCKS) {
    throw inputError(
      'PEM_TOO_MANY_BLOCKS',
      `${source} holds more than ${MAX_PEM_BLOCKS} PEM blocks (the cap on PEM blocks per file)`,
      'split the bundle into smaller files; a real CA bundle holds a few hundred certificates at most',
    );
  }
}

/**
 * Every PEM block in a text, in order. One pass over the text (linear in its
 * length, whatever it holds), at most MAX_PEM_BLOCKS blocks; a BEGIN line
 * without its END line or a block with broken base64 is an input error.
 */
export function parsePemBlocks(input: string, source = 'the file'): PemBlock[] {
  const text = input.replace(/\r\n?/g, '\n');
  checkBlockCount(text, source);
  const blocks: PemBlock[] = [];
  for (let at = text.indexOf(BEGIN); at !== -1; ) {
    LABEL_AT.lastIndex = at + BEGIN.length;
    const m = LABEL_AT.exec(text);
    if (!m) {
      at = text.indexOf(BEGIN, at + BEGIN.length); // "-----BEGIN " not followed by a label line: text
      continue;
    }
    const label = m[1] as string;
    const bodyStart = LABEL_AT.lastIndex;
    const endLine = `-----END ${label}-----`;
    const end = text.indexOf(endLine, bodyStart);
    if (end === -1) {
      throw inputError('BAD_PEM', `malformed PEM block "${label}" in ${source}: no "END ${label}" line`, 'check that the file was not truncated or edited');
    }
    const body = text.slice(bodyStart, end);
    const headers: Record<string, string> = {};
    let b64 = body;
    const split = body.indexOf('\n\n');
    if (split >= 0 && /^[A-Za-z-]+:/.test(body)) {
      for (const line of body.slice(0, split).split('\n')) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
      }
      b64 = body.slice(split + 2);
    }
    const clean = b64.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) {
      throw inputError('BAD_PEM', `malformed PEM block "${label}" in ${source}: invalid base64`, 'check that the file was not truncated or edited');
    }
    const next = end + endLine.length;
    blocks.push({ label, headers, der: new Uint8Array(Buffer.from(clean, 'base64')), text: text.slice(at, next) });
    at = text.indexOf(BEGIN, next);
  }
  return blocks;
}

export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** True when the bytes look like a DER SEQUENCE (what a certificate, key or CSR is). */
export function looksLikeDer(data: Uint8Array): boolean {
  return data.length > 2 && data[0] === 0x30;
}

/** True when the bytes contain a PEM BEGIN marker anywhere (one linear search of the whole input). */
export function looksLikePem(data: Uint8Array): boolean {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).includes(BEGIN);
}

/**
 * The blocks with one of the given labels from a file's bytes, accepting a
 * single DER object when the file is not PEM (it is then labelled derLabel).
 */
export function readBlocks(data: Uint8Array, labels: string[], derLabel: string, source = 'the file'): PemBlock[] {
  if (looksLikePem(data)) {
    return parsePemBlocks(Buffer.from(data).toString('utf8'), source).filter((b) => labels.includes(b.label));
  }
  if (looksLikeDer(data)) {
    return [{ label: derLabel, headers: {}, der: new Uint8Array(data), text: toPem(derLabel, data) }];
  }
  return [];
}
