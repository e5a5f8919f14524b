/**
 * `export ansible`: one play that lays out the runtime files (as the
 * runtime plans give them: paths, modes, hosts.toml content) with
 * ansible.builtin.file and ansible.builtin.copy, both idempotent (a second
 * run reports changed=0). Pure: files in, YAML out.
 *
 * Vars: regcert_root (a prefix for every path: a chroot, an image build, a
 * test), regcert_owner / regcert_group, regcert_dir_mode, regcert_become.
 * The private key lives in regcert_client_key: in secrets.yml with --out
 * (ready for `ansible-vault encrypt`), inline otherwise. Every PEM and file
 * body is tagged !unsafe so Ansible never templates it.
 */
import path from 'node:path';
import { commentBlock } from './kubernetes.js';
import { Scalar } from 'yaml';
import { createYamlDocument, renderYaml } from '../core/yaml.js';
import { modeString, type FileKind, type PlannedFile } from '../io/files.js';
import { nodeFiles, WHOLE_CONFIG_FILE, type ClientExport, type TargetOutput } from './targets.js';

/** The vars holding the identity, by file kind. */
const VAR_FOR: Partial<Record<FileKind, string>> = { 'client-certificate': 'regcert_client_cert', 'client-key': 'regcert_client_key', 'ca-bundle': 'regcert_ca' };

const unsafe = (text: string): Scalar => {
  const s = new Scalar(text);
  s.tag = '!unsafe';
  return s;
};

export interface AnsibleInput {
  host: string;
  files: PlannedFile[];
  material: { clientCert: string; clientKey: string; caPem: string };
  /** Put regcert_client_key in a separate vars file (its name), not in the play. */
  secretsFile?: string | undefined;
  header: string;
}

export function renderAnsible(i: AnsibleInput): { playbook: string; secrets?: string } {
  const dirs = [...new Set(i.files.map((f) => path.dirname(f.path)))];
  const items = i.files.map((f) => {
    const v = VAR_FOR[f.kind];
    const content = v !== undefined ? `{{ ${v} }}` : unsafe(typeof f.data === 'string' ? f.data : Buffer.from(f.data).toString('utf8'));
    return { path: f.path, mode: modeString(f.mode), content };
  });
  const vars: Record<string, unknown> = {
    regcert_root: '',
    regcert_owner: 'root',
    regcert_group: 'root',
    regcert_dir_mode: '0755',
    regcert_become: true,
    regcert_client_cert: unsafe(i.material.clientCert),
    regcert_ca: unsafe(i.material.caPem),
  };
  const secretVars = { regcert_client_key: unsafe(i.material.clientKey) };
  const owner = { owner: '{{ regcert_owner }}', group: '{{ regcert_group }}' };
  const play: Record<string, unknown> = {
    name: `Client certificate for the registry ${i.host} (regcert)`,
    hosts: "{{ regcert_hosts | default('all') }}",
    gather_facts: false,
    become: '{{ regcert_become | bool }}',
    vars: i.secretsFile === undefined ? { ...vars, ...secretVars } : vars,
    ...(i.secretsFile === undefined ? {} : { vars_files: [i.secretsFile] }),
    tasks: [
      {
        name: 'Registry host folders',
        'ansible.builtin.file': { path: '{{ regcert_root }}{{ item }}', state: 'directory', mode: '{{ regcert_dir_mode }}', ...owner },
        loop: dirs,
      },
      {
        name: 'Client certificate, key, CA and runtime config',
        'ansible.builtin.copy': { dest: '{{ regcert_root }}{{ item.path }}', content: '{{ item.content }}', mode: '{{ item.mode }}', ...owner },
        loop: items,
        loop_control: { label: '{{ item.path }} ({{ item.mode }})' },
        // The loop items carry the private key: never in logs or diffs.
        no_log: true,
        diff: false,
      },
    ],
  };
  const doc = createYamlDocument([play]);
  doc.commentBefore = commentBlock(i.header);
  const playbook = renderYaml(doc);
  if (i.secretsFile === undefined) return { playbook };
  const sdoc = createYamlDocument(secretVars);
  sdoc.commentBefore = ` The private key for ${i.host} (regcert). Encrypt it in place: ansible-vault encrypt ${i.secretsFile}`;
  return { playbook, secrets: renderYaml(sdoc) };
}

/** `export ansible`: the play (and secrets.yml with --out) for the plans' files. */
export function ansibleTarget(e: ClientExport): TargetOutput {
  const files = nodeFiles(e.plans);
  const header = [`Written by regcert for the registry ${e.host.name} (${e.who}).`, `ansible-playbook -i INVENTORY ${e.out ? 'playbook.yml' : 'THIS.yml'}; vars: regcert_root (path prefix), regcert_owner/regcert_group, regcert_dir_mode, regcert_become, regcert_hosts.`, e.renewal, ...e.configPathHeader].join('\n');
  const r = renderAnsible({ host: e.host.name, files, material: e.material, secretsFile: e.out !== undefined ? 'secrets.yml' : undefined, header });
  const out: TargetOutput['out'] = [];
  if (r.secrets !== undefined) {
    out.push({ name: 'playbook.yml', data: r.playbook, holdsKey: false });
    out.push({ name: 'secrets.yml', data: r.secrets, holdsKey: true });
  } else {
    out.push({ name: '-', data: r.playbook, holdsKey: true });
  }
  const documents = files.map((f) => ({ kind: f.kind, name: f.path }));
  const next = [...(e.out ? [`ansible-vault encrypt ${path.join(e.out, 'secrets.yml')}   (optional: ansible-playbook then needs --ask-vault-pass)`] : []), `ansible-playbook -i INVENTORY ${e.out ? path.join(e.out, 'playbook.yml') : 'PLAYBOOK.yml'}`, ...e.plans.flatMap((p) => (WHOLE_CONFIG_FILE.includes(p.runtime) ? p.next : []))];
  return { out, documents, next };
}
