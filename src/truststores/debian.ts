/**
 * Debian and Ubuntu (ca-certificates): local anchors are *.crt files in
 * /usr/local/share/ca-certificates; update-ca-certificates links them into
 * /etc/ssl/certs and rebuilds /etc/ssl/certs/ca-certificates.crt, the file
 * OpenSSL, curl, Go and Docker read (and, through its hook, Java's cacerts).
 */
import { installAnchor, uninstallAnchor, type AnchorDirSpec } from './anchor-dir.js';
import type { StoreChange, StoreOptions, TrustAnchor } from './types.js';

export const id = 'debian';
export const label = 'Debian/Ubuntu system store';

const spec: AnchorDirSpec = {
  id,
  dir: '/usr/local/share/ca-certificates',
  bundle: '/etc/ssl/certs/ca-certificates.crt',
  refresh: { tool: 'update-ca-certificates', args: [], pkg: 'apt-get install ca-certificates' },
};

export const install = (a: TrustAnchor, o: StoreOptions): Promise<StoreChange[]> => installAnchor(spec, a, o);
export const uninstall = (a: TrustAnchor, o: StoreOptions): Promise<StoreChange[]> => uninstallAnchor(spec, a, o);
