/** One run for every test: unit specs beside the code, e2e suites in test/. */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  // The console has its own unit tests (vitest, ES modules): npm test runs both.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/console/'],
  testRegex: ['src/.*\\.spec\\.ts$', 'test/.*\\.e2e-spec\\.ts$'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/utils/pg-overlap-guard.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
};
