/** The start-up path loads only what the chosen command needs, in the bundle (the default) and in the tsc build. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, run } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir();
// core/errors is tiny and main.ts needs it to classify errors; everything else in core is PKI.
// The tsc build shows up as dist/… URLs, the bundle's modules as bundle:/src/… and bundle:/node_modules/….
const HEAVY = ['@peculiar/x509', 'pkijs', 'asn1js', '@inquirer', 'reflect-metadata', '/net/', '/commands/', '/core/x509', '/core/certificates', '/core/keys', '/core/cert-builder'];
const BUILDS = [
  ['bundle', { REGCERT_BUNDLE: undefined }, '/src/cli/main.ts'],
  ['tsc build', { REGCERT_BUNDLE: '0' }, '/dist/cli/main.js'],
] as const;

async function loaded(args: string[], env: Record<string, string | undefined>): Promise<string[]> {
  const trace = path.join(dir, `${args.join('_').replace(/\W/g, '')}-${env.REGCERT_BUNDLE ?? 'bundle'}.txt`);
  const r = await run(process.execPath, ['--import', path.join(ROOT, 'test/helpers/trace-imports.mjs'), BIN, ...args], {
    env: { ...env, REGCERT_TRACE_IMPORTS: trace },
  });
  expect(r.code).toBe(0);
  // Only regcert's own modules and its dependencies: /src/cli/commands/ registers commands and is light.
  return readFileSync(trace, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((u) => u.replace(/\/(dist|src)\/cli\/commands\//, '/$1/cli/command-wiring/'));
}

describe.each(BUILDS)('lazy loading (%s)', (_name, env, mainModule) => {
  it.each([[['--version']], [['--help']], [['issue', '--help']], [['init-ca', '--help']]])('regcert %j loads no PKI, prompt or network code', async (args) => {
    const urls = await loaded(args, env);
    // --version alone is answered by bin/regcert.js without loading the CLI at all.
    expect(urls.some((u) => u.includes(mainModule))).toBe(args[0] !== '--version');
    for (const heavy of HEAVY) expect(urls.filter((u) => u.includes(heavy))).toEqual([]);
  });

  it('regcert --version and -V print what the CLI itself prints (package.json), without loading it', async () => {
    const cli = await run(process.execPath, ['--input-type=module', '-e', `const { main } = await import(${JSON.stringify(path.join(ROOT, 'dist/cli/main.js'))}); process.exitCode = await main(['--version']);`]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toBe(`${(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}\n`);
    for (const flag of ['--version', '-V']) {
      const r = await run(process.execPath, [BIN, flag], { env: { ...env, REGCERT_DEBUG_LOAD: '1' } });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(cli.stdout);
      expect(r.stderr).toContain('--version without the CLI');
    }
  });

  it('regcert issue NAME --client and renew NAME load no @peculiar/x509, tsyringe, reflect-metadata, asn1-schema or asn1-* package (issue 21: start-up)', async () => {
    const pki = path.join(dir, `pki-issue-${env.REGCERT_BUNDLE ?? 'bundle'}`);
    expect((await run(process.execPath, [BIN, 'init-ca', '--dir', pki], { env })).code).toBe(0);
    // Certificates are read by hand (core/cert-asn.ts) and pbe.ts loads only for an encrypted key: no asn1-schema, no asn1-* classes.
    const NOT_FOR_ONE_LEAF = ['@peculiar/x509', 'tsyringe', 'reflect-metadata', '/core/x509', '/core/pbe', '@peculiar/asn1-', 'pvtsutils', '@inquirer', 'pkijs', '/net/'];
    for (const args of [
      ['issue', 'alice', '--client', '--dir', pki],
      ['renew', 'alice', '--dir', pki],
    ]) {
      const urls = await loaded(args, env);
      expect(urls.some((u) => u.includes(`/commands/${args[0]}`))).toBe(true);
      expect(urls.some((u) => u.includes('/core/cert-asn'))).toBe(true); // it did read certificates
      for (const heavy of NOT_FOR_ONE_LEAF) expect(urls.filter((u) => u.includes(heavy)), `${args[0]}: ${heavy}`).toEqual([]);
    }
  });

  it('a real command does load the PKI code (the trace works)', async () => {
    const urls = await loaded(['init-ca', '--dir', path.join(dir, `pki-${env.REGCERT_BUNDLE ?? 'bundle'}`)], env);
    expect(urls.some((u) => u.includes('@peculiar/x509'))).toBe(true);
    expect(urls.some((u) => u.includes('/commands/init-ca'))).toBe(true);
  });
});

describe('lazy barrels (bundle)', () => {
  it("crl evaluates the @peculiar/asn1-x509 files it uses, not the package's every file (scripts/build-bundle.mjs LAZY_BARRELS)", async () => {
    const pki = path.join(dir, 'pki-barrel');
    expect((await run(process.execPath, [BIN, 'init-ca', '--dir', pki])).code).toBe(0);
    const urls = await loaded(['crl', '--dir', pki], {});
    const files = urls.filter((u) => u.includes('@peculiar/asn1-x509/'));
    // The extensions a CRL carries, and the name they are made of.
    for (const used of ['extensions/authority_key_identifier.js', 'extensions/crl_number.js', 'name.js']) {
      expect(files.some((u) => u.endsWith(`/@peculiar/asn1-x509/build/cjs/${used}`)), used).toBe(true);
    }
    // Never used by crl: certificates and extensions a CRL does not carry.
    for (const unused of ['certificate.js', 'tbs_certificate.js', 'extensions/certificate_policies.js', 'extensions/name_constraints.js', 'extensions/crl_distribution_points.js']) {
      expect(files.some((u) => u.endsWith(`/@peculiar/asn1-x509/build/cjs/${unused}`)), unused).toBe(false);
    }
  });
});
