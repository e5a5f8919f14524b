/**
 * Every command, in help order. Adding a command: one file in
 * src/cli/commands/ exporting register(), one line here. These modules
 * only wire commander; each loads its command module when it runs.
 */
import type { Command } from 'commander';
import type { Runtime } from './runner.js';
import { register as initCa } from './commands/init-ca.js';
import { register as issue } from './commands/issue.js';
import { register as toP12 } from './commands/to-p12.js';

export const COMMANDS: Array<(program: Command, rt: Runtime) => void> = [initCa, issue, toP12];
