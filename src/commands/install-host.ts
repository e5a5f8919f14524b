/**
 * `regcert install-host`: lay out the client certificate, its key and the
 * registry CA where a container runtime reads them.
 *
 * The step itself lives in src/runtimes/install.ts, one floor down, because
 * renew --install and quickstart run it too (no command imports another).
 */
export { installHost, type InstallHostOptions, type InstallHostResult } from '../runtimes/install.js';
