/**
 * Alpine (ca-certificates): the same layout as Debian's, with its own
 * update-ca-certificates rebuilding /etc/ssl/certs/ca-certificates.crt.
 */
import { installAnchor, uninstallAnchor, type AnchorDirSpec } from './anchor-dir.js';
import type { StoreChange, StoreOptions, TrustAnchor } from './types.js';

export const id = 'alpine';
export const label = 'Alpine system store';

const spec: AnchorDirSpec = {
  id,
  dir: '/usr/local/share/ca-certificates',
  bundle: '/etc/ssl/certs/ca-certificates.crt',
  refresh: { tool: 'update-ca-certificates', args: [], pkg: 'apk add ca-certificates' },
};

export const install = (a: TrustAnchor, o: StoreOptions): Promise<StoreChange[]> => installAnchor(spec, a, o);
export const uninstall = (a: TrustAnchor, o: StoreOptions): Promise<StoreChange[]> => uninstallAnchor(spec, a, o);
