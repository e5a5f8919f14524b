/**
 * `regcert config client --tool TOOL --host HOST[:PORT]`: how one registry
 * client (oras, cosign, crane, skopeo, buildah, helm, regctl, notary) or a
 * runtime (docker, podman, containerd) presents this client certificate and
 * trusts the registry's CA. The recipes are data in src/clients/; this
 * command checks the inputs the way install-host does (key matches, clientAuth
 * EKU, CA readable) and prints the install-host line that lays the files out
 * plus the tool's own lines. It writes nothing but --out.
 */
import os from 'node:os';
import path from 'node:path';
import { buildClientRecipe, CLIENT_TOOLS, renderCommandLine, RUNTIME_TOOLS, type ClientCommand, type ClientRecipe, type ClientTool } from '../../clients/index.js';
import { inputError } from '../../core/errors.js';
import type { RegistryHost } from '../../core/registry-host.js';
import type { CredentialOptions } from '../../io/credentials.js';
import { certsDirFiles, hostFolderName } from '../../runtimes/certs-d.js';
import type { CommandContext } from '../context.js';
import { readClientAndRegistryCa } from '../../io/client-identity.js';

/** Where the host folder goes when --certs-dir is not given: beside the user, not a daemon's root. */
const DEFAULT_CLIENT_ROOT = 'certs.d';

/** The recipe, with each command's printed line, the folder it points at and the install-host line that lays it out. */
export interface ClientConfigResult extends Omit<ClientRecipe, 'commands'> {
  folder: { dir: string; files: Array<{ path: string; mode: number; kind: string }> };
  /** The install-host line that lays the folder out (run it again after each renewal). */
  setup: ClientCommand & { line: string };
  commands: Array<ClientCommand & { line: string }>;
}

export interface ClientConfig {
  content: string;
  warnings: string[];
  next: string[];
  client: ClientConfigResult;
}

function parseClientTool(tool: string | undefined): ClientTool {
  const hint = `pass --tool with one of: ${CLIENT_TOOLS.join(', ')}`;
  if (tool === undefined) throw inputError('MISSING_TOOL', 'no --tool given', hint);
  if (!(CLIENT_TOOLS as readonly string[]).includes(tool)) throw inputError('BAD_TOOL', `unknown --tool "${tool}"`, hint);
  return tool as ClientTool;
}

/** The credential flags install-host takes, rebuilt from what was given here (absolute paths). */
function credentialArgs(o: CredentialOptions): string[] {
  const abs = (f: string) => path.resolve(f);
  const secret = (name: string, file: string | undefined, env: string | undefined) => [
    ...(file !== undefined ? [`--${name}-file`, abs(file)] : []),
    ...(env !== undefined ? [`--${name}-env`, env] : []),
  ];
  if (o.bundle !== undefined) return ['--bundle', abs(o.bundle)];
  if (o.p12 !== undefined) return ['--p12', abs(o.p12), ...secret('password', o.passwordFile, o.passwordEnv)];
  return ['--cert', abs(o.cert!), '--key', abs(o.key!), ...secret('key-password', o.keyPasswordFile, o.keyPasswordEnv)];
}

function withLine(c: ClientCommand): ClientCommand & { line: string } {
  return { ...c, line: renderCommandLine(c) };
}

function renderRecipe(r: ClientConfigResult, runtime: boolean): string {
  const lines: string[] = [];
  lines.push(`# ${r.checked}: ${r.presentsCertificate ? r.how : `cannot present a client certificate. ${r.limit ?? ''}`}`);
  lines.push(`# read from ${r.source}`);
  if (runtime) {
    lines.push(`# as root: ${r.setup.what}`, r.setup.line);
  } else {
    lines.push(`# ${r.presentsCertificate ? '1.' : 'for the CA alone:'} ${r.setup.what}`, r.setup.line);
    r.commands.forEach((c, i) => lines.push(`# ${i === 0 ? '2. ' : ''}${c.what}`, c.line));
  }
  if (r.configFile) {
    lines.push(`# ${r.configFile.path} (mode ${r.configFile.mode.toString(8).padStart(4, '0')}; merge into an existing file):`);
    lines.push(...r.configFile.content.trimEnd().split('\n'));
  }
  for (const n of r.notes) lines.push(`# ${n}`);
  const ph = Object.entries(r.placeholders);
  if (ph.length) lines.push(`# replace: ${ph.map(([k, v]) => `${k} (${v})`).join('; ')}`);
  return `${lines.join('\n')}\n`;
}

/** What `config client` reads of config's options (declared here, so config.ts imports this module and not the reverse). */
export interface ClientConfigOptions extends CredentialOptions {
  tool?: string | undefined;
  certsDir?: string | undefined;
  dir?: string | undefined;
  client?: string | undefined;
  ca?: string | undefined;
}

export async function buildClientConfig(opts: ClientConfigOptions, hp: RegistryHost, ctx: CommandContext): Promise<ClientConfig> {
  const tool = parseClientTool(opts.tool);
  const warnings: string[] = [];
  const { input: o, caFile } = await readClientAndRegistryCa(opts, ctx, warnings);

  const runtime = RUNTIME_TOOLS.includes(tool);
  const root = path.resolve(opts.certsDir ?? DEFAULT_CLIENT_ROOT);
  const dir = path.join(root, hostFolderName(hp, 'linux'));
  const planned = certsDirFiles(dir, { clientCert: '', clientKey: '', caPem: '' });
  const fileOf = (kind: string) => planned.find((f) => f.kind === kind)!.path;
  const folder = { dir, cert: fileOf('client-certificate'), key: fileOf('client-key'), ca: fileOf('ca-bundle') };
  const caArgs = caFile !== undefined ? ['--ca', path.resolve(caFile)] : [];
  const setup: ClientCommand = runtime
    ? {
        what: `lay out the certificate where ${tool} reads it`,
        argv: ['regcert', 'install-host', hp.name, '--runtime', tool, ...(opts.certsDir !== undefined ? ['--certs-dir', root] : []), ...credentialArgs(o), ...caArgs],
      }
    : {
        what: `lay out ${dir}/ (client.cert, client.key 0600, ca.crt) once, and again after each renewal`,
        argv: ['regcert', 'install-host', hp.name, '--runtime', 'podman', '--certs-dir', root, ...credentialArgs(o), ...caArgs],
      };
  const recipe: ClientRecipe = buildClientRecipe(tool, { host: hp, folder, home: os.homedir() });
  const result: ClientConfigResult = {
    ...recipe,
    folder: { dir, files: planned.map((f) => ({ path: f.path, mode: f.mode, kind: f.kind })) },
    setup: withLine(setup),
    commands: recipe.commands.map(withLine),
  };
  if (!recipe.presentsCertificate) warnings.push(`${tool} cannot present a client certificate: ${recipe.limit ?? ''}`);
  const name = opts.client ?? 'NAME';
  const pki = opts.dir ?? 'PKI';
  const next = runtime
    ? [`regcert doctor ${hp.name} --runtime ${tool}   (checks what ${tool} will read)`]
    : [`regcert renew ${name} --dir ${pki} --install ${hp.name} --runtime podman --certs-dir ${root}   (renews the certificate and refreshes the folder)`];
  return { content: renderRecipe(result, runtime), warnings, next, client: result };
}
