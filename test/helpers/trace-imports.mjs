// A module hook that records every module URL that gets loaded into the
// file named by REGCERT_TRACE_IMPORTS (used to prove lazy loading).
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
void appendFileSync;
