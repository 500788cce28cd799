import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['./test/global-setup.ts'],
    // Vitest's default, two files at a time on 2 cores. Four took 136 s where two took 193 s
    // alone, but beside the other packages in CI the users' scrypt logins (N=2^17) then
    // missed open-doors.test.ts's 5 s CONNACK timeout (1 clean-clone run in 4).
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
