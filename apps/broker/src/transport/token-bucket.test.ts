import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.ts';

describe('TokenBucket', () => {
  it('allows a burst as large as the rate, then one token per 1/rate seconds', () => {
    const bucket = new TokenBucket(10, 1000);
    for (let index = 0; index < 10; index++) expect(bucket.take(1000)).toBe(true);
    expect(bucket.take(1000)).toBe(false);
    expect(bucket.msUntilToken()).toBe(100);
    expect(bucket.take(1099)).toBe(false);
    expect(bucket.msUntilToken()).toBe(1);
    expect(bucket.take(1100)).toBe(true);
    expect(bucket.take(1100)).toBe(false);
  });

  it('refills no further than the burst size however long it idles', () => {
    const bucket = new TokenBucket(5, 0);
    let taken = 0;
    while (bucket.take(60_000)) taken++;
    expect(taken).toBe(5);
  });

  it('credits time that passed between takes, not just while empty', () => {
    const bucket = new TokenBucket(10, 0);
    for (let index = 0; index < 5; index++) expect(bucket.take(0)).toBe(true);
    let taken = 0;
    while (bucket.take(250)) taken++; // 5 left + 2.5 refilled
    expect(taken).toBe(7);
  });
});
