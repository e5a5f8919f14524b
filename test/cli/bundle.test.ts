/**
 * Issue 12: the CLI runs as a bundle with a V8 code cache (bin/regcert.js,
 * scripts/build-bundle.mjs). The bundle says what the tsc build says, and a
 * cache made for another Node, V8 or bundle is ignored, never used.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, run, runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const COMMANDS = ['quickstart', 'init-ca', 'issue', 'to-p12', 'install-host', 'fetch-ca', 'verify', 'serve', 'inspect', 'doctor', 'config'];

describe('bundle and tsc build', () => {
  // (--version alone is answered without either: test/cli/startup.test.ts.)
  it.each([[[]], [['--help']], [['--version', '--help']], ...COMMANDS.map((c) => [[c, '--help']])])('regcert %j prints the same from both', async (args) => {
    const bundled = await runCli(args as string[], { env: { REGCERT_DEBUG_LOAD: '1' } });
    const plain = await runCli(args as string[], { env: { REGCERT_BUNDLE: '0', REGCERT_DEBUG_LOAD: '1' } });
    expect(bundled.stderr).toMatch(/^regcert: load: bundle with code cache$/m);
    expect(plain.stderr).toMatch(/^regcert: load: tsc build/m);
    expect(bundled.code).toBe(0);
    expect(plain.code).toBe(0);
    expect(bundled.stdout.length).toBeGreaterThan(0);
    expect(bundled.stdout).toBe(plain.stdout);
  });
});

describe('code cache', () => {
  const dir = tmpDir();
  const cacheBytes = readFileSync(path.join(ROOT, 'dist/bundle/cli.cjs.cache'));
  const nl = cacheBytes.indexOf(10);
  const header = JSON.parse(cacheBytes.subarray(0, nl).toString('utf8')) as Record<string, string>;
  const body = cacheBytes.subarray(nl + 1);

  /** A copy of the installed package (bin, bundle, package.json) whose cache file we can change. */
  function install(name: string, cache: Buffer): string {
    const root = path.join(dir, name);
    mkdirSync(path.join(root, 'dist'), { recursive: true });
    cpSync(path.join(ROOT, 'bin'), path.join(root, 'bin'), { recursive: true });
    cpSync(path.join(ROOT, 'dist/bundle'), path.join(root, 'dist/bundle'), { recursive: true });
    cpSync(path.join(ROOT, 'package.json'), path.join(root, 'package.json'));
    writeFileSync(path.join(root, 'dist/bundle/cli.cjs.cache'), cache);
    return root;
  }
  const withHeader = (h: Record<string, string>, bytes = body) => Buffer.concat([Buffer.from(`${JSON.stringify(h)}\n`), bytes]);
  // `-V --help`: commander prints the version and stops, through the CLI (a lone --version is
  // answered by bin/regcert.js without loading the bundle at all).
  const version = (root: string) => run(process.execPath, [path.join(root, 'bin/regcert.js'), '-V', '--help'], { env: { REGCERT_DEBUG_LOAD: '1' } });
  const pkgVersion = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

  it('the cache npm run build made is for this Node and this bundle, and is used', async () => {
    expect(header).toMatchObject({ node: process.versions.node, v8: process.versions.v8, arch: process.arch });
    const r = await version(install('same', cacheBytes));
    expect(r.stderr).toMatch(/load: bundle with code cache$/m);
    expect(r.stdout.trim()).toBe(pkgVersion);
  });

  it("V8's bytes start at a multiple of 8 in the cache file (V8 copies cached data that is not pointer-aligned: 1.2 MB more memory at every start)", () => {
    expect(nl + 1).toBeGreaterThan(1);
    expect((nl + 1) % 8).toBe(0);
    expect(cacheBytes.subarray(0, nl).toString('utf8')).toMatch(/^\{.*\} *$/);
  });

  it('a cache made for another Node version is ignored, not used (the same V8 bytes would be accepted)', async () => {
    const r = await version(install('other-node', withHeader({ ...header, node: '19.9.0' })));
    expect(r.stderr).toMatch(/load: bundle; code cache ignored: made for node 19\.9\.0, this is /m);
    expect(r.stderr).not.toMatch(/with code cache/);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkgVersion);
  });

  it('a cache made for another V8 or another bundle is ignored', async () => {
    const v8 = await version(install('other-v8', withHeader({ ...header, v8: '11.3.244.8-node.33' })));
    expect(v8.stderr).toMatch(/code cache ignored: made for v8 11\.3\.244\.8-node/);
    const other = await version(install('other-bundle', withHeader({ ...header, bundle: 'f'.repeat(64) })));
    expect(other.stderr).toMatch(/code cache ignored: made for bundle f{16}/);
    for (const r of [v8, other]) expect(r.stdout.trim()).toBe(pkgVersion);
  });

  it('a cache whose bytes V8 refuses, or an unreadable one, falls back to plain loading', async () => {
    const garbage = await version(install('garbage', withHeader(header, Buffer.alloc(body.length, 7))));
    expect(garbage.stderr).toMatch(/load: bundle; code cache rejected by V8$/m);
    const junk = await version(install('junk', Buffer.from('not a cache')));
    expect(junk.stderr).toMatch(/code cache ignored: unreadable header/);
    for (const r of [garbage, junk]) {
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(pkgVersion);
    }
  });
});
