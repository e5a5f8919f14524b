// typescript-eslint for src/ and test/, kept small so every helper's code passes:
// regcert/no-cycle (scripts/eslint-no-cycle.mjs: every import counts, type-only
// ones too) keeps the layers honest, and src/core stays pure (no file
// system, network, processes or console: those belong to src/io, src/net, src/cli).
import tseslint from 'typescript-eslint';
import regcert from './scripts/eslint-no-cycle.mjs';

const IMPURE = ['fs', 'fs/promises', 'net', 'tls', 'http', 'https', 'http2', 'dgram', 'dns', 'dns/promises', 'child_process', 'process', 'os', 'worker_threads', 'cluster', 'readline'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/**', 'coverage/**'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    extends: [tseslint.configs.recommended],
    plugins: { regcert },
    rules: {
      'regcert/no-cycle': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'error',
      // `let x; … x = …` before a closure that uses it is a common, clear pattern here.
      'prefer-const': 'off',
    },
  },
  {
    // No command imports another command's module (scripts/eslint-no-cycle.mjs no-command-import):
    // what two commands share lives on a lower floor. A command with parts keeps them in a folder
    // of its name (config.ts and config/*.ts). Listed here, with its reason, is the only edge
    // left between commands.
    files: ['src/commands/**/*.ts'],
    rules: {
      'regcert/no-command-import': [
        'error',
        {
          dir: 'src/commands',
          // What every command receives besides its options: a type, no command.
          shared: ['context.ts'],
          allow: {
            // quickstart is a script of whole commands, run in turn as a user would run them (their
            // options, checks and results, unchanged): moving four commands' bodies a floor down
            // for it would leave src/commands as shims. install-host's step it takes from src/runtimes.
            'quickstart.ts': ['init-ca.ts', 'issue.ts', 'to-p12.ts', 'verify.ts'],
          },
        },
      ],
    },
  },
  {
    // Tests walk JSON documents by key: an `any` there is a reading aid, not a hole.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: IMPURE.flatMap((m) => [m, `node:${m}`]).map((name) => ({ name, message: 'src/core is pure: file, network and process access belong in src/io, src/net or src/cli' })),
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'src/core is pure: pass what you need from process as a parameter' }],
      'no-console': 'error',
    },
  },
);
