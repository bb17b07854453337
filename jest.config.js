/** Unit tests (nock, injected clock) run first; end-to-end tests drive the built dist/ against the local fake Azure. */
const transform = { '^.+\\.ts$': ['ts-jest', { useESM: true }] };
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform,
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node'
};

export default {
  // End-to-end fault tests mostly wait out the action's real backoff: let more of them wait at once.
  maxConcurrency: 12,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts'],
      // The bundle's undici (tsconfig.json `paths`), so unit tests run http-client as dist/ does.
      moduleNameMapper: { ...common.moduleNameMapper, '^undici$': '<rootDir>/stubs/undici/index.js' }
    },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/__tests__/e2e/**/*.test.ts'] }
  ]
};
