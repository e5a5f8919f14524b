/**
 * Every command, in help order, by the name it registers. Adding a command:
 * one file in src/cli/commands/ exporting register(), one line here. These
 * modules only wire commander; each loads its command module when it runs.
 * main.ts builds only the command a run names (its options, help and
 * examples), so each name here is the one its register() gives commander
 * (test/cli/registry.test.ts checks that).
 */
import type { Command } from 'commander';
import type { Runtime } from './runner.js';
import { register as quickstart } from './commands/quickstart.js';
import { register as initCa } from './commands/init-ca.js';
import { register as issue } from './commands/issue.js';
import { register as toP12 } from './commands/to-p12.js';
import { register as installHost } from './commands/install-host.js';
import { register as fetchCa } from './commands/fetch-ca.js';
import { register as trustCa } from './commands/trust-ca.js';
import { register as verify } from './commands/verify.js';
import { register as serve } from './commands/serve.js';
import { register as inspect } from './commands/inspect.js';
import { register as doctor } from './commands/doctor.js';
import { register as config } from './commands/config.js';
import { register as list } from './commands/list.js';
import { register as renew } from './commands/renew.js';
import { register as revoke } from './commands/revoke.js';
import { register as crl } from './commands/crl.js';
import { register as exportFleet } from './commands/export.js';

export const COMMANDS: ReadonlyArray<readonly [name: string, register: (program: Command, rt: Runtime) => void]> = [
  ['quickstart', quickstart],
  ['init-ca', initCa],
  ['issue', issue],
  ['list', list],
  ['renew', renew],
  ['revoke', revoke],
  ['crl', crl],
  ['to-p12', toP12],
  ['install-host', installHost],
  ['fetch-ca', fetchCa],
  ['trust-ca', trustCa],
  ['verify', verify],
  ['serve', serve],
  ['inspect', inspect],
  ['doctor', doctor],
  ['config', config],
  ['export', exportFleet],
];
