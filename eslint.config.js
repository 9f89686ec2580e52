import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Runbooks reach the outside world only through ctx; these packages would bypass
// the dry run, the audit log, checkpoints and cancellation.
const forbiddenInRunbooks = [
  { group: ['@kubernetes/*'], message: 'Use ctx.k8s: it honours dry run, audit and the run\'s cluster.' },
  { group: ['ioredis', 'redis', 'bullmq', 'bullmq/*'], message: 'Runbooks do not talk to Redis or the queue; use ctx.step for durable state.' },
  { group: ['@slack/*'], message: 'Use ctx.report() to talk to people.' },
  { group: ['node:child_process', 'child_process', 'node:http', 'node:https', 'http', 'https'], message: 'Side effects go through ctx.' },
  { group: ['../src/*', '!../src/sdk', '../src/*/**', '!../src/sdk/index.js'], message: "Import only the authoring API: import { defineRunbook, z } from 'drover'." },
  { group: ['drover/*', '!drover/testing'], message: "Drover's package exports 'drover' (the authoring API) and 'drover/testing' (the harness)." },
];

const processEnv = { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'Only src/main.ts reads process.env; take the environment as a parameter.' };

// Sinks take only the redactor's output (Redacted); these keep the doors to them shut.
const redactionDoors = [
  {
    selector: "CallExpression[callee.object.property.name=/^(chat|views)$/][callee.property.name=/^(postMessage|postEphemeral|update|open|push|scheduleMessage)$/]",
    message: 'Write to Slack through SlackOut (src/slack/slack-out.ts): it takes redacted content only.',
  },
  { selector: "TSAsExpression > TSTypeReference[typeName.name=/^(Redacted|SafeText)$/]", message: 'Only the redactor (src/redact) makes Redacted values.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'helm/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'bin/*.js', 'scripts/*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', processEnv],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/main.ts', 'src/redact/**', 'src/slack/slack-out.ts'],
    rules: {
      'no-restricted-syntax': ['error', processEnv, ...redactionDoors],
      'no-restricted-imports': ['error', { paths: [{ name: 'pino', importNames: ['pino', 'default'], message: 'Make loggers with redactingLogger (src/redact/redacting-logger.ts).' }] }],
    },
  },
  {
    files: ['src/main.ts', 'bench/**', '*.js', 'bin/*.js', 'test/real-kube/cli.ts', 'test/real-kube/support.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['runbooks/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: forbiddenInRunbooks }] },
  },
  {
    // Runbook tests use node:test, whose test() and describe() return promises the runner awaits.
    files: ['runbooks/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
