/**
 * The files a CA directory holds for itself, and the one rule that keeps
 * certificate NAMEs away from them. `issue NAME`, every row of `issue
 * --batch`, `renew` (the paths its inventory names), `export --client` and
 * `config token-auth --cert` all go through reservedNameError, so no NAME —
 * not even with --force — can make NAME.crt/NAME.key land on the CA's key,
 * its certificate, its chain, its inventory or its CRL. Pure.
 */
import { CRL_FILE } from './defaults.js';
import { inputError, type RegcertError } from './errors.js';

/** What init-ca, crl, revoke and issue --batch keep in DIR, by role. */
export const CA_DIR_FILES = {
  caCertificate: 'ca.crt',
  caKey: 'ca.key',
  caChain: 'ca-chain.crt',
  inventory: 'inventory.jsonl',
  crl: CRL_FILE,
  /** The last CRL number, hex, as openssl's crlnumber file. */
  crlNumber: 'crlnumber',
  /** issue --batch --p12: name, password, file, SHA-256. */
  p12Manifest: 'p12-passwords.tsv',
} as const;

const RESERVED_FILES: ReadonlySet<string> = new Set(Object.values(CA_DIR_FILES));
/** The names before the extension: "ca", "ca-chain", "inventory", "crl", "crlnumber", "p12-passwords". */
const RESERVED_STEMS: ReadonlySet<string> = new Set(Object.values(CA_DIR_FILES).map((f) => f.replace(/\..*$/, '')));

/**
 * Why NAME may not be a certificate name, or undefined when it may. Case
 * does not matter (CA.crt is ca.crt on a case-insensitive disk).
 */
export function reservedNameReason(name: string): string | undefined {
  const n = name.toLowerCase();
  if (RESERVED_STEMS.has(n) || RESERVED_FILES.has(n)) {
    return `"${name}" is reserved: the CA directory keeps its own ${[...RESERVED_FILES].join(', ')} there`;
  }
  return undefined;
}

/** The error for a reserved NAME (exit 2), naming where it came from. */
export function reservedNameError(name: string, where = 'NAME'): RegcertError | undefined {
  const reason = reservedNameReason(name);
  if (reason === undefined) return undefined;
  return inputError('RESERVED_NAME', `${where} ${reason}`, 'choose another certificate name (e.g. "ca-client" or the user\'s name)');
}

/**
 * Whether a base name is exactly one of the files a CA directory keeps for
 * itself (ca.key, ca.crt, inventory.jsonl, crl.pem, …). In a directory that
 * holds a CA key, only the CA's own writers (init-ca, the inventory and CRL
 * writers) may write these; io/files.ts refuses every other writer, --force
 * or not, so `to-p12 --out pki/ca.key --force` cannot replace the CA key.
 */
export function isCaDirOwnFile(baseName: string): boolean {
  return RESERVED_FILES.has(baseName.toLowerCase());
}

/** Whether a file (by its base name) is one of the CA directory's own: a write of a certificate or key there is refused. */
export function isCaDirFile(baseName: string): boolean {
  return RESERVED_FILES.has(baseName.toLowerCase()) || reservedNameReason(baseName.replace(/\.(crt|pem|cer|key|p12)$/i, '')) !== undefined;
}
