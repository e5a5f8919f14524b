/** The identity inputs shared by every command that takes --cert/--key or --p12. */
import type { KeyObject } from 'node:crypto';
import type { Certificate } from '../core/certificates.js';

export interface CredentialOptions {
  cert?: string | undefined;
  key?: string | undefined;
  keyPasswordFile?: string | undefined;
  keyPasswordEnv?: string | undefined;
  /** A PKCS#12 file in place of --cert/--key (its password: --password-file/--password-env). */
  p12?: string | undefined;
  passwordFile?: string | undefined;
  passwordEnv?: string | undefined;
  /** The flag that supplies the PKCS#12 password, for messages (default --password-file). */
  passwordFlag?: string | undefined;
  /** An MKE/UCP client bundle (zip or folder: cert.pem, key.pem, ca.pem) in place of --cert/--key. */
  bundle?: string | undefined;
}

export interface Credentials {
  /** Leaf first, then whatever intermediates (or roots) the input carried. */
  chain: Certificate[];
  leaf: Certificate;
  key: KeyObject;
  /** Where they came from, for messages. */
  source: string;
  /** The CA the input itself carried (a client bundle's ca.pem), if any. */
  ca?: Certificate[] | undefined;
}
