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

// ---------------------------------------------------------------------------
// Parser caps: every file is hostile until parsed. Each cap is far above what
// a real file holds and low enough that refusing takes no time (exit 2).

/**
 * PEM blocks in one file. A system CA bundle holds about 150 certificates;
 * 5,000 leaves room for any real bundle and bounds the work per file.
 */
export const MAX_PEM_BLOCKS = 5000;

/**
 * PBKDF2 and PKCS#12-KDF iterations when reading (PKCS#12 MAC and bags,
 * encrypted PKCS#8): the bound issue 9 names "as OpenSSL". Writers use
 * 2,048 (OpenSSL), 10,000 (Java) up to 600,000 (OWASP 2023 for
 * PBKDF2-SHA256); 10,000,000 rounds still finish in seconds.
 */
export const MAX_KDF_ITERATIONS = 10_000_000;

/**
 * Salt bytes in a PBKDF2/PKCS#12 parameter set: writers use 8 (OpenSSL),
 * 16 (OpenSSL PBES2) or 20 (Java, NSS); more is garbage or an attack.
 */
export const MAX_KDF_SALT_BYTES = 64;

/**
 * All key derivations of one file together (a PKCS#12 MAC and each bag, or an
 * encrypted key), in PBKDF2 rounds (iterations times output blocks; a round
 * of the slower JavaScript PKCS#12 KDF counts 8, scrypt counts N·r·p): about
 * 3 s of CPU. Real files use well under a million (OpenSSL 2,048 and Java
 * 10,000 iterations per derivation); one PBKDF2 derivation at the full
 * iteration cap still fits, a PKCS#12-KDF MAC up to 1,250,000 iterations.
 * Without it a file of many bags, each under the per-derivation cap, would
 * hold the CPU for minutes.
 */
export const MAX_KDF_ROUNDS_PER_FILE = 10_000_000;

/**
 * scrypt memory (128·N·r bytes) for encrypted PKCS#8: OpenSSL's own default
 * limit is 32 MiB; `openssl pkcs8 -scrypt` writes N=16384, r=8 (16 MiB).
 */
export const MAX_SCRYPT_MEMORY_BYTES = 64 * 1024 * 1024;
