/**
 * What every trust store file (src/truststores/<store>.ts) exports, as
 * mkcert's truststore_<os>.go do: `id`, `label`, `install` and `uninstall`
 * with these types. Each store records what it adds under a name derived
 * from the CA's fingerprint (`anchorName`), so --uninstall finds exactly
 * what it added and never removes anything else.
 */
import type { Certificate } from '../core/certificates.js';

export const STORE_IDS = ['debian', 'rhel', 'suse', 'alpine', 'nss', 'java', 'macos', 'windows'] as const;
export type StoreId = (typeof STORE_IDS)[number];

/** The CA being trusted, in every form a store needs. */
export interface TrustAnchor {
  cert: Certificate;
  /** One PEM block, LF line ends, 64-column base64. */
  pem: string;
  der: Uint8Array;
  /** SHA-256 of the DER, lower-case hex. */
  sha256: string;
  /** SHA-1 of the DER, upper-case hex (macOS `security -Z`). */
  sha1: string;
  /** "regcert-" + the first 16 hex digits of the SHA-256: file stem, NSS nickname, Java alias. */
  anchorName: string;
  /** The CA file as given, for printed commands. */
  file: string;
}

export interface StoreOptions {
  dryRun: boolean;
  /** NSS databases (folders holding cert9.db); default: ~/.pki/nssdb and Firefox profiles. */
  nssDbs?: string[] | undefined;
  /** A Java cacerts keystore; default: the JDK's. */
  javaCacerts?: string | undefined;
  /** Its store password (the JDK's default is "changeit"). */
  javaPassword?: string | undefined;
  /** Explicitly chosen store (its absence is an error) or part of --store all (its absence is reported and skipped). */
  explicit: boolean;
}

export type StoreAction = 'added' | 'removed' | 'unchanged' | 'absent' | 'would-add' | 'would-remove' | 'manual' | 'skipped';

/** One change (or non-change) in one place, as the command reports it. */
export interface StoreChange {
  store: StoreId;
  /** The file, database or keystore concerned. */
  target: string;
  action: StoreAction;
  detail: string;
  /** Commands run (or, for manual and dry runs, to run). */
  commands: string[];
}

export interface TrustStoreModule {
  id: StoreId;
  label: string;
  install(anchor: TrustAnchor, opts: StoreOptions): Promise<StoreChange[]>;
  uninstall(anchor: TrustAnchor, opts: StoreOptions): Promise<StoreChange[]>;
}
