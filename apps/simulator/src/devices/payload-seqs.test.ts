import { describe, expect, it } from 'vitest';
import { readingKeysOf, seqsOfPayload } from './payload-seqs.ts';

describe('seqsOfPayload', () => {
  it('reads a single reading and a batch', () => {
    expect(seqsOfPayload(JSON.stringify({ ts: 1, seq: 4, metrics: { a: 1 } }))).toEqual([4]);
    const batch = { points: [1, 2, 3].map((seq) => ({ ts: seq, seq, metrics: { a: 1 } })) };
    expect(seqsOfPayload(Buffer.from(JSON.stringify(batch)))).toEqual([1, 2, 3]);
  });

  it('returns nothing for what is not telemetry', () => {
    expect(seqsOfPayload('not json')).toEqual([]);
    expect(seqsOfPayload('null')).toEqual([]);
    expect(readingKeysOf({ points: [null, { ts: '1', seq: 1 }, { ts: 2, seq: 2 }] })).toEqual([
      { ts: 2, seq: 2 },
    ]);
  });
});
