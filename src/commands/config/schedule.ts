/**
 * `regcert config cron|systemd`: unattended renewal. A crontab line, or a
 * systemd service + timer, running
 *   regcert renew --all --if-expiring 30d --dir DIR [--install H ...] [--exec CMD]
 * (and `regcert crl --dir DIR` with --crl, so the CRL never goes stale) with
 * absolute paths: the node binary and regcert's own bin/regcert.js, or --regcert.
 */
import path from 'node:path';
import { DEFAULT_PKI_DIR, DAY_MS } from '../../core/defaults.js';
import { inputError } from '../../core/errors.js';
import { parseRegistryHost } from '../../core/registry-host.js';
import { cronCommand, renderTemplate, systemdWord } from '../../core/template.js';
import { parseDurationFlag } from '../../core/time.js';
import { parseRuntimeName } from '../../runtimes/types.js';
import { writeFiles, type PlannedFile, type WrittenFile } from '../../io/files.js';
import { readTemplate, regcertBin } from '../../io/templates.js';

export interface ScheduleOptions {
  dir?: string | undefined;
  name?: string | undefined;
  ifExpiring?: string | undefined;
  install?: string | undefined;
  runtime?: string[] | undefined;
  certsDir?: string | undefined;
  exec?: string | undefined;
  crl?: boolean | undefined;
  caPasswordFile?: string | undefined;
  regcert?: string | undefined;
  out?: string | undefined;
  force?: boolean | undefined;
}

export interface ScheduleDocuments {
  content: string;
  files: WrittenFile[];
  next: string[];
}

/** The running regcert as an absolute command: node and its bin/regcert.js. */
function regcertCommand(override: string | undefined): string[] {
  if (override !== undefined) {
    if (!path.isAbsolute(override)) throw inputError('RELATIVE_REGCERT', `--regcert "${override}" is not an absolute path`, 'cron and systemd do not search your PATH: pass the full path, e.g. --regcert "$(command -v regcert)"');
    return [override];
  }
  return [process.execPath, regcertBin()];
}

function refuseLineBreaks(values: Array<string | undefined>): void {
  for (const v of values) {
    if (v !== undefined && /[\r\n\0]/.test(v)) throw inputError('LINE_BREAK', 'a value contains a line break', 'cron lines and unit files hold one command per line: remove the line break');
  }
}

/** The argument lists of the commands the schedule runs. */
function commands(opts: ScheduleOptions, dir: string, window: string): string[][] {
  const bin = regcertCommand(opts.regcert);
  const renew = [...bin, 'renew', ...(opts.name !== undefined ? [opts.name] : ['--all']), '--if-expiring', window, '--dir', dir];
  if (opts.install !== undefined) {
    renew.push('--install', parseRegistryHost(opts.install).name);
    // Checked now: a bad value would only show when cron runs the line.
    for (const r of opts.runtime ?? []) renew.push('--runtime', parseRuntimeName(r));
    if (opts.certsDir !== undefined) renew.push('--certs-dir', path.resolve(opts.certsDir));
  } else if (opts.runtime?.length || opts.certsDir !== undefined) {
    throw inputError('INSTALL_OPTIONS', '--runtime and --certs-dir only apply with --install', 'add --install HOST[:PORT]');
  }
  if (opts.exec !== undefined) renew.push('--exec', opts.exec);
  const ca = opts.caPasswordFile !== undefined ? ['--ca-password-file', path.resolve(opts.caPasswordFile)] : [];
  const out = [[...renew, ...ca]];
  if (opts.crl) out.push([...bin, 'crl', '--dir', dir, ...ca]);
  return out;
}

export async function configSchedule(target: 'cron' | 'systemd', opts: ScheduleOptions): Promise<ScheduleDocuments> {
  const dir = path.resolve(opts.dir ?? DEFAULT_PKI_DIR);
  const window = opts.ifExpiring ?? '30d';
  const ms = parseDurationFlag(window, '--if-expiring');
  refuseLineBreaks([dir, opts.name, opts.install, opts.certsDir, opts.exec, opts.caPasswordFile, opts.regcert, ...(opts.runtime ?? [])]);
  const cmds = commands(opts, dir, window);
  const windowText = `${ms / DAY_MS} days`;
  const next: string[] = [];
  let planned: PlannedFile[];
  let content: string;
  if (target === 'cron') {
    const lines = cmds.map((c, i) => `${17 + i} 3 * * * ${cronCommand(c)}`).join('\n');
    content = renderTemplate(await readTemplate('regcert-renew.cron'), { dir, window: windowText, lines });
    planned = opts.out !== undefined ? [{ path: opts.out, data: content, mode: 0o644, kind: 'config' }] : [];
    next.push(opts.out !== undefined ? `crontab -l | cat - ${opts.out} | crontab -   (or add the line with "crontab -e")` : 'add the line with "crontab -e"');
  } else {
    const execStart = cmds.map((c) => `ExecStart=${c.map(systemdWord).join(' ')}`).join('\n');
    const service = renderTemplate(await readTemplate('regcert-renew.service'), { dir, window: windowText, execStart });
    const timer = await readTemplate('regcert-renew.timer');
    content = `# --- regcert-renew.service ---\n${service}\n# --- regcert-renew.timer ---\n${timer}`;
    const outDir = opts.out;
    planned =
      outDir !== undefined
        ? [
            { path: path.join(outDir, 'regcert-renew.service'), data: service, mode: 0o644, kind: 'config' },
            { path: path.join(outDir, 'regcert-renew.timer'), data: timer, mode: 0o644, kind: 'config' },
          ]
        : [];
    next.push(`${outDir === undefined ? 'save the two units (or pass --out /etc/systemd/system) and ' : ''}run: systemctl daemon-reload && systemctl enable --now regcert-renew.timer`);
    next.push(`systemd-analyze verify ${path.join(outDir ?? '/etc/systemd/system', 'regcert-renew.service')}`);
  }
  const files = planned.length ? await writeFiles(planned, { force: opts.force ?? false }) : [];
  return { content, files, next };
}
