// Shared Jest settings: SWC strips types (fast); `npm run typecheck` (tsc) checks them. Workspace libraries resolve to
// their TypeScript sources through the "@distlab/source" export condition, as they do under tsx at run time.
module.exports = {
  testEnvironment: 'node',
  testEnvironmentOptions: { customExportConditions: ['@distlab/source', 'node', 'require', 'default'] },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  // Each run's temporary files in a directory of its own, removed when the run ends (tools/jest-temp-dir).
  globalSetup: require.resolve('./tools/jest-temp-dir/setup.cjs'),
  globalTeardown: require.resolve('./tools/jest-temp-dir/teardown.cjs'),
  reporters: ['default', require.resolve('./tools/jest-count-reporter.cjs')],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // Integration tests start real servers and processes; give them room on a loaded 2-core machine.
  testTimeout: 30_000,
};
