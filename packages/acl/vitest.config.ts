import { defineConfig } from 'vitest/config';

// Property tests run hundreds of cases: under a full parallel workspace run on 2 cores they
// can take many times their quiet-machine duration.
export default defineConfig({
  test: { testTimeout: 60_000 },
});
