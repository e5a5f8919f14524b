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

  it('src has no cycle, type-only imports counted', async () => {
    const r = await run(eslint, ['src'], { cwd: ROOT, timeoutMs: 300_000 });
    expect(r.stdout + r.stderr).not.toContain('Dependency cycle');
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }, 320_000);
});
