/**
 * The registry clients people script with, and how each presents a client
 * certificate and trusts the registry's CA: one recipe per tool, as data,
 * every flag name read from the tool's source at the version named beside
 * it (`checked`). `regcert config client` only calls buildClientRecipe.
 *
 * Every recipe points at one host folder laid out by install-host
 * (client.cert = leaf + intermediates, client.key unencrypted 0600, ca.crt):
 * the form every tool here can read, whatever the input was (PEM, PKCS#12,
 * a client bundle, an encrypted key), and the form `renew --install` keeps
 * fresh. Nothing here touches the file system.
 */
import type { RegistryHost } from '../core/registry-host.js';
import { shellWord } from '../core/template.js';

export const CLIENT_TOOLS = ['oras', 'cosign', 'crane', 'skopeo', 'buildah', 'helm', 'regctl', 'notary', 'notation', 'docker', 'podman', 'containerd'] as const;
export type ClientTool = (typeof CLIENT_TOOLS)[number];

/** The runtimes whose recipe is install-host itself (their certs.d roots, their daemons). */
export const RUNTIME_TOOLS: readonly ClientTool[] = ['docker', 'podman', 'containerd'];

/** A word of a command line: literal text, or the contents of a file ("$(cat FILE)" in a shell). */
export type CommandWord = string | { fileContents: string };

export interface ClientCommand {
  /** What the line does. */
  what: string;
  /** Environment assignments put before the command. */
  env?: Record<string, string> | undefined;
  argv: CommandWord[];
}

export interface ClientRecipe {
  tool: ClientTool;
  /** The release whose source the flags were read from, and where. */
  checked: string;
  source: string;
  /** false: the tool cannot send a client certificate at all (see limit). */
  presentsCertificate: boolean;
  /** One line: flags, a certs.d folder, or a config file. */
  how: string;
  limit?: string | undefined;
  /** A config file the tool reads: where, its mode, and its content. */
  configFile?: { path: string; mode: number; content: string } | undefined;
  commands: ClientCommand[];
  notes: string[];
  /** The upper-case words in the commands that the user replaces. */
  placeholders: Record<string, string>;
}

/** The host folder install-host lays out: its path and the three files in it. */
export interface ClientFolder {
  dir: string;
  cert: string;
  key: string;
  ca: string;
}

export interface RecipeInput {
  host: RegistryHost;
  folder: ClientFolder;
  /** The user's home, for config files (~/.notary/config.json). */
  home: string;
}

const PLACEHOLDERS: Record<string, string> = {
  REPOSITORY: 'the repository path, e.g. team/app',
  TAG: 'a tag, e.g. v1',
  FILE: 'a file to push as an artifact',
  OUTDIR: 'where pulled files go',
  LAYOUT: 'an OCI image layout folder',
  IMAGE: 'a local image name',
  CHART: 'a chart name (CHART-VERSION.tgz as packaged by helm package)',
  VERSION: 'the chart version',
};

function placeholdersOf(commands: ClientCommand[]): Record<string, string> {
  const text = commands.flatMap((c) => c.argv.map((w) => (typeof w === 'string' ? w : ''))).join(' ');
  return Object.fromEntries(Object.entries(PLACEHOLDERS).filter(([k]) => new RegExp(`\\b${k}\\b`).test(text)));
}

function recipe(r: Omit<ClientRecipe, 'placeholders'>): ClientRecipe {
  return { ...r, placeholders: placeholdersOf(r.commands) };
}

/**
 * The recipe of a tool that cannot send a client certificate: why (`limit`,
 * from its source), how to trust the CA without one (Go's SSL_CERT_FILE),
 * and what to use `instead`.
 */
function cannotPresent(tool: ClientTool, ca: string, r: { checked: string; source: string; limit: string; instead: string }): ClientRecipe {
  return recipe({
    tool,
    checked: r.checked,
    source: r.source,
    presentsCertificate: false,
    how: `none: ${tool} has no flag, variable or config entry for a client certificate`,
    limit: r.limit,
    commands: [],
    notes: [
      `trusting the CA alone works for registries that do not require a certificate: SSL_CERT_FILE=${shellWord(ca)} (Go's crypto/x509 on Linux reads it in place of the system bundle)`,
      r.instead,
    ],
  });
}

/** One recipe per tool; flag names from the source files cited in each. */
export function buildClientRecipe(tool: ClientTool, input: RecipeInput): ClientRecipe {
  const { host, folder } = input;
  const ref = `${host.name}/REPOSITORY:TAG`;
  switch (tool) {
    case 'oras': {
      const tls = ['--ca-file', folder.ca, '--cert-file', folder.cert, '--key-file', folder.key];
      return recipe({
        tool,
        checked: 'oras 1.3.3',
        source: 'oras-project/oras v1.3.3 cmd/oras/internal/option/remote.go (ApplyFlagsWithPrefix, tlsConfig: tls.LoadX509KeyPair)',
        presentsCertificate: true,
        how: 'flags on every command that talks to a registry: --ca-file, --cert-file, --key-file (both of the last two or neither)',
        commands: [
          { what: 'push a file as an artifact', argv: ['oras', 'push', ...tls, ref, 'FILE'] },
          { what: 'pull it back', argv: ['oras', 'pull', ...tls, '-o', 'OUTDIR', ref] },
        ],
        notes: ['oras cp takes them per side: --from-ca-file/--from-cert-file/--from-key-file and --to-ca-file/--to-cert-file/--to-key-file'],
      });
    }
    case 'cosign': {
      const tls = ['--registry-cacert', folder.ca, '--registry-client-cert', folder.cert, '--registry-client-key', folder.key];
      return recipe({
        tool,
        checked: 'cosign 3.1.1',
        source: 'sigstore/cosign v3.1.1 cmd/cosign/cli/options/registry.go (AddFlags, getTLSConfig)',
        presentsCertificate: true,
        how: 'flags on sign, verify, attest, copy, tree, download…: --registry-cacert, --registry-client-cert, --registry-client-key',
        commands: [
          { what: 'sign with a key of your own (cosign generate-key-pair), without the public transparency log', argv: ['cosign', 'sign', '--yes', '--key', 'cosign.key', '--use-signing-config=false', '--tlog-upload=false', ...tls, ref] },
          { what: 'verify that signature', argv: ['cosign', 'verify', '--key', 'cosign.pub', '--insecure-ignore-tlog=true', ...tls, ref] },
        ],
        notes: [
          'the key passphrase comes from $COSIGN_PASSWORD when set (cosign generate-key-pair writes cosign.key and cosign.pub)',
          'cosign 3 refuses --tlog-upload=false together with its default --use-signing-config (cmd/cosign/cli/signcommon/common.go); drop both flags, and --insecure-ignore-tlog from verify, to record signatures in Rekor',
          '--registry-server-name NAME sets the name checked in the registry\'s certificate when it differs from the host',
        ],
      });
    }
    case 'crane':
      return cannotPresent(tool, folder.ca, {
        checked: 'crane 0.20.7',
        source: 'google/go-containerregistry v0.20.7 cmd/crane/cmd/root.go (PersistentPreRun: transport.TLSClientConfig = &tls.Config{InsecureSkipVerify: insecure})',
        limit:
          'crane 0.20.7 builds its TLS configuration from --insecure alone (cmd/crane/cmd/root.go), so it never sends a client certificate: a registry that requires one refuses it during the handshake',
        instead: `copy with skopeo (regcert config client --tool skopeo) or oras cp (--tool oras) instead`,
      });
    case 'skopeo':
      return recipe({
        tool,
        checked: 'skopeo 1.22.0',
        source: 'containers/skopeo v1.22.0 cmd/skopeo/utils.go (dockerImageFlags: cert-dir, with src-/dest- prefixes for copy and sync)',
        presentsCertificate: true,
        how: 'a certs.d host folder: --cert-dir DIR (inspect, list-tags, delete), --src-cert-dir/--dest-cert-dir (copy, sync)',
        commands: [
          { what: 'push an OCI layout', argv: ['skopeo', 'copy', '--dest-cert-dir', folder.dir, 'oci:LAYOUT:TAG', `docker://${ref}`] },
          { what: 'inspect it', argv: ['skopeo', 'inspect', '--cert-dir', folder.dir, `docker://${ref}`] },
        ],
        notes: [
          'without --cert-dir, skopeo reads /etc/containers/certs.d/HOST[:PORT] and /etc/docker/certs.d/HOST[:PORT] (rootless: ~/.config/containers/certs.d first): regcert install-host --runtime podman writes there',
          'in the folder every *.crt is a CA root and each X.cert needs its X.key',
        ],
      });
    case 'buildah':
      return recipe({
        tool,
        checked: 'buildah 1.43.1 source (1.43.2 run)',
        source: 'containers/buildah v1.43.1 cmd/buildah/pull.go, push.go, from.go, commit.go, manifest.go and pkg/cli/common.go (build): cert-dir',
        presentsCertificate: true,
        how: 'a certs.d host folder: --cert-dir DIR on pull, push, from, build, commit, manifest add/push',
        commands: [
          { what: 'pull an image', argv: ['buildah', 'pull', '--cert-dir', folder.dir, ref] },
          { what: 'push a local image', argv: ['buildah', 'push', '--cert-dir', folder.dir, 'IMAGE', `docker://${ref}`] },
        ],
        notes: ['without --cert-dir, buildah reads the same /etc/containers/certs.d and /etc/docker/certs.d folders as skopeo and podman'],
      });
    case 'helm': {
      const tls = ['--ca-file', folder.ca, '--cert-file', folder.cert, '--key-file', folder.key];
      return recipe({
        tool,
        checked: 'helm 3.21.4 and 4.2.4 source (not packaged in Debian: not run here)',
        source: 'helm/helm v4.2.4 pkg/cmd/push.go, pkg/cmd/flags.go (pull), pkg/cmd/registry_login.go; v3.21.4 cmd/helm/ the same flags',
        presentsCertificate: true,
        how: 'flags on push, pull, install, registry login: --ca-file, --cert-file, --key-file (not remembered between commands)',
        commands: [
          { what: 'push a packaged chart', argv: ['helm', 'push', 'CHART-VERSION.tgz', `oci://${host.name}/REPOSITORY`, ...tls] },
          { what: 'pull it', argv: ['helm', 'pull', `oci://${host.name}/REPOSITORY/CHART`, '--version', 'VERSION', ...tls] },
        ],
        notes: ['helm registry login takes the same three flags but also wants a user name and password; a registry that logs in by certificate needs no login'],
      });
    }
    case 'regctl': {
      return recipe({
        tool,
        checked: 'regctl 0.11.5 source (not packaged in Debian: not run here)',
        source: 'regclient/regclient v0.11.5 cmd/regctl/registry.go (registry set: --cacert, --client-cert, --client-key take PEM text, not file names)',
        presentsCertificate: true,
        how: 'regctl registry set HOST stores the PEM text of the CA, certificate and key in its config file',
        commands: [
          {
            what: 'remember the certificate for this registry',
            argv: ['regctl', 'registry', 'set', host.name, '--cacert', { fileContents: folder.ca }, '--client-cert', { fileContents: folder.cert }, '--client-key', { fileContents: folder.key }],
          },
          { what: 'list the tags of a repository', argv: ['regctl', 'tag', 'ls', `${host.name}/REPOSITORY`] },
        ],
        notes: [
          'the config file ($REGCTL_CONFIG, default ~/.regctl/config.json, written 0600 by internal/conffile) then holds the private key: run registry set again after a renewal',
          'regctl also trusts /etc/docker/certs.d/HOST[:PORT]/*.crt as CAs, but takes no client certificate from there (internal/reghttp/http.go)',
        ],
      });
    }
    case 'notary': {
      const content = `${JSON.stringify({ remote_server: { url: `https://${host.name}`, root_ca: folder.ca, tls_client_cert: folder.cert, tls_client_key: folder.key } }, null, 2)}\n`;
      return recipe({
        tool,
        checked: 'notary 0.7.0',
        source: 'notaryproject/notary v0.7.0 cmd/notary/main.go (-s, --tlscacert, --tlscert, --tlskey; remote_server.* in config.json) and cmd/notary/tuf.go (getTransport)',
        presentsCertificate: true,
        how: 'HOST is the Notary server: ~/.notary/config.json remote_server.root_ca, tls_client_cert, tls_client_key (or -s, --tlscacert, --tlscert, --tlskey)',
        configFile: { path: `${input.home}/.notary/config.json`, mode: 0o644, content },
        commands: [{ what: 'list a trusted collection', argv: ['notary', '-s', `https://${host.name}`, '--tlscacert', folder.ca, '--tlscert', folder.cert, '--tlskey', folder.key, 'list', `${host.name}/REPOSITORY`] }],
        notes: ['relative paths in config.json resolve against the file\'s folder; the Docker CLI\'s content trust reads ~/.docker/tls/HOST instead (regcert install-host --runtime content-trust)'],
      });
    }
    case 'notation':
      return cannotPresent(tool, folder.ca, {
        checked: 'notation 1.3.2',
        source: 'notaryproject/notation v1.3.2 cmd/notation/registry.go (getAuthClient: httputil.NewAuthClient(ctx, nil)) and internal/httputil/client.go',
        limit: 'notation 1.3.2 talks to registries through Go\'s default HTTP transport (cmd/notation/registry.go getAuthClient), so it never sends a client certificate: a registry that requires one refuses it during the handshake',
        instead: 'sign and verify with cosign instead (regcert config client --tool cosign)',
      });
    case 'docker':
    case 'podman':
    case 'containerd':
      return recipe({
        tool,
        checked: `regcert install-host --runtime ${tool}`,
        source: `regcert src/runtimes/${tool}.ts (the folders and config entries ${tool} reads)`,
        presentsCertificate: true,
        how: `the runtime's own certs.d root: regcert install-host --runtime ${tool} writes it (as root)`,
        commands: [],
        notes: [],
      });
  }
}

/** A word for a POSIX shell: bare when it is plain, single-quoted otherwise. */
export function renderWord(w: CommandWord): string {
  if (typeof w !== 'string') return `"$(cat ${renderWord(w.fileContents)})"`;
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(w) ? w : shellWord(w);
}

export function renderCommandLine(c: ClientCommand): string {
  const env = Object.entries(c.env ?? {}).map(([k, v]) => `${k}=${renderWord(v)}`);
  return [...env, ...c.argv.map(renderWord)].join(' ');
}
