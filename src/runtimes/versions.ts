/**
 * Which release of a runtime the rules are judged for. Some rules changed
 * between releases (Docker 28 added ::1/128 to its built-in insecure
 * registries; containerd 2.0 dropped registry.configs.*.tls; Podman 6 has a
 * new certs.d order), so doctor and install-host read the installed
 * daemons' versions (or take --runtime-version NAME=VERSION) and hand them
 * to the rules. Pure.
 */
import { inputError } from '../core/errors.js';

export const VERSIONED_RUNTIMES = ['docker', 'containerd', 'podman'] as const;
export type VersionedRuntime = (typeof VERSIONED_RUNTIMES)[number];

export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** As given or as the binary printed it (e.g. "28.5.2+dfsg4"). */
  text: string;
}

/** The versions the rules are judged for; a runtime absent here is unknown (the rules then assume today's release). */
export type RuntimeVersions = Partial<Record<VersionedRuntime, Version>>;

/** The first MAJOR.MINOR[.PATCH] in a version string or a `--version` line. */
export function parseVersion(text: string): Version | undefined {
  const m = /(?:^|[^\d.])(\d{1,4})\.(\d{1,4})(?:\.(\d{1,6}))?/.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), text: (text.trim().split(/\s+/).find((w) => w.startsWith(`${m[1]}.${m[2]}`)) ?? `${m[1]}.${m[2]}`).replace(/[,;]$/, '') };
}

/** --runtime-version NAME=VERSION (repeatable), checked before anything is read. */
export function parseRuntimeVersions(values: readonly string[] | undefined): RuntimeVersions {
  const out: RuntimeVersions = {};
  for (const v of values ?? []) {
    const m = /^([a-z]+)=(.+)$/.exec(v);
    const name = m?.[1] as VersionedRuntime | undefined;
    const version = m ? parseVersion(m[2]!) : undefined;
    if (!m || !name || !(VERSIONED_RUNTIMES as readonly string[]).includes(name) || !version || !/^\d+\.\d+(\.\d+)?([+~-][\w.+~-]*)?$/.test(m[2]!)) {
      throw inputError('BAD_RUNTIME_VERSION', `invalid --runtime-version "${v}"`, `use NAME=MAJOR.MINOR[.PATCH] with NAME one of ${VERSIONED_RUNTIMES.join(', ')} (e.g. docker=28.5.2)`);
    }
    out[name] = { ...version, text: m[2]! };
  }
  return out;
}

/** "containerd 2.1.9" or "containerd (version unknown)", for messages. */
export function versionLabel(name: string, v: Version | undefined): string {
  return v ? `${name} ${v.text}` : `${name} (version unknown)`;
}
