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
import { homeFolderRuntime, hostFolderName } from './certs-d.js';
import { insecureRegistryProblem } from './docker.js';
import type { Problem, Runtime, RuntimeFacts } from './types.js';

const folder = homeFolderRuntime('docker-desktop', ['.docker', 'certs.d'], (host) => [
  `restart Docker Desktop (it copies ~/.docker/certs.d into its VM at start), then docker pull ${host.name}/IMAGE`,
]);

export const dockerDesktop: Runtime = {
  ...folder,
  title: 'Docker Desktop (~/.docker/certs.d, copied into its VM)',
  check(facts: RuntimeFacts): Problem[] {
    const out: Problem[] = [];
    for (const h of facts.hosts) {
      const p = insecureRegistryProblem(h, path.join(folder.roots(facts.env)[0]!, hostFolderName(h, facts.env.platform)), facts);
      if (p) out.push(p);
    }
    return out;
  },
};
