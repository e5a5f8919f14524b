/**
 * Docker content trust (DOCKER_CONTENT_TRUST=1) and the Notary CLI: they
 * talk to the registry's Notary server (MSR serves it on the registry's
 * own address) and read the client certificate from
 * ~/.docker/tls/HOST[:PORT]/ as client.cert and client.key, with the CA as
 * ca.crt (MSR docs, "Notary CLI operations with MSR"). Always per user.
 */
import { homeFolderRuntime } from './certs-d.js';
import type { Problem, Runtime } from './types.js';

export const contentTrust: Runtime = {
  ...homeFolderRuntime('content-trust', ['.docker', 'tls'], (host) => [
    `export DOCKER_CONTENT_TRUST=1; docker push ${host.name}/IMAGE:TAG signs through https://${host.name} with this client certificate`,
  ]),
  title: 'Docker content trust / Notary CLI (~/.docker/tls/HOST)',
  check(): Problem[] {
    return [];
  },
};
