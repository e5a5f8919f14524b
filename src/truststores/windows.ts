/**
 * Windows: the machine's "Trusted Root Certification Authorities" store
 * (ROOT). regcert prints the exact certutil.exe commands for an elevated
 * prompt instead of guessing at the registry or PowerShell modules.
 */
import { inputError } from '../core/errors.js';
import type { StoreChange, StoreOptions, TrustAnchor } from './types.js';

export const id = 'windows';
export const label = 'Windows Trusted Root store';

/** cmd.exe and PowerShell both take a double-quoted path; one that holds a quote cannot be given safely. */
function quoted(file: string): string {
  if (/["\r\n%]/.test(file)) throw inputError('BAD_PATH', `the path ${JSON.stringify(file)} cannot be quoted for certutil.exe`, 'copy the CA to a path without quotes, "%" or line breaks');
  return `"${file}"`;
}

export async function install(anchor: TrustAnchor, _opts: StoreOptions): Promise<StoreChange[]> {
  return [{ store: id, target: 'ROOT', action: 'manual', detail: 'run this in an elevated (Administrator) prompt', commands: [`certutil -addstore -f ROOT ${quoted(anchor.file)}`] }];
}

export async function uninstall(anchor: TrustAnchor, _opts: StoreOptions): Promise<StoreChange[]> {
  // certutil -delstore takes the certificate's serial number (or SHA-1 hash) as the CertId.
  return [{ store: id, target: 'ROOT', action: 'manual', detail: 'run this in an elevated (Administrator) prompt', commands: [`certutil -delstore ROOT ${anchor.sha1}`] }];
}
