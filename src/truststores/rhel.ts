/**
 * RHEL, CentOS, Rocky, Alma, Fedora, Amazon Linux (ca-certificates with
 * p11-kit): anchors in /etc/pki/ca-trust/source/anchors; `update-ca-trust
 * extract` rebuilds /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem (what
 * /etc/pki/tls/certs/ca-bundle.crt points to).
 */
import { installAnchor, uninstallAnchor, type AnchorDirSpec } from './anchor-dir.js';
import type { StoreChange, StoreOptions, TrustAnchor } from './types.js';

export const id = 'rhel';
export const label = 'RHEL/Fedora system store';

const spec: AnchorDirSpec = {
  id,
  dir: '/etc/pki/ca-trust/source/anchors',
  bundle: '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  refresh: { tool: 'update-ca-trust', args: ['extract'], pkg: 'dnf install ca-certificates' },
};

export const install = (a: TrustAnchor, o: StoreOptions): Promise<StoreChange[]> => installAnchor(spec, a, o);
export const uninstall = (a: TrustAnchor, o: StoreOptions): Promise<StoreChange[]> => uninstallAnchor(spec, a, o);
