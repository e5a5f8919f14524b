/**
 * `export cloud-init`: #cloud-config user data whose write_files entries
 * lay out the runtime files (paths and modes from the runtime plans) on a
 * node's first boot. Pure: files in, YAML out.
 */
import { commentBlock } from './kubernetes.js';
import { createYamlDocument, renderYaml } from '../core/yaml.js';
import { modeString, type PlannedFile } from '../io/files.js';

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
