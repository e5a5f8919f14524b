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
    // what two commands share lives on a lower floor. Listed here, each with its reason, are the
    // only edges left inside src/commands.
    files: ['src/commands/*.ts'],
    rules: {
      'regcert/no-command-import': [
        'error',
        {
          dir: 'src/commands',
          // What every command receives besides its options: a type, no command.
          shared: ['context.ts'],
          allow: {
            // `regcert config TARGET`: its targets' builders, loaded when that target is asked for.
            'config.ts': ['config-client.ts', 'config-schedule.ts', 'config-token-auth.ts', 'config-zot.ts'],
            // The worker thread's messages.
            'issue-batch.ts': ['issue-batch-worker.ts'],
            // quickstart runs these commands in turn, as a user would.
            'quickstart.ts': ['init-ca.ts', 'issue.ts', 'to-p12.ts', 'install-host.ts', 'verify.ts'],
            // renew --install runs install-host --force for the new pair.
            'renew.ts': ['install-host.ts'],
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
