/**
 * PEM and DER: reading tolerates CRLF, text around the blocks (as
 * `openssl x509 -text` writes) and several blocks; writing is canonical
 * (64-column base64, LF line endings).
 */
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

const BLOCK_RE = /-----BEGIN ([A-Z0-9 ]+)-----\n([\s\S]*?)-----END \1-----/g;

export function parsePemBlocks(input: string): PemBlock[] {
  const text = input.replace(/\r\n?/g, '\n');
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK_RE)) {
    const label = m[1] as string;
    const body = m[2] as string;
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
      throw inputError('BAD_PEM', `malformed PEM block "${label}": invalid base64`, 'check that the file was not truncated or edited');
    }
    blocks.push({ label, headers, der: new Uint8Array(Buffer.from(clean, 'base64')), text: m[0] });
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

/** True when the bytes contain a PEM BEGIN line. */
export function looksLikePem(data: Uint8Array): boolean {
  return Buffer.from(data.subarray(0, Math.min(data.length, 1 << 20))).toString('latin1').includes('-----BEGIN ');
}

/**
 * The blocks with one of the given labels from a file's bytes, accepting a
 * single DER object when the file is not PEM (it is then labelled derLabel).
 */
export function readBlocks(data: Uint8Array, labels: string[], derLabel: string): PemBlock[] {
  if (looksLikePem(data)) {
    return parsePemBlocks(Buffer.from(data).toString('utf8')).filter((b) => labels.includes(b.label));
  }
  if (looksLikeDer(data)) {
    return [{ label: derLabel, headers: {}, der: new Uint8Array(data), text: toPem(derLabel, data) }];
  }
  return [];
}
