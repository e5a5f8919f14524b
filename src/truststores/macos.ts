/**
 * macOS: the System keychain with an admin trust setting. regcert does not
 * drive `security` itself (it asks for a password in a GUI and its trust
 * settings differ between versions): it prints the exact commands.
 */
import { shellWord } from '../core/template.js';
import type { StoreChange, StoreOptions, TrustAnchor } from './types.js';

export const id = 'macos';
export const label = 'macOS System keychain';

const KEYCHAIN = '/Library/Keychains/System.keychain';

export async function install(anchor: TrustAnchor, _opts: StoreOptions): Promise<StoreChange[]> {
  const cmd = `sudo security add-trusted-cert -d -r trustRoot -k ${KEYCHAIN} ${shellWord(anchor.file)}`;
  return [{ store: id, target: KEYCHAIN, action: 'manual', detail: 'run this on the Mac (it asks for an admin password)', commands: [cmd] }];
}

export async function uninstall(anchor: TrustAnchor, _opts: StoreOptions): Promise<StoreChange[]> {
  const cmds = [`sudo security remove-trusted-cert -d ${shellWord(anchor.file)}`, `sudo security delete-certificate -Z ${anchor.sha1} ${KEYCHAIN}`];
  return [{ store: id, target: KEYCHAIN, action: 'manual', detail: 'run these on the Mac: the trust setting, then the certificate (by its SHA-1)', commands: cmds }];
}
