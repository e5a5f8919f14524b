/** Every runtime regcert knows, by name: install-host, doctor and config use only these. */
import { buildkit } from './buildkit.js';
import { containerd } from './containerd.js';
import { contentTrust } from './content-trust.js';
import { docker } from './docker.js';
import { dockerDesktop } from './docker-desktop.js';
import { k3s, rke2 } from './k3s.js';
import { podman } from './podman.js';
import type { Runtime, RuntimeName } from './types.js';

export * from './types.js';

export const RUNTIMES: Readonly<Record<RuntimeName, Runtime>> = {
  docker,
  'docker-desktop': dockerDesktop,
  podman,
  containerd,
  buildkit,
  k3s,
  rke2,
  'content-trust': contentTrust,
};


