// One lint configuration for the whole workspace: typescript-eslint's recommended rules plus Nx's module boundaries,
// which keep the algorithm cores (tag "type:core") free of any dependency on I/O libraries.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: [
      '**/dist',
      '**/gen/**',
      '**/node_modules',
      '**/*.cjs',
      '**/coverage',
      '**/out-tsc',
      '**/.bundle',
      '**/dist-page',
    ],
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:core'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:core', 'type:lib'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:core', 'type:lib'] },
            { sourceTag: 'type:tooling', onlyDependOnLibsWithTags: ['type:core', 'type:lib'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...tseslint.configs.recommended.map((config) => ({ ...config, files: ['**/*.ts'] })),
  {
    // The algorithm cores are sans-I/O state machines: time and messages come in as inputs, effects go out. They never
    // reach for a socket, a timer, the clock or randomness, and never import an app or a transport.
    files: ['libs/clock/src/**/*.ts', 'libs/mutex/src/**/*.ts', 'libs/election/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^node:', message: 'A core does no I/O: take what it needs as an input.' },
            { regex: '^@grpc/', message: 'A core knows no transport: its driver in apps/peer speaks gRPC.' },
            {
              regex: '^@distlab/(peer|balancer|cli|factorial-worker|inventory-service)(/|$)|/apps/',
              message: 'A core imports no app: apps sit above the cores.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval'].map((name) => ({
          name,
          message: 'A core sets no timer: return the next deadline and let the driver call back with nowMs.',
        })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'A core reads no clock: time comes in as an input (nowMs).' },
        { object: 'performance', property: 'now', message: 'A core reads no clock: time comes in as an input.' },
        { object: 'Math', property: 'random', message: 'A core draws no randomness: take it as an input.' },
      ],
    },
  },
  {
    // The peer's messaging layer sits beneath its features: they import it, it imports none of them.
    files: ['apps/peer/src/messaging/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./',
              message: 'apps/peer/src/messaging is beneath the features: it imports only its own files and libraries.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests assert what they just arranged (a spawned pipe, a response field): a failed `!` fails the test loudly.
    files: ['**/*.spec.ts', '**/test-support/**/*.ts', 'libs/testing/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
