/**
 * SUSE and openSUSE (ca-certificates with p11-kit): anchors in
 * /etc/pki/trust/anchors; update-ca-certificates rebuilds
 * /var/lib/ca-certificates/ca-bundle.pem (what /etc/ssl/ca-bundle.pem links to).
 */
import { installAnchor, uninstallAnchor, type AnchorDirSpec } from './anchor-dir.js';
import type { StoreChange, StoreOptions, TrustAnchor } from './types.js';

export const id = 'suse';
export const label = 'SUSE system store';

const spec: AnchorDirSpec = {
  id,
  dir: '/etc/pki/trust/anchors',
  bundle: '/var/lib/ca-certificates/ca-bundle.pem',
  refresh: { tool: 'update-ca-certificates', args: [], pkg: 'zypper install ca-certificates' },
};

export const install = (a: TrustAnchor, o: StoreOptions): Promise<StoreChange[]> => installAnchor(spec, a, o);
export const uninstall = (a: TrustAnchor, o: StoreOptions): Promise<StoreChange[]> => uninstallAnchor(spec, a, o);
