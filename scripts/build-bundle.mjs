// The start-up build (issue 12), run by `npm run build` after tsc:
//  - dist/bundle/cli.cjs: the whole CLI in one script (esbuild), as one function
//    expression taking CommonJS's arguments (bin/regcert.js calls it). Modules that
//    are imported dynamically (each command, the prompts, the PKI code) stay
//    lazy: esbuild wraps them in init functions that run on first import, so
//    `--help` still evaluates no PKI, prompt or network code. Its first line
//    names the SHA-256 of the rest, which keys the code cache.
//  - dist/bundle/batch-worker.js: the worker threads of `issue --batch` and
//    `renew --all` (ESM).
//  - dist/bundle/cli.cjs.cache: a V8 code cache for this bundle and this Node
//    (made by running `regcert issue` once with REGCERT_WRITE_CODE_CACHE=1).
//    bin/regcert.js uses it only when its header names this Node, V8, CPU
//    architecture and bundle; anything else is ignored (plain loading).
// REGCERT_TRACE_IMPORTS support: each module of the bundle calls
// globalThis.__regcertTrace?.(its source path) when it is evaluated, so the
// lazy-loading test sees the bundle as it sees the unbundled build.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'bundle');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

/** After a shebang and the directive prologue ("use strict" keeps its meaning), before everything else. */
function insertTrace(source, id) {
  const call = `globalThis.__regcertTrace?.(${JSON.stringify(id)});`;
  let i = 0;
  if (source.startsWith('#!')) i = source.indexOf('\n') + 1;
  const skip = /^(?:\s+|\/\/[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)/;
  const directive = /^(['"])use strict\1;?/;
  for (;;) {
    const rest = source.slice(i);
    const m = skip.exec(rest) ?? directive.exec(rest);
    if (!m || m[0].length === 0) break;
    i += m[0].length;
  }
  return `${source.slice(0, i)}${call}\n${source.slice(i)}`;
}

/** The name a module traces itself by: its path from the package root, `/`-separated, with a leading `/`. */
const traceId = (file) => `/${path.relative(root, file).split(path.sep).join('/')}`;

const trace = {
  name: 'regcert-trace',
  setup(build) {
    build.onLoad({ filter: /\.(ts|js|mjs|cjs)$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      return { contents: insertTrace(source, traceId(args.path)), loader: args.path.endsWith('.ts') ? 'ts' : 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

/** A module that is `require(spec)`, loaded when it is (the builtins src imports dynamically, the islands). */
const requireOf = (spec) => ({ contents: `module.exports = require(${JSON.stringify(spec)});`, loader: 'js' });

// commander requires node:child_process at load time for executable subcommands,
// which regcert has none of; loading it (and dgram, net's socket list) costs start-up.
// Inside commander, it becomes a getter that requires it on first use.
const lazyChildProcess = {
  name: 'regcert-lazy-child-process',
  setup(build) {
    build.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'lazy-child-process', namespace: 'regcert-lazy' } : undefined,
    );
    build.onLoad({ filter: /^lazy-child-process$/, namespace: 'regcert-lazy' }, () => ({
      contents: 'module.exports = { spawn: (...a) => require("node:child_process").spawn(...a) };',
      loader: 'js',
    }));
    // chalk detects colour support when it loads, for its default instance: node:tty (with net and
    // the stream classes) and os. regcert makes its own Chalk with the level it decided
    // (src/cli/output.ts) and uses neither the default instance nor supportsColor: in the
    // bundle, that detection answers "no colour" without loading anything.
    build.onResolve({ filter: /^#supports-color$/ }, (args) =>
      /[\\/]node_modules[\\/]chalk[\\/]/.test(args.importer) ? { path: 'chalk-supports-color', namespace: 'regcert-lazy' } : undefined,
    );
    build.onLoad({ filter: /^chalk-supports-color$/, namespace: 'regcert-lazy' }, () => ({ contents: 'export default { stdout: false, stderr: false };', loader: 'js' }));
    // A Node module that src imports dynamically (io/tool.ts: child_process) is required
    // on first use, as the bundle's own lazy modules are (vm.Script has no import()).
    build.onResolve({ filter: /^node:/ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, namespace: 'regcert-builtin' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'regcert-builtin' }, (args) => requireOf(args.path));
  },
};

// Islands: packages that share no state with the rest of the CLI and are big (the prompts
// bring iconv-lite and chardet: 0.6 MB; yaml 0.17 MB; yauzl) live in their own files,
// dist/bundle/island-NAME.cjs, which the bundle requires on first use. The bundle that
// every command reads and compiles is then 40% smaller. Each island is one module, so
// every importer shares its classes (yaml's Document and isMap). They run without the
// code cache: prompts wait for a person, yaml and zip files are config and import work.
const ISLANDS = { '@inquirer/prompts': 'island-prompts.cjs', yaml: 'island-yaml.cjs', yauzl: 'island-yauzl.cjs' };
const islandFilter = new RegExp(`^(${Object.keys(ISLANDS).map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
const islands = {
  name: 'regcert-islands',
  setup(build) {
    build.onResolve({ filter: islandFilter }, (args) =>
      args.namespace === 'file' && /[\\/]src[\\/]/.test(args.importer) ? { path: args.path, namespace: 'regcert-island' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'regcert-island' }, (args) => requireOf(`./${ISLANDS[args.path]}`));
    build.onResolve({ filter: /^\.\/island-[a-z]+\.cjs$/ }, (args) => ({ path: args.path, external: true }));
  },
};

// Lazy barrels (issue 21: start-up): a package whose index only re-exports its files
// (`tslib.__exportStar(require("./x"), exports)` a line) loads every file when anything is
// imported from it. `crl`, for one, uses 9 of @peculiar/asn1-x509's 43 files of ASN.1 classes
// (`issue` and `renew` now read certificates without them, core/cert-asn.ts; they used 22 of
// the 43, and 3 of @peculiar/asn1-ecc's 6; asn1-ecc stays for `inspect`, which uses 1 of its 6,
// where init-ca uses 5). Such an index is bundled as getters instead,
// one per name it exports, each loading its file on first use: the same names, from the same
// file modules (every importer shares them), first file winning as __exportStar does. The
// names come from requiring each file here, at build time. An index that does anything else
// is bundled as it is.
const LAZY_BARRELS = ['@peculiar/asn1-x509', '@peculiar/asn1-ecc'];
const BARREL_HEADER = ['"use strict";', 'Object.defineProperty(exports, "__esModule", { value: true });', 'const tslib_1 = require("tslib");'];
const BARREL_LINE = /^tslib_1\.__exportStar\(require\("(\.[^"]+)"\), exports\);$/;

/** The files an index re-exports, in order; null when the index does anything else. */
function barrelSpecs(file) {
  const lines = readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('//'));
  if (BARREL_HEADER.some((h, i) => lines[i] !== h)) return null;
  const specs = lines.slice(BARREL_HEADER.length).map((l) => BARREL_LINE.exec(l)?.[1]);
  return specs.length > 0 && specs.every((s) => s !== undefined) ? specs : null;
}

/** Every pure barrel of LAZY_BARRELS (their indexes, and the indexes those re-export), with its lazy source. */
function lazyBarrels() {
  const out = new Map();
  const visit = (file) => {
    const specs = out.has(file) ? null : barrelSpecs(file);
    if (!specs) return;
    const req = createRequire(file);
    const seen = new Set();
    const lines = [
      BARREL_HEADER[0],
      BARREL_HEADER[1],
      'function lazy(names, load) { let m; for (const n of names) Object.defineProperty(exports, n, { enumerable: true, get: () => (m ??= load())[n] }); }',
    ];
    for (const spec of specs) {
      const names = [];
      for (const name in req(spec)) if (name !== 'default' && !seen.has(name)) names.push(name), seen.add(name);
      lines.push(`lazy(${JSON.stringify(names)}, () => require(${JSON.stringify(spec)}));`);
    }
    out.set(file, lines.join('\n'));
    for (const spec of specs) visit(req.resolve(spec));
  };
  const fromRoot = createRequire(path.join(root, 'package.json'));
  for (const pkg of LAZY_BARRELS) {
    const index = fromRoot.resolve(pkg);
    visit(index);
    if (!out.has(index)) throw new Error(`build-bundle: ${pkg}'s index is no longer a pure barrel; drop it from LAZY_BARRELS`);
  }
  return out;
}
const barrels = lazyBarrels();
const lazyBarrel = {
  name: 'regcert-lazy-barrel',
  setup(build) {
    build.onLoad({ filter: /[\\/]index\.js$/ }, (args) => {
      const source = barrels.get(args.path);
      if (source === undefined) return undefined;
      return { contents: insertTrace(source, traceId(args.path)), loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  legalComments: 'none',
  // No comments, and esbuild escapes every non-ASCII character (charset ascii): the bundle is
  // pure ASCII, which bin/regcert.js reads as latin1 (a copy, no UTF-8 decoding) and V8 keeps
  // as a one-byte string. Names are kept (no identifier minifying) for REGCERT_DEBUG stacks.
  minifyWhitespace: true,
  charset: 'ascii',
  logLevel: 'warning',
  plugins: [lazyChildProcess, lazyBarrel, trace],
};

const cli = await esbuild.build({
  ...common,
  entryPoints: [path.join(root, 'src/cli/main.ts')],
  format: 'cjs',
  // The bundle lives two levels below the package root, as dist/cli/main.js does,
  // so new URL('../../package.json', import.meta.url) and the templates resolve alike.
  define: { 'import.meta.url': '__regcertUrl' },
  plugins: [islands, ...common.plugins],
  write: false,
  outfile: path.join(out, 'cli.cjs'),
});
const code = cli.outputFiles[0].text;
if (/(?<![.\w$])import\(\s*["'`]/.test(code)) {
  // vm.Script has no dynamic import here: every import() must have become a lazy init.
  throw new Error('build-bundle: the CLI bundle still contains import(); it cannot run from a code cache');
}
if (/[^\x00-\x7f]/.test(code)) throw new Error('build-bundle: the CLI bundle is not pure ASCII');
// The file is the CommonJS wrapper bin/regcert.js calls, written out: the script V8 compiles
// is the file's text as read, never a 1.3 MB concatenation made at each start.
const wrapped = `(function (exports, require, module, __filename, __dirname, __regcertUrl) {${code}\n})`;
const sha = createHash('sha256').update(wrapped).digest('hex');
writeFileSync(path.join(out, 'cli.cjs'), `// regcert-bundle sha256=${sha}\n${wrapped}`);

for (const [pkg, file] of Object.entries(ISLANDS)) {
  await esbuild.build({
    ...common,
    stdin: { ...requireOf(pkg), resolveDir: root },
    format: 'cjs',
    outfile: path.join(out, file),
  });
}

for (const [worker, dir] of [['batch-worker', 'io']]) {
  await esbuild.build({
    ...common,
    entryPoints: [path.join(root, `src/${dir}/${worker}.ts`)],
    format: 'esm',
    outfile: path.join(out, `${worker}.js`),
  });
}

// The code cache holds what `regcert issue NAME --client` compiles (issue 21: start-up): one
// process makes a CA, and a second, which writes the cache, issues a certificate from it. Other
// commands compile the rest as they run, as without a cache. V8 reads and deserializes the whole
// cache at every start: one of init-ca, issue and --help was 1.26 MB against this one's 0.86 MB,
// and `issue` ran ~3% faster with the smaller one (interleaved runs, the same CA each run).
const warm = mkdtempSync(path.join(tmpdir(), 'regcert-cache-'));
try {
  const pki = path.join(warm, 'pki');
  const bin = path.join(root, 'bin', 'regcert.js');
  const env = { ...process.env, REGCERT_BUNDLE: '1', CI: '1' };
  execFileSync(process.execPath, [bin, 'init-ca', '--dir', pki], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync(process.execPath, [bin, 'issue', 'warm-up', '--client', '--dir', pki], { env: { ...env, REGCERT_WRITE_CODE_CACHE: '1' }, stdio: ['ignore', 'ignore', 'inherit'] });
} finally {
  rmSync(warm, { recursive: true, force: true });
}
