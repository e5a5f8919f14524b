/**
 * `export cloud-init`: #cloud-config user data whose write_files entries
 * lay out the runtime files (paths and modes from the runtime plans) on a
 * node's first boot. Pure: files in, YAML out.
 */
import path from 'node:path';
import { commentBlock } from './kubernetes.js';
import { createYamlDocument, renderYaml } from '../core/yaml.js';
import { modeString, type PlannedFile } from '../io/files.js';
import { nodeFiles, type ClientExport, type TargetOutput } from './targets.js';

export function renderCloudInit(files: PlannedFile[], header: string): string {
  const writeFiles = files.map((f) => ({
    path: f.path,
    content: typeof f.data === 'string' ? f.data : Buffer.from(f.data).toString('utf8'),
    owner: 'root:root',
    permissions: modeString(f.mode),
  }));
  const doc = createYamlDocument({ write_files: writeFiles });
  doc.commentBefore = commentBlock(header);
  // cloud-init reads user data as cloud-config only when the first line is exactly this.
  return `#cloud-config\n${renderYaml(doc)}`;
}

/** `export cloud-init`: user data laying out the plans' files (it holds the key). */
export function cloudInitTarget(e: ClientExport): TargetOutput {
  const files = nodeFiles(e.plans);
  const header = [`Written by regcert for the registry ${e.host.name} (${e.who}).`, `User data for new nodes: write_files lays out ${e.plans.map((p) => p.dir).join(', ')}. It holds the private key: pass it only where user data is protected.`, e.renewal, ...e.configPathHeader].join('\n');
  return {
    out: [{ name: e.out !== undefined ? 'user-data' : '-', data: renderCloudInit(files, header), holdsKey: true }],
    documents: files.map((f) => ({ kind: f.kind, name: f.path })),
    next: [`cloud-init schema --config-file ${e.out ? path.join(e.out, 'user-data') : 'USER-DATA'}`, 'pass it as the nodes\' user data (or merge its write_files into yours)'],
  };
}
