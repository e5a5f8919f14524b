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

/**
 * Where each runtime reads per-registry certificates when it runs as root
 * (moby registry.CertsDir, containers/image systemPerHostCertDirPaths,
 * containerd docs/hosts.md). BuildKit and k3s/RKE2 do not read a certs.d:
 * regcert puts their files here and names them in their config file.
 * src/runtimes/<runtime>.ts owns the rootless and per-platform variants.
 */
export const CERTS_DIRS = {
  docker: '/etc/docker/certs.d',
  podman: '/etc/containers/certs.d',
  containerd: '/etc/containerd/certs.d',
  buildkit: '/etc/buildkit/certs.d',
  k3s: '/etc/rancher/k3s/certs.d',
  rke2: '/etc/rancher/rke2/certs.d',
} as const;

/** The daemon config files regcert merges one registry's entry into (only with --config). */
export const CONFIG_FILES = {
  containerd: '/etc/containerd/config.toml',
  buildkit: '/etc/buildkit/buildkitd.toml',
  k3s: '/etc/rancher/k3s/registries.yaml',
  rke2: '/etc/rancher/rke2/registries.yaml',
} as const;

/** A host name lookup (Docker matches insecure-registries CIDRs against the addresses) gives up after this. */
export const RESOLVE_TIMEOUT_MS = 2000;

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
 * Largest HTTP body regcert reads from a server (/ca, /basic_info, the /v2/
 * probe): a CA bundle or an MSR /basic_info answer is a few KB, so 1 MiB is
 * generous, and a hostile server cannot make regcert hold more than this.
 */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * Most certificates accepted in one /ca answer: MSR/MKE serve one root, a
 * PKI with intermediates a handful. More is refused before parsing.
 */
export const MAX_CA_CERTIFICATES = 16;

/**
 * Allowed URI SAN schemes: https (a service URL) and spiffe (SPIFFE IDs,
 * the common workload identity), plus urn (urn:uuid:… device identities).
 * Anything else (file:, http:, javascript:, ldap:…) is refused: a URI SAN
 * is an identity, not a link to follow.
 */
export const URI_SAN_SCHEMES = ['https', 'spiffe', 'urn'] as const;

/** Smallest RSA modulus accepted in a CSR without --allow-weak (NIST SP 800-57, CA/B BR 6.1.5). */
export const MIN_RSA_BITS = 2048;

/**
 * Longest leaf validity that Apple platforms and browsers accept for a TLS
 * server certificate (CA/Browser Forum BR 6.3.2; Apple HT211025): issuing
 * longer works for regcert but draws a warning.
 */
export const MAX_BROWSER_LEAF_DAYS = DEFAULT_LEAF_DAYS;

/**
 * The most regcert reads of one input file, per kind (bytes). Everything
 * beyond is refused before it is parsed (exit 2), so /dev/zero, a 100 MB
 * "PEM" or a runaway log passed by mistake costs nothing.
 * - certificate, key, csr: one certificate, key or request is 0.5–10 KB even
 *   as RSA-4096 with `openssl x509 -text` around it; a leaf file with a few
 *   intermediates stays far below 4 MiB.
 * - bundle: CA lists and whatever `inspect` is given. Debian's whole
 *   ca-certificates.crt is about 220 KB, 1,000 certificates about 1.5 MB.
 * - pkcs12: a .p12 holds one key and its chain (a few KB); 16 MiB as bundles.
 * - secret: a password file's first line is the secret; 64 KiB is generous.
 * - config: JSON/TOML the runtimes read (daemon.json) and regcert's own
 *   journal files, all a few KB.
 */
export const MAX_INPUT_BYTES = {
  certificate: 4 * 1024 * 1024,
  key: 4 * 1024 * 1024,
  csr: 4 * 1024 * 1024,
  bundle: 16 * 1024 * 1024,
  pkcs12: 16 * 1024 * 1024,
  secret: 64 * 1024,
  config: 1024 * 1024,
  // inventory.jsonl: one line (with the certificate) per issued certificate, ~1.1 KB each: INVENTORY_MAX_ENTRIES of them.
  inventory: 288 * 1024 * 1024,
} as const;

/**
 * A secret may come from a pipe (`--password-file <(pass show registry)` or
 * /dev/stdin); a pipe that delivers nothing for this long is refused rather
 * than waited on forever.
 */
export const SECRET_PIPE_TIMEOUT_MS = 10_000;

/**
 * `config token-auth`: the signing certificate NAME in --dir when --cert is
 * not given (what "regcert issue token-signing --token-signing" writes), and
 * the token lifetime: 900 s, docker_auth's example value, long enough for a
 * big push and short enough that a leaked token soon stops working.
 */
export const DEFAULT_TOKEN_SIGNING_NAME = 'token-signing';
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 900;

/**
 * `--bundle` (src/io/bundle.ts): limits, each far above a real MKE client
 * bundle (about 10 entries and 20 KB; kube.yml is the largest) and far
 * below what could hurt. The zip limit leaves room for a ZIP64 central
 * directory large enough to be refused by its entry count, not its size.
 */
export const BUNDLE_LIMITS = {
  /** The zip file itself. */
  zipBytes: 16 * 1024 * 1024,
  entries: 64,
  /** Uncompressed, per entry and all entries together. */
  entryBytes: 1024 * 1024,
  totalBytes: 4 * 1024 * 1024,
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

/**
 * `export kubernetes|cert-manager`: the DaemonSet's image. It only needs a
 * POSIX sh with sha256sum, cmp, cp, chmod, mv, stat and sleep; busybox is a
 * Docker Official Image published for amd64, arm64, arm/v5-v7, 386, ppc64le,
 * riscv64 and s390x, about 2 MB. Pinned to a release so every node runs the
 * same tools; --image overrides it (a mirror, a digest).
 */
export const FLEET_IMAGE = 'busybox:1.36';

/** `export kubernetes|cert-manager`: the namespace the DaemonSet, its Secret and ConfigMap live in. */
export const FLEET_NAMESPACE = 'regcert';

/**
 * The DaemonSet compares the node's files with the mounted Secret this
 * often. Kubelet refreshes a mounted Secret within about a minute of a
 * change (its sync period plus cache TTL), so 30 s adds little to that.
 */
export const FLEET_INTERVAL_SECONDS = 30;

/** cert-manager's own namespace: a ClusterIssuer reads its Secret from there (the "cluster resource namespace"). */
export const CERT_MANAGER_NAMESPACE = 'cert-manager';

/** cert-manager Certificates: 90 days (cert-manager's own default), renewed EXPIRY_WARNING_DAYS before the end. */
export const CERT_MANAGER_DURATION_DAYS = 90;
