/**
 * The code-health rules npm test runs (scripts/test.sh: eslint, then the
 * tests type-checked): proven to fire, so a silent misconfiguration (e.g. a
 * resolver that sees no imports) cannot pass as "no problems".
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, run } from '../helpers/cli.js';

const eslint = path.join(ROOT, 'node_modules', '.bin', 'eslint');

describe('lint (eslint.config.js)', () => {
  it('src/core importing node:fs fails it', async () => {
    const r = await run(eslint, ['--stdin', '--stdin-filename', 'src/core/probe.ts'], { cwd: ROOT, input: "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n", timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("'node:fs' import is restricted");
    const ok = await run(eslint, ['--stdin', '--stdin-filename', 'src/io/probe.ts'], { cwd: ROOT, input: "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n", timeoutMs: 120_000 });
    expect(ok.code, ok.stdout).toBe(0);
  }, 150_000);

  it('an import cycle fails it', async () => {
    const dir = mkdtempSync(path.join(ROOT, 'test', 'lint-probe-'));
    try {
      writeFileSync(path.join(dir, 'a.ts'), "import { b } from './b.js';\nexport const a = (): unknown => b;\n");
      writeFileSync(path.join(dir, 'b.ts'), "import { a } from './a.js';\nexport const b = (): unknown => a;\n");
      const r = await run(eslint, [dir], { cwd: ROOT, timeoutMs: 120_000 });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('Dependency cycle detected');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);

  it('a type-only import cycle fails it too (an import() back counts)', async () => {
    const dir = mkdtempSync(path.join(ROOT, 'test', 'lint-probe-'));
    try {
      writeFileSync(path.join(dir, 'a.ts'), "import type { B } from './b.js';\nexport interface A { b?: B }\nexport const load = async (): Promise<unknown> => import('./b.js');\n");
      writeFileSync(path.join(dir, 'b.ts'), "import type { A } from './a.js';\nexport interface B { a?: A }\n");
      const r = await run(eslint, [dir], { cwd: ROOT, timeoutMs: 120_000 });
      expect(r.code, r.stdout).toBe(1);
      expect(r.stdout).toMatch(/Dependency cycle detected: test\/lint-probe-\w+\/a\.ts -> test\/lint-probe-\w+\/b\.ts -> test\/lint-probe-\w+\/a\.ts/);
      // The same modules with the edge back removed pass: the rule fires on the cycle, not on type imports.
      writeFileSync(path.join(dir, 'b.ts'), 'export interface B { n?: number }\n');
      const ok = await run(eslint, [dir], { cwd: ROOT, timeoutMs: 120_000 });
      expect(ok.code, ok.stdout).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);

  it("a command importing another command's module fails it, type-only and import() included", async () => {
    const lint = (input: string) => run(eslint, ['--stdin', '--stdin-filename', 'src/commands/probe.ts'], { cwd: ROOT, input, timeoutMs: 120_000 });
    for (const input of [
      "import { fetchCaCommand } from './fetch-ca.js';\nexport const f = fetchCaCommand;\n",
      "import type { CrlResult } from './crl.js';\nexport type R = CrlResult;\n",
      "export const load = async (): Promise<unknown> => (await import('./install-host.js')).installHost;\n",
      "export type R = import('./verify.js').VerifyResult;\n",
      "export type { CrlResult } from './crl.js';\n",
    ]) {
      const r = await lint(input);
      expect(r.code, input).toBe(1);
      expect(r.stdout, input).toMatch(/src\/commands\/probe\.ts imports the command module src\/commands\/(fetch-ca|crl|install-host|verify)\.ts/);
    }
    // The shared context type and the lower floors stay open.
    const ok = await lint("import type { CommandContext } from './context.js';\nimport { timeoutMs } from '../core/time.js';\nexport const f = (c: CommandContext): unknown => [c, timeoutMs];\n");
    expect(ok.code, ok.stdout).toBe(0);
  }, 150_000);

  it("a command's folder of parts (config.ts and config/*.ts) is one command: its parts import each other, another command's part or module fails", async () => {
    const lint = (file: string, input: string) => run(eslint, ['--stdin', '--stdin-filename', file], { cwd: ROOT, input, timeoutMs: 120_000 });
    const own = await lint('src/commands/config/probe.ts', "import type { ZotConfig } from './zot.js';\nimport type { CommandContext } from '../context.js';\nexport type Z = [ZotConfig, CommandContext];\n");
    expect(own.code, own.stdout).toBe(0);
    const up = await lint('src/commands/config/probe.ts', "export const load = async (): Promise<unknown> => (await import('../verify.js')).verify;\n");
    expect(up.code).toBe(1);
    expect(up.stdout).toMatch(/src\/commands\/config\/probe\.ts imports the command module src\/commands\/verify\.ts/);
    const into = await lint('src/commands/probe.ts', "import type { ZotConfig } from './config/zot.js';\nexport type Z = ZotConfig;\n");
    expect(into.code).toBe(1);
    expect(into.stdout).toMatch(/src\/commands\/probe\.ts imports the command module src\/commands\/config\/zot\.ts/);
  }, 150_000);

  it('src has no cycle, type-only imports counted', async () => {
    const r = await run(eslint, ['src'], { cwd: ROOT, timeoutMs: 300_000 });
    expect(r.stdout + r.stderr).not.toContain('Dependency cycle');
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }, 320_000);
});
