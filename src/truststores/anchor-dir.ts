/**
 * The Linux system stores are all "a folder of anchors + a refresh
 * command that rebuilds a bundle": Debian/Ubuntu and Alpine
 * (update-ca-certificates), RHEL/Fedora (update-ca-trust), SUSE
 * (update-ca-certificates over /etc/pki/trust/anchors). Each store file
 * gives its folder, bundle and command; the install/uninstall rules are here.
 *
 * The anchor is ANCHOR_DIR/regcert-<sha256 prefix>.crt. Installed means: that
 * file holds exactly this CA and the rebuilt bundle contains it. A file of
 * that name with other content was not written by regcert: it is refused,
 * never replaced or removed.
 */
import path from 'node:path';
import { writeFiles } from '../io/files.js';
import { readPlacedFile, removePlacedFile } from '../io/store-files.js';
import { requireTool, runTool, toolComplaint } from '../io/tool.js';
import { operationError } from '../core/errors.js';
import type { StoreChange, StoreId, StoreOptions, TrustAnchor } from './types.js';

export interface AnchorDirSpec {
  id: StoreId;
  /** Where anchors go (the folder the refresh command reads). */
  dir: string;
  /** The bundle the refresh command writes (what OpenSSL, curl and Go read). */
  bundle: string;
  refresh: { tool: string; args: string[]; pkg: string };
}

/** System bundles hold a few hundred certificates (about 200 KB); anything near this is not one. */
const BUNDLE_MAX_BYTES = 64 * 1024 * 1024;

function anchorPath(spec: AnchorDirSpec, anchor: TrustAnchor): string {
  return path.join(spec.dir, `${anchor.anchorName}.crt`);
}

/** Whether the bundle holds the CA: its base64 body, whitespace ignored (each tool wraps lines its own way). */
async function bundleHolds(spec: AnchorDirSpec, anchor: TrustAnchor): Promise<boolean> {
  const data = await readPlacedFile(spec.bundle, BUNDLE_MAX_BYTES);
  if (data === undefined) return false;
  const body = Buffer.from(anchor.der).toString('base64');
  return Buffer.from(data).toString('latin1').replace(/\s+/g, '').includes(body);
}

const commandLine = (spec: AnchorDirSpec) => [spec.refresh.tool, ...spec.refresh.args].join(' ');

async function refresh(spec: AnchorDirSpec): Promise<void> {
  const tool = await requireTool(spec.refresh.tool, spec.refresh.pkg);
  const r = await runTool(tool, spec.refresh.args);
  if (r.code !== 0) throw operationError('REFRESH_FAILED', `${commandLine(spec)} failed: ${toolComplaint(r)}`, `run "${commandLine(spec)}" by hand to see why`);
}

export async function installAnchor(spec: AnchorDirSpec, anchor: TrustAnchor, opts: StoreOptions): Promise<StoreChange[]> {
  const file = anchorPath(spec, anchor);
  const pem = Buffer.from(anchor.pem, 'utf8');
  const current = await readPlacedFile(file, 1024 * 1024);
  if (current !== undefined && !Buffer.from(current).equals(pem)) {
    throw operationError('NOT_OURS', `${file} exists with other content; regcert did not write it`, 'move it away and run the command again');
  }
  const change = (action: StoreChange['action'], detail: string, commands: string[] = []): StoreChange[] => [{ store: spec.id, target: file, action, detail, commands }];
  if (await bundleHolds(spec, anchor)) {
    // Without our file it is trusted through the admin's own anchor (another file, the distribution's set): theirs, left as it is.
    return change('unchanged', current !== undefined ? `already trusted (in ${spec.bundle})` : `already trusted through another anchor in ${spec.bundle} (not added by regcert): left as it is`);
  }
  // The tool first: a machine without it is told what to install, and nothing is written.
  await requireTool(spec.refresh.tool, spec.refresh.pkg);
  if (opts.dryRun) return change('would-add', `would write ${file} and run ${commandLine(spec)}`, [commandLine(spec)]);
  if (current === undefined) await writeFiles([{ path: file, data: anchor.pem, mode: 0o644, kind: 'ca-certificate' }], { dirMode: 0o755 });
  await refresh(spec);
  if (!(await bundleHolds(spec, anchor))) {
    throw operationError('NOT_IN_BUNDLE', `${commandLine(spec)} ran but ${spec.bundle} does not hold the CA`, `check ${commandLine(spec)}'s output; ${file} is in place`);
  }
  return change('added', `trusted: ${spec.bundle} rebuilt`, [commandLine(spec)]);
}

export async function uninstallAnchor(spec: AnchorDirSpec, anchor: TrustAnchor, opts: StoreOptions): Promise<StoreChange[]> {
  const file = anchorPath(spec, anchor);
  const pem = Buffer.from(anchor.pem, 'utf8');
  const current = await readPlacedFile(file, 1024 * 1024);
  const change = (action: StoreChange['action'], detail: string, commands: string[] = []): StoreChange[] => [{ store: spec.id, target: file, action, detail, commands }];
  if (current === undefined) {
    const still = await bundleHolds(spec, anchor);
    return change('absent', still ? `regcert did not add it here, but ${spec.bundle} still holds the CA (added another way: left alone)` : 'not installed by regcert');
  }
  if (!Buffer.from(current).equals(pem)) {
    throw operationError('NOT_OURS', `${file} holds something other than this CA; regcert did not write it and leaves it alone`, 'remove it by hand if it should go');
  }
  await requireTool(spec.refresh.tool, spec.refresh.pkg);
  if (opts.dryRun) return change('would-remove', `would remove ${file} and run ${commandLine(spec)}`, [commandLine(spec)]);
  await removePlacedFile(file, pem);
  await refresh(spec);
  const still = await bundleHolds(spec, anchor);
  return change('removed', still ? `removed, but ${spec.bundle} still holds the CA from another file` : `no longer trusted: ${spec.bundle} rebuilt`, [commandLine(spec)]);
}
