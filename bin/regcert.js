#!/usr/bin/env node
// The CLI's entry (`node bin/regcert.js`, the package's bin). It runs the
// bundle dist/bundle/cli.cjs (scripts/build-bundle.mjs) through a V8 code
// cache when the cache was made for this Node, V8, CPU architecture and this
// very bundle; any other cache is ignored and the bundle is compiled as
// usual. Without a bundle (or with REGCERT_BUNDLE=0) it runs the tsc build,
// dist/cli/main.js. REGCERT_DEBUG_LOAD=1 says on stderr which path was taken.
// This file is CommonJS (bin/package.json): Node starts a CommonJS entry
// without its ESM loader, which `regcert issue` would otherwise pay for (issue 21).
'use strict';
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');

const bundle = path.join(__dirname, '..', 'dist', 'bundle', 'cli.cjs');
const bundleUrl = pathToFileURL(bundle);
/** Set by scripts/build-bundle.mjs when it makes the code cache. */
const writingCache = process.env.REGCERT_WRITE_CODE_CACHE === '1';
const cacheFile = `${bundle}.cache`;
const debug = process.env.REGCERT_DEBUG_LOAD === '1' ? (m) => process.stderr.write(`regcert: load: ${m}\n`) : () => {};

/** What a cache must have been made for: this runtime and this bundle (its first line names its hash). */
function cacheKey(source) {
  const m = /^\/\/ regcert-bundle sha256=([0-9a-f]{64})\n/.exec(source);
  return m && { node: process.versions.node, v8: process.versions.v8, arch: process.arch, bundle: m[1] };
}

/**
 * The header line of a cache file: the key as JSON, padded with spaces so that V8's bytes start
 * at a multiple of 8. V8 copies cached data that is not pointer-aligned before reading it:
 * 1.2 MB more memory touched at every start (issue 21), for nothing.
 */
function cacheHeader(key) {
  const json = JSON.stringify(key);
  return Buffer.from(`${json}${' '.repeat((8 - ((Buffer.byteLength(json) + 1) % 8)) % 8)}\n`);
}

/** The cache file: one JSON header line (the key it was made for), then V8's bytes (at an offset that is a multiple of 8). */
function readCache(key) {
  let data;
  try {
    data = readFileSync(cacheFile);
  } catch {
    return { why: 'no code cache' };
  }
  const nl = data.indexOf(10);
  let header;
  try {
    header = JSON.parse(data.subarray(0, nl).toString('utf8'));
  } catch {
    return { why: 'code cache ignored: unreadable header' };
  }
  for (const k of ['node', 'v8', 'arch', 'bundle']) {
    if (header[k] !== key[k]) return { why: `code cache ignored: made for ${k} ${String(header[k]).slice(0, 16)}, this is ${key[k].slice(0, 16)}` };
  }
  return { bytes: data.subarray(nl + 1) };
}

function loadMain() {
  if (process.env.REGCERT_BUNDLE === '0') return null;
  let source;
  try {
    source = readFileSync(bundle, 'latin1'); // pure ASCII (scripts/build-bundle.mjs checks): no decoding
  } catch {
    return null;
  }
  const key = cacheKey(source);
  if (!key) return null;
  const cache = writingCache ? { why: 'writing a new code cache' } : readCache(key);
  // The bundle is one function expression (exports, require, module, __filename, __dirname, __regcertUrl).
  const script = new vm.Script(source, { filename: bundle, cachedData: cache.bytes });
  if (cache.bytes) debug(script.cachedDataRejected ? 'bundle; code cache rejected by V8' : 'bundle with code cache');
  else debug(`bundle; ${cache.why}`);
  const loaded = { exports: {} };
  script.runInThisContext()(loaded.exports, createRequire(bundle), loaded, bundle, path.dirname(bundle), bundleUrl.href);
  if (writingCache) {
    process.once('beforeExit', () => {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, Buffer.concat([cacheHeader(key), script.createCachedData()]));
      renameSync(tmp, cacheFile);
    });
  }
  return loaded.exports.main;
}

// `regcert --version` alone needs none of the CLI: the version is package.json's, as the CLI's
// own --version prints it (src/cli/main.ts), without compiling the bundle (issue 12: start-up).
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V') && !writingCache) {
  debug('--version without the CLI');
  process.stdout.write(`${JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version}\n`);
  process.exit(0);
}

void (async () => {
  const main = loadMain() ?? (debug('tsc build (dist/cli/main.js)'), (await import('../dist/cli/main.js')).main);
  process.exitCode = await main(args);
})();
