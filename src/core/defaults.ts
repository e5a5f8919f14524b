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
