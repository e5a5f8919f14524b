/**
 * Host name lookups for the Docker insecure-registry rule: moby resolves a
 * registry's host name and matches every address against 127.0.0.0/8 and
 * the insecure-registries CIDRs. Bounded: a lookup that takes longer than
 * RESOLVE_TIMEOUT_MS counts as "no addresses" (as moby does on failure).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { RESOLVE_TIMEOUT_MS } from '../core/defaults.js';

export async function resolveAddresses(names: readonly string[], timeoutMs = RESOLVE_TIMEOUT_MS): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  await Promise.all(
    [...new Set(names)].map(async (name) => {
      if (isIP(name)) return out.set(name, [name]);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<string[]>((resolve) => {
        timer = setTimeout(() => resolve([]), timeoutMs);
        timer.unref();
      });
      const found = lookup(name, { all: true, verbatim: true }).then(
        (r) => r.map((a) => a.address),
        () => [] as string[],
      );
      out.set(name, await Promise.race([found, timeout]));
      clearTimeout(timer);
      return undefined;
    }),
  );
  return out;
}
