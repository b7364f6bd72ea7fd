// The packaging tests (`npm run test:package`): release archives, krew manifest, real krew and kubectl,
// the npm package. Separate from vitest.config.ts because they build ~700 MB of executables first.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'packaging',
    include: ['test/packaging/**/*.test.ts'],
    globalSetup: ['test/packaging/setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    // Each file spawns heavy processes (qemu, krew unpacking 150 MB executables, npm): one at a time.
    fileParallelism: false,
  },
});
