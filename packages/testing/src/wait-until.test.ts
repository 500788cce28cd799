import { describe, expect, it } from 'vitest';
import { waitUntil } from './wait-until.ts';

describe('waitUntil', () => {
  it('resolves with the first truthy value the check returns', async () => {
    let polls = 0;
    const value = await waitUntil('the third poll', () => (++polls >= 3 ? { polls } : undefined), {
      intervalMs: 1,
    });
    expect(value).toEqual({ polls: 3 });
  });

  it('awaits an asynchronous check', async () => {
    let polls = 0;
    await expect(
      waitUntil('an async answer', () => Promise.resolve(++polls === 2), { intervalMs: 1 }),
    ).resolves.toBe(true);
  });

  it('times out with a message that says what was awaited', async () => {
    const started = Date.now();
    await expect(
      waitUntil('the pump to report online', () => false, { timeoutMs: 50, intervalMs: 5 }),
    ).rejects.toThrow('timed out after 50 ms waiting for the pump to report online');
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  });

  it('keeps polling through a throwing check and reports its last error on timeout', async () => {
    const failure = waitUntil(
      'a row that never appears',
      () => {
        throw new Error('relation "rows" does not exist');
      },
      { timeoutMs: 30, intervalMs: 5 },
    );
    await expect(failure).rejects.toMatchObject({
      message: 'timed out after 30 ms waiting for a row that never appears',
      cause: new Error('relation "rows" does not exist'),
    });
  });
});
