import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['./test/global-setup.ts'],
    // Fleets, proxies and brokers: the tests mostly wait on sockets. Four files at a time on
    // 2 cores took 46 s where the default two took 89 s.
    maxWorkers: 4,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
