/**
 * Docker Desktop (macOS, Windows; also Docker Desktop for Linux).
 *
 * The daemon runs in a VM; Desktop copies ~/.docker/certs.d/HOST[:PORT]/
 * into it, so the folder lives in the user's home, whatever --rootless says.
 * On Windows the folder name drops the ":" (registry.example.com5000).
 * The key must be unencrypted (as everywhere: Go's tls.LoadX509KeyPair).
 * The daemon is moby: 127.0.0.0/8 and insecure-registries (Settings → Docker
 * Engine) get no client certificate, the same rule as docker.ts.
 */
import path from 'node:path';
import type { Problem } from './types.js';
import type { RegistryHost } from '../core/registry-host.js';
import { certsDirPlan, hostFolderName } from './certs-d.js';
import { insecureRegistryProblem } from './docker.js';
import type { ClientMaterial, PlanOptions, Runtime, RuntimeEnv, RuntimeFacts, RuntimePlan } from './types.js';

function roots(env: RuntimeEnv): string[] {
  return [path.join(env.home, '.docker', 'certs.d')];
}

export const dockerDesktop: Runtime = {
  name: 'docker-desktop',
  title: 'Docker Desktop (~/.docker/certs.d, copied into its VM)',
  roots,
  plan: (host: RegistryHost, m: ClientMaterial, o: PlanOptions): Promise<RuntimePlan> =>
    certsDirPlan('docker-desktop', o.root ?? roots(o.env)[0]!, host, m, o.env.platform, [
      `restart Docker Desktop (it copies ~/.docker/certs.d into its VM at start), then docker pull ${host.name}/IMAGE`,
    ]),
  check(facts: RuntimeFacts): Problem[] {
    const out: Problem[] = [];
    for (const h of facts.hosts) {
      const p = insecureRegistryProblem(h, path.join(roots(facts.env)[0]!, hostFolderName(h, facts.env.platform)), facts);
      if (p) out.push(p);
    }
    return out;
  },
};
