// Jest runs in native ESM mode (our code and @kubernetes/client-node 1.x are ES modules).
// Unit tests need nothing running; integration tests need Redis and start their own fakes.
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  // Runbooks and their tests import Drover by its package name; in this checkout that is the source.
  moduleNameMapper: {
    '^drover$': '<rootDir>/src/sdk/index.ts',
    '^drover/testing$': '<rootDir>/src/testing/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    // Against a real kube-apiserver (test/real-kube/build.sh); each file starts its own control plane.
    { ...common, displayName: 'real-kube', testMatch: ['<rootDir>/test/real-kube/**/*.test.ts'] },
  ],
  // Integration tests wait for real queues and servers; their own waits fail sooner with a clearer message.
  testTimeout: 30000,
};
