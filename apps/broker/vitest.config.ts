import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['./test/global-setup.ts'],
    // Most of these tests wait (expiry intervals, broker processes starting, keepalives), not
    // compute: four files at a time on 2 cores took 136 s where the default two took 193 s,
    // and the broker's suite is the longest of the workspace's.
    maxWorkers: 4,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
