import { defineConfig } from 'vitest/config';

export default defineConfig({
  define: { __BLUEGREEN_VERSION__: JSON.stringify('v0.0.0-test') },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/terminal/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts'],
          exclude: ['test/cluster/**/*.matrix.test.ts'],
          globalSetup: ['tools/cluster/vitest-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        // Run by scripts/matrix.ts (npm run test:matrix) on each Argo Rollouts / Kubernetes combination.
        extends: true,
        test: {
          name: 'matrix',
          include: ['test/cluster/**/*.matrix.test.ts'],
          globalSetup: ['tools/cluster/vitest-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
