import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['./test/global-setup.ts'],
    // These tests mostly wait on real sockets, processes and receivers: four files at a time
    // on 2 cores took 82 s where the default two took 144 s.
    maxWorkers: 4,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
