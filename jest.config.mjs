// Test tiers: unit (no servers, seconds), contract (bundles run as the runner runs them, under Node 24),
// integration (real tools from test/env), e2e (the whole pipeline). `npm test` runs every tier that has tests.
import { existsSync, readdirSync } from 'node:fs';

const shared = {
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  // Several dependencies ship ES modules only; transform them like our own code (cached after the first run).
  transformIgnorePatterns: [
    '/node_modules/(?!(@actions|@kubernetes|openid-client|oauth4webapi|jose|jsonpath-plus)/)',
  ],
  moduleNameMapper: { '^@swiss-deploy/(.*)$': '<rootDir>/packages/$1/index.ts' },
  resolver: '<rootDir>/test/support/jest-resolver.cjs',
  testEnvironment: 'node',
  setupFilesAfterEnv: ['<rootDir>/test/support/jest-env.ts'],
};

const tiers = [
  { displayName: 'unit', dir: 'test/unit' },
  { displayName: 'contract', dir: 'test/contract', globalSetup: '<rootDir>/test/contract/setup.ts' },
  { displayName: 'integration', dir: 'test/integration', globalSetup: '<rootDir>/test/env/jest-setup.ts' },
  { displayName: 'e2e', dir: 'test/e2e', globalSetup: '<rootDir>/test/env/jest-setup.ts' },
];

const hasTests = (dir) =>
  existsSync(dir) && readdirSync(dir, { recursive: true }).some((file) => String(file).endsWith('.test.ts'));

export default {
  reporters: ['default', '<rootDir>/test/support/closing-line-reporter.cjs'],
  projects: tiers
    .filter((tier) => hasTests(tier.dir))
    .map(({ dir, ...tier }) => ({ ...shared, ...tier, roots: [`<rootDir>/${dir}`] })),
};
