// Two projects: fast unit tests, and integration tests (real Temporal dev server, simulators
// over real HTTP) that share the one dev server, the one PostgreSQL and the one workflow bundle
// started by their globalSetup. Integration files run two at a time (`--maxWorkers=2` in
// package.json): each has its own task queues, database and ports, and most of their time is
// spent waiting on servers, so two side by side take about 60 % of the time of one after another.
const transform = { '^.+\\.ts$': ['@swc/jest'] };

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/replay/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-setup.ts'],
      slowTestThreshold: 60,
    },
  ],
  // @temporalio/core-bridge keeps a native handle open after teardown (sdk-typescript #928).
  forceExit: true,
};
