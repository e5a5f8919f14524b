/**
 * Docker content trust (DOCKER_CONTENT_TRUST=1) and the Notary CLI: they
 * talk to the registry's Notary server (MSR serves it on the registry's
 * own address) and read the client certificate from
 * ~/.docker/tls/HOST[:PORT]/ as client.cert and client.key, with the CA as
 * ca.crt (MSR docs, "Notary CLI operations with MSR"). Always per user.
 */
import path from 'node:path';
import type { Problem } from './types.js';
import type { RegistryHost } from '../core/registry-host.js';
import { certsDirPlan } from './certs-d.js';
import type { ClientMaterial, PlanOptions, Runtime, RuntimeEnv, RuntimePlan } from './types.js';

function roots(env: RuntimeEnv): string[] {
  return [path.join(env.home, '.docker', 'tls')];
}

export const contentTrust: Runtime = {
  name: 'content-trust',
  title: 'Docker content trust / Notary CLI (~/.docker/tls/HOST)',
  roots,
  plan: (host: RegistryHost, m: ClientMaterial, o: PlanOptions): Promise<RuntimePlan> =>
    certsDirPlan('content-trust', o.root ?? roots(o.env)[0]!, host, m, o.env.platform, [
      `export DOCKER_CONTENT_TRUST=1; docker push ${host.name}/IMAGE:TAG signs through https://${host.name} with this client certificate`,
    ]),
  check(): Problem[] {
    return [];
  },
};
