import { describe, expect, it } from 'vitest';
import { PublishQuota } from './publish-quota.ts';

describe('PublishQuota', () => {
  it('lets the rate through, refuses what is over it, and gives up on a client that ignores refusals', () => {
    const quota = new PublishQuota(10, 0);
    const verdicts = Array.from({ length: 21 }, () => quota.take(0));
    expect(verdicts.filter((v) => v === 'within')).toHaveLength(10);
    expect(verdicts.filter((v) => v === 'over')).toHaveLength(10);
    expect(verdicts.at(-1)).toBe('ignored');
  });

  it('refills both with time: a client that slows down is within its quota again', () => {
    const quota = new PublishQuota(10, 0);
    for (let i = 0; i < 15; i++) quota.take(0);
    expect(quota.take(1_000)).toBe('within');
  });
});
