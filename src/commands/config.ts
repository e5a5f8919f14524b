/**
 * `regcert config TARGET`: the server-side configuration that comes next,
 * rendered from templates/ with absolute paths into the PKI directory.
 */
import path from 'node:path';
import { certificateToPem } from '../core/certificates.js';
import { verifyChain } from '../core/chain.js';
import { CERTS_DIRS, CONFIG_FILES, CRL_FILE, DEFAULT_PKI_DIR } from '../core/defaults.js';
import { certificateSans } from '../core/describe.js';
import { inputError } from '../core/errors.js';
import { tryParseRegistryHost, type RegistryHost } from '../core/registry-host.js';
import { isNginxSafe, nginxString, renderJsonTemplate, renderTemplate, shellWord, yamlString } from '../core/template.js';
import { readCertificateFile, readServiceKeyPair } from '../io/credentials.js';
import { pathExists, readInputFile, writeFiles, type WrittenFile } from '../io/files.js';
import { readTemplate } from '../io/templates.js';
import { configPathLines, renderHostsToml } from '../runtimes/containerd.js';
import type { CredentialOptions } from '../io/credentials.js';
import type { ClientConfigResult } from './config/client.js';
import type { ScheduleOptions } from './config/schedule.js';
import type { ZotConfig } from './config/zot.js';
import type { TokenAuthOptions } from './config/token-auth.js';
import type { CommandContext } from './context.js';

export const CONFIG_TARGETS = ['registry', 'nginx', 'containerd', 'mke-trust', 'msr-enable', 'token-auth', 'cron', 'systemd', 'client', 'zot'] as const;
export type ConfigTarget = (typeof CONFIG_TARGETS)[number];

const TEMPLATE_FILE: Record<Exclude<ConfigTarget, 'token-auth' | 'client' | 'zot'>, string> = {
  registry: 'registry-config.yml',
  nginx: 'nginx.conf',
  containerd: 'containerd-hosts.toml',
  'mke-trust': 'mke-trust.json',
  'msr-enable': 'msr-enable.sh',
  cron: 'regcert-renew.cron',
  systemd: 'regcert-renew.service',
};

export interface ConfigOptions extends Omit<ScheduleOptions, 'dir' | 'out' | 'force'>, Omit<CredentialOptions, 'cert'>, TokenAuthOptions {
  target: string;
  dir?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  serverCert?: string | undefined;
  upstream?: string | undefined;
  mke?: string | undefined;
  out?: string | undefined;
  force?: boolean | undefined;
  /** nginx: add ssl_crl DIR/crl.pem (see "regcert crl"). */
  crl?: boolean | undefined;
  /** client: the tool (src/clients), the client certificate NAME in --dir, the registry CA file. */
  tool?: string | undefined;
  client?: string | undefined;
  ca?: string | undefined;
  /** zot: where the user name comes from, and the URI SAN pattern. */
  identity?: string | undefined;
  uriPattern?: string | undefined;
}

export interface ConfigResult {
  command: 'config';
  target: ConfigTarget;
  /** The registry host (null for cron and systemd, which are about the CA directory). */
  host: string | null;
  /** The rendered document. */
  content: string;
  files: WrittenFile[];
  /** Things worth knowing (e.g. the host is not in the server certificate's SANs). */
  warnings: string[];
  /** What to run next (narration). */
  next: string[];
  /** client: the recipe as data (the same as content). */
  client?: ClientConfigResult | undefined;
  /** zot: the identity source and the example policy's user. */
  zot?: ZotConfig['zot'] | undefined;
  /** containerd: the config.toml lines that make the CRI plugin read certs.d, per containerd release. */
  containerdConfigPath?: { '1.x': string; '2.x': string } | undefined;
}

function parseTarget(t: string): ConfigTarget {
  if ((CONFIG_TARGETS as readonly string[]).includes(t)) return t as ConfigTarget;
  throw inputError('BAD_TARGET', `unknown config target "${t}"`, `use one of: ${CONFIG_TARGETS.join(', ')}`);
}

export function parseHost(opts: ConfigOptions): RegistryHost {
  if (opts.host === undefined) throw inputError('MISSING_HOST', 'no --host given', 'pass --host registry.example.com (the name clients use)');
  const hp = tryParseRegistryHost(opts.host);
  if (!hp) throw inputError('BAD_HOST', `invalid --host "${opts.host}"`, 'use a host name, an IPv4 address or a bracketed IPv6 address, optionally with :PORT');
  if (opts.port !== undefined) {
    if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) throw inputError('BAD_PORT', `invalid --port "${opts.port}"`, 'use a port from 1 to 65535');
    if (hp.port !== undefined && hp.port !== opts.port) throw inputError('PORT_TWICE', `--host ${opts.host} and --port ${opts.port} disagree`, 'give the port once');
    return tryParseRegistryHost(`${hp.name}:${opts.port}`)!;
  }
  return hp;
}

interface ServerFiles {
  certificate: string;
  key: string;
  clientca: string;
  warnings: string[];
}

/** The server certificate, its key and the CA, checked to belong together. */
async function readServerFiles(dir: string, name: string, hp: RegistryHost, ctx: CommandContext): Promise<ServerFiles> {
  const certificate = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  const clientca = path.join(dir, 'ca.crt');
  const hint = `run "regcert issue ${hp.bareHost} --server --dir ${dir}" or pass --server-cert NAME`;
  const { chain, leaf } = await readServiceKeyPair(certificate, key, { what: 'server', hint, flag: '--server-cert', users: 'registries and nginx' }, ctx);
  const ca = (await readCertificateFile(clientca, 'CA certificate', `run "regcert init-ca --dir ${dir}" or pass --dir`))[0]!;
  const warnings: string[] = [];
  const verdict = await verifyChain(chain, [ca], { now: ctx.now, usage: 'serverAuth' });
  if (!verdict.ok) warnings.push(`${certificate} does not verify against ${clientca} (with the intermediates in its file): ${verdict.reason}; clients that trust only this CA will refuse the server`);
  const sans = certificateSans(leaf).map((s) => s.value.toLowerCase());
  const host = hp.bareHost.toLowerCase();
  const covered = sans.some((s) => s === host || (s.startsWith('*.') && host.endsWith(s.slice(1)) && host.split('.').length === s.split('.').length));
  if (!covered) warnings.push(`${certificate} does not name ${hp.bareHost} in its SANs (${sans.join(', ') || 'none'}): clients will refuse it; reissue with --san ${hp.bareHost}`);
  return { certificate, key, clientca, warnings };
}

/** nginx's ssl_crl line: on with --crl, else a comment saying how to turn it on. */
function crlDirective(dir: string, on: boolean): string {
  const file = path.join(dir, CRL_FILE);
  if (!isNginxSafe(file)) throw inputError('BAD_PATH', `the path ${file} cannot be written safely in nginx.conf`, 'use a --dir without "$", ";", braces or line breaks');
  return on
    ? `ssl_crl                 ${nginxString(file)};   # refused: certificates revoked with "regcert revoke"; refresh daily with "regcert crl"`
    : `# ssl_crl               ${nginxString(file)};   # enable with "regcert config nginx --crl" once "regcert crl" has written it`;
}

export async function config(opts: ConfigOptions, ctx: CommandContext): Promise<ConfigResult> {
  const target = parseTarget(opts.target);
  if (target === 'token-auth') {
    const t = await (await import('./config/token-auth.js')).buildTokenAuth(opts, ctx);
    return { command: 'config', target, host: t.service, content: t.content, files: await writeConfig(opts, t.content, 0o644), warnings: t.warnings, next: t.next };
  }
  if (target === 'cron' || target === 'systemd') {
    const { configSchedule } = await import('./config/schedule.js');
    return { command: 'config', target, host: null, warnings: [], ...(await configSchedule(target, opts)) };
  }
  const hp = parseHost(opts);
  const dir = path.resolve(opts.dir ?? DEFAULT_PKI_DIR);
  if (target === 'client') {
    const c = await (await import('./config/client.js')).buildClientConfig(opts, hp, ctx);
    return { command: 'config', target, host: hp.name, content: c.content, files: await writeConfig(opts, c.content, 0o644), warnings: c.warnings, next: c.next, client: c.client };
  }
  if (target === 'zot') {
    const f = await readServerFiles(dir, opts.serverCert ?? hp.bareHost, hp, ctx);
    const z = await (await import('./config/zot.js')).buildZotConfig(opts, hp, f);
    return { command: 'config', target, host: hp.name, content: z.content, files: await writeConfig(opts, z.content, 0o644), warnings: z.warnings, next: z.next, zot: z.zot };
  }
  const template = await readTemplate(TEMPLATE_FILE[target]);
  const caPath = path.join(dir, 'ca.crt');
  let content: string;
  let warnings: string[] = [];
  const next: string[] = [];
  let containerdConfigPath: ConfigResult['containerdConfigPath'];
  const out = opts.out;
  switch (target) {
    case 'registry': {
      const f = await readServerFiles(dir, opts.serverCert ?? hp.bareHost, hp, ctx);
      warnings = f.warnings;
      content = renderTemplate(template, {
        host: hp.name,
        addr: yamlString(`:${hp.port ?? 443}`),
        certificate: yamlString(f.certificate),
        key: yamlString(f.key),
        clientca: yamlString(f.clientca),
      });
      next.push(`merge the http block into the registry's config.yml and restart it`);
      next.push(`regcert verify https://${hp.name} --cert CLIENT.crt --key CLIENT.key --ca ${caPath}`);
      break;
    }
    case 'nginx': {
      const f = await readServerFiles(dir, opts.serverCert ?? hp.bareHost, hp, ctx);
      warnings = f.warnings;
      const upstream = opts.upstream ?? 'http://127.0.0.1:5000';
      if (!/^https?:\/\/[^\s;{}$"]+$/.test(upstream)) throw inputError('BAD_UPSTREAM', `invalid --upstream "${upstream}"`, 'pass a URL such as http://127.0.0.1:5000');
      for (const p of [f.certificate, f.key, f.clientca]) {
        if (!isNginxSafe(p)) throw inputError('BAD_PATH', `the path ${p} cannot be written safely in nginx.conf`, 'use a --dir without "$", ";", braces or line breaks');
      }
      content = renderTemplate(template, {
        host: hp.name,
        port: String(hp.port ?? 443),
        serverName: hp.bareHost.includes(':') ? `[${hp.bareHost}]` : hp.bareHost,
        certificate: nginxString(f.certificate),
        key: nginxString(f.key),
        clientca: nginxString(f.clientca),
        crl: crlDirective(dir, opts.crl === true),
        upstream,
        // An HTTPS registry behind (Harbor serves TLS itself): send it its name; verifying it needs its CA.
        upstreamTls: upstream.startsWith('https:')
          ? 'proxy_ssl_server_name               on;\n        # proxy_ssl_verify                  on;   # with the CA of the registry behind:\n        # proxy_ssl_trusted_certificate     /path/to/upstream-ca.crt;'
          : '',
      }).replace(/\n[ \t]+\n/g, '\n');
      next.push('put the server block in the http { } context, then run "nginx -t" and reload nginx');
      next.push(`make ${upstream} reachable only through nginx (bind the registry to 127.0.0.1 or firewall its port): nginx is the only certificate check in front of it`);
      if (opts.crl && !(await pathExists(path.join(dir, CRL_FILE)))) warnings.push(`${path.join(dir, CRL_FILE)} does not exist yet: nginx will not start until "regcert crl --dir ${dir}" has written it`);
      if (opts.crl) next.push(`keep ${path.join(dir, CRL_FILE)} fresh: "regcert config systemd --dir ${dir} --crl" refreshes it daily (reload nginx after); a CRL past its nextUpdate makes nginx refuse every client`);
      break;
    }
    case 'containerd': {
      content = await renderHostsToml(hp);
      // The CRI plugin reads hosts.toml only with config_path, in a section that depends on the config version.
      containerdConfigPath = { '1.x': configPathLines(2, CERTS_DIRS.containerd), '2.x': configPathLines(3, CERTS_DIRS.containerd) };
      next.push(`save this as ${CERTS_DIRS.containerd}/${hp.name}/hosts.toml, or run: regcert install-host ${hp.name} --runtime containerd --cert CLIENT.crt --key CLIENT.key --ca ${caPath}`);
      const indent = (t: string) => t.trimEnd().replace(/^/gm, '    ');
      next.push(`containerd 1.x (config.toml version = 2): add to ${CONFIG_FILES.containerd} and restart containerd:\n${indent(containerdConfigPath['1.x'])}`);
      next.push(`containerd 2.x (config.toml version = 3): add to ${CONFIG_FILES.containerd} and restart containerd:\n${indent(containerdConfigPath['2.x'])}`);
      next.push(`(or let regcert merge it: regcert install-host ${hp.name} --runtime containerd --config ${CONFIG_FILES.containerd} …)`);
      break;
    }
    case 'mke-trust': {
      const ca = (await readCertificateFile(caPath, 'CA certificate', `run "regcert init-ca --dir ${opts.dir ?? DEFAULT_PKI_DIR}" or pass --dir`))[0]!;
      const caBundle = certificateToPem(ca).trimEnd();
      content = renderJsonTemplate(template, { host: hp.name, caBundle });
      const mke = (opts.mke ?? 'https://mke.example.com').replace(/\/+$/, '');
      const file = out ?? 'mke-trust.json';
      if (out === undefined) next.push(`save this JSON as ${file} (or pass --out ${file})`);
      next.push(
        `curl --cacert ca.pem --cert cert.pem --key key.pem -X POST -H "Accept: application/json" -H "Content-Type: application/json" -d @${shellWord(file)} ${shellWord(`${mke}/api/config/trustedregistry_`)}`,
      );
      next.push('(run it where an MKE admin client bundle is unpacked: ca.pem, cert.pem and key.pem come from the bundle)');
      break;
    }
    case 'msr-enable': {
      await readInputFile(caPath, 'CA certificate', `run "regcert init-ca --dir ${opts.dir ?? DEFAULT_PKI_DIR}" or pass --dir`, 'certificate');
      content = renderTemplate(template, { host: hp.name, caPath: caPath.replace(/[\r\n]/g, ' '), caPathShell: shellWord(caPath) });
      next.push(`MKE_URL=https://mke.example.com REPLICA_ID=... sh ${out ?? 'msr-enable.sh'}`);
      break;
    }
  }
  const files = await writeConfig(opts, content, target === 'msr-enable' ? 0o755 : 0o644);
  return { command: 'config', target, host: hp.name, content, files, warnings, next, ...(containerdConfigPath ? { containerdConfigPath } : {}) };
}

/** --out FILE: the rendered document, written once it is complete. */
async function writeConfig(opts: ConfigOptions, content: string, mode: number): Promise<WrittenFile[]> {
  if (opts.out === undefined) return [];
  return writeFiles([{ path: opts.out, data: content, mode, kind: 'config' }], { force: opts.force ?? false });
}
