/**
 * Which trust stores `trust-ca` changes: the machine's system store (picked
 * from the platform and /etc/os-release), NSS databases, Java's cacerts,
 * or any one store by its name.
 */
import { createHash } from 'node:crypto';
import { certificateToPem, type Certificate } from '../core/certificates.js';
import { inputError, operationError } from '../core/errors.js';
import { readPlacedFile } from '../io/store-files.js';
import * as alpine from './alpine.js';
import * as debian from './debian.js';
import * as java from './java.js';
import * as macos from './macos.js';
import * as nss from './nss.js';
import * as rhel from './rhel.js';
import * as suse from './suse.js';
import { STORE_IDS, type StoreId, type TrustAnchor, type TrustStoreModule } from './types.js';
import * as windows from './windows.js';

export const STORES: Record<StoreId, TrustStoreModule> = { debian, rhel, suse, alpine, nss, java, macos, windows };

export const STORE_CHOICES = ['system', 'nss', 'java', 'all', ...STORE_IDS] as const;

/**
 * The system store for a platform and the text of its /etc/os-release
 * (ID, then each ID_LIKE, as systemd's os-release(5) asks). Pure.
 */
export function detectSystemStore(platform: string, osRelease: string | undefined): StoreId | undefined {
  if (platform === 'darwin') return 'macos';
  if (platform === 'win32') return 'windows';
  if (platform !== 'linux' || osRelease === undefined) return undefined;
  const field = (name: string) => osRelease.match(new RegExp(`^${name}=(?:"([^"]*)"|'([^']*)'|(\\S*))\\s*$`, 'm'))?.slice(1).find((v) => v !== undefined) ?? '';
  const ids = [field('ID'), ...field('ID_LIKE').split(/\s+/)].map((s) => s.toLowerCase()).filter((s) => s !== '');
  for (const osId of ids) {
    if (['debian', 'ubuntu'].includes(osId)) return 'debian';
    if (['rhel', 'fedora', 'centos', 'rocky', 'almalinux', 'amzn', 'ol'].includes(osId)) return 'rhel';
    if (osId === 'suse' || osId.startsWith('opensuse') || osId === 'sles' || osId === 'sled') return 'suse';
    if (osId === 'alpine') return 'alpine';
  }
  return undefined;
}

/** /etc/os-release, then /usr/lib/os-release (os-release(5)); a few KB at most. */
async function readOsRelease(): Promise<string | undefined> {
  for (const f of ['/etc/os-release', '/usr/lib/os-release']) {
    const data = await readPlacedFile(f, 64 * 1024).catch(() => undefined);
    if (data !== undefined) return Buffer.from(data).toString('utf8');
  }
  return undefined;
}

export async function systemStore(): Promise<StoreId> {
  const found = detectSystemStore(process.platform, await readOsRelease());
  if (found === undefined) {
    throw operationError('UNKNOWN_SYSTEM_STORE', 'cannot tell which system trust store this machine uses (no known ID in /etc/os-release)', `pass --store with one of: ${STORE_IDS.join(', ')}`);
  }
  return found;
}

/** --store VALUE → the stores to change, and whether each was asked for by name. */
export async function selectStores(choice: string): Promise<Array<{ store: TrustStoreModule; explicit: boolean }>> {
  if (!(STORE_CHOICES as readonly string[]).includes(choice)) {
    throw inputError('BAD_STORE', `unknown --store ${JSON.stringify(choice)}`, `use one of: ${STORE_CHOICES.join(', ')}`);
  }
  if (choice === 'all') {
    return [{ store: STORES[await systemStore()], explicit: true }, { store: nss, explicit: false }, { store: java, explicit: false }];
  }
  const id = choice === 'system' ? await systemStore() : (choice as StoreId);
  return [{ store: STORES[id], explicit: true }];
}

/** The CA in every form the stores need; anchorName is derived from its fingerprint. */
export function buildAnchor(cert: Certificate, file: string): TrustAnchor {
  const der = new Uint8Array(cert.rawData);
  const sha256 = createHash('sha256').update(der).digest('hex');
  return {
    cert,
    pem: certificateToPem(cert),
    der,
    sha256,
    sha1: createHash('sha1').update(der).digest('hex').toUpperCase(),
    anchorName: `regcert-${sha256.slice(0, 16)}`,
    file,
  };
}
