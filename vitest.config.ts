import { defineConfig } from 'vitest/config';

export default defineConfig({
  define: { __BLUEGREEN_VERSION__: JSON.stringify('v0.0.0-test') },
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/terminal/**/*.test.ts'], testTimeout: 20_000 },
      },
      {
        extends: true,
        test: {
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts'],
          globalSetup: ['tools/cluster/vitest-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
