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
});
