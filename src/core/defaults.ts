/**
 * Every default regcert applies, each with its reason. Change them here only.
 */

/** ECDSA P-256: accepted by every runtime, browser and Java 8+, fast, small. */
export const DEFAULT_KEY_TYPE = 'ecdsa-p256' as const;

/** One day in milliseconds: validity is counted in whole days. */
export const DAY_MS = 24 * 60 * 60 * 1000;

/** Root CAs: ten years, the common private-PKI choice (rotation is a project). */
export const DEFAULT_ROOT_DAYS = 3650;

/** Intermediates: five years, so a root outlives the intermediates it signs. */
export const DEFAULT_INTERMEDIATE_DAYS = 1825;

/**
 * Leaves: 397 days, the CA/Browser Forum limit (Baseline Requirements
 * 6.3.2) that Apple and Chrome enforce for TLS server certificates; using it
 * for client certificates too keeps one rotation rhythm.
 */
export const DEFAULT_LEAF_DAYS = 397;

/**
 * notBefore is set this far in the past so that a machine whose clock is a
 * few minutes behind does not reject a certificate issued a moment ago.
 */
export const BACKDATE_MS = 5 * 60 * 1000;

/** Serial numbers: 128 random bits (RFC 5280 allows 20 octets; CA/B asks >= 64 bits). */
export const SERIAL_BYTES = 16;

/** `--dir` default for init-ca and issue (cli.md). */
export const DEFAULT_PKI_DIR = 'pki';

/** PBKDF2 iterations for encrypted PKCS#8 and PKCS#12 (cli.md: at least 2048). */
export const DEFAULT_PBKDF2_ITERATIONS = 2048;

/** Where each runtime reads per-registry certificates (moby, containers/image, containerd). */
export const CERTS_DIRS = {
  docker: '/etc/docker/certs.d',
  podman: '/etc/containers/certs.d',
  containerd: '/etc/containerd/certs.d',
} as const;

/** Network waits: a registry that takes longer than this to answer is reported as a timeout. */
export const DEFAULT_TIMEOUT_SECONDS = 10;

/**
 * Certificates that expire within this many days are flagged (inspect in
 * yellow, doctor as a problem): a month leaves time to reissue and roll out.
 */
export const EXPIRY_WARNING_DAYS = 30;

/** Docker's daemon configuration, where insecure-registries are listed. */
export const DOCKER_DAEMON_JSON = '/etc/docker/daemon.json';

/**
 * containers/image (Podman, skopeo, Buildah) looks for HOST[:PORT] in these
 * folders in this order and uses only the first that exists; the per-user
 * folder (under $HOME) comes first. See containers/image pkg/tlsclientconfig
 * and docker/docker_client.go (dockerCertDir).
 */
export const CONTAINERS_USER_CERTS_DIR = '.config/containers/certs.d';

/**
 * Which PKCS#12 encryption each importer needs (`to-p12 --for`). macOS
 * Keychain (security import before macOS 14) and Windows Server 2016 / Windows
 * 10 before 1709 cannot open PBES2/AES files: they get the legacy 3DES/SHA-1
 * one. Java 8u301+/11+, NSS (Firefox, Chromium on Linux) and curl via
 * OpenSSL 3 read the modern one.
 */
export const P12_MODE_FOR = {
  macos: 'legacy',
  windows: 'legacy',
  java: 'modern',
  browser: 'modern',
  curl: 'modern',
} as const;

/**
 * CRLs: `regcert crl` makes one valid for a week (nextUpdate), refreshed by
 * every `revoke` and by the daily timer; a week outlasts a long weekend with
 * a broken timer, and a revocation reaches verifiers within a day.
 */
export const DEFAULT_CRL_DAYS = 7;

/**
 * doctor and list warn this many days before a CRL's nextUpdate: once it has
 * passed, nginx (ssl_crl), HAProxy and Envoy refuse every client certificate
 * (the outages in hashicorp/vault#3827 and Nyr/openvpn-install#352).
 */
export const CRL_WARNING_DAYS = 2;

/** Where `crl` writes the CRL in the CA directory (and `config nginx --crl` points ssl_crl). */
export const CRL_FILE = 'crl.pem';
