// Records every module that gets loaded into the file named by
// REGCERT_TRACE_IMPORTS (used to prove lazy loading): module URLs that the
// ESM loader resolves (the tsc build), and "bundle:/src/…" for each module of
// dist/bundle/cli.cjs when it is evaluated (the bundle calls
// globalThis.__regcertTrace, see scripts/build-bundle.mjs).
import { register } from 'node:module';
import { appendFileSync } from 'node:fs';

const out = process.env.REGCERT_TRACE_IMPORTS;
register(
  'data:text/javascript,' +
    encodeURIComponent(`
      import { appendFileSync } from 'node:fs';
      export async function resolve(spec, ctx, next) {
        const r = await next(spec, ctx);
        appendFileSync(${JSON.stringify(out)}, r.url + '\\n');
        return r;
      }`),
);
globalThis.__regcertTrace = (id) => appendFileSync(out, `bundle:${id}\n`);
