import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  describeRefusal,
  isTaken,
  type IngestErrorCode,
  type IngestOutcome,
  type IngestRefusal,
} from './outcomes.ts';

describe('ingest outcomes', () => {
  it('are one closed set, of which four refuse', () => {
    expectTypeOf<IngestOutcome['kind']>().toEqualTypeOf<
      'stored' | 'duplicate' | 'invalid' | 'denied' | 'unavailable' | 'rate-limited'
    >();
    expectTypeOf<IngestRefusal['kind']>().toEqualTypeOf<
      'invalid' | 'denied' | 'unavailable' | 'rate-limited'
    >();
    expectTypeOf<IngestErrorCode>().toEqualTypeOf<
      | 'TWW_PAYLOAD_TOO_LARGE'
      | 'TWW_INVALID_JSON'
      | 'TWW_INVALID_PAYLOAD'
      | 'TWW_TIMESTAMP_OUT_OF_WINDOW'
      | 'TWW_ACL_DENIED'
      | 'TWW_NOT_STORED'
      | 'TWW_RATE_LIMITED'
    >();
  });

  it('acknowledges what is stored or was already stored, and nothing else', () => {
    const outcomes: IngestOutcome[] = [
      { kind: 'stored', committed: true },
      { kind: 'stored', committed: false },
      { kind: 'duplicate' },
      { kind: 'invalid', reason: { code: 'TWW_INVALID_JSON', message: 'not JSON' } },
      { kind: 'denied' },
      { kind: 'unavailable' },
      { kind: 'rate-limited', perSecond: 5, ignored: false },
    ];
    expect(outcomes.map(isTaken)).toEqual([true, true, true, false, false, false, false]);
  });

  it('gives each refusal one stable code', () => {
    expect(
      describeRefusal({ kind: 'invalid', reason: { code: 'TWW_INVALID_JSON', message: 'x' } }),
    ).toEqual({ code: 'TWW_INVALID_JSON', message: 'x' });
    expect(describeRefusal({ kind: 'denied' }).code).toBe('TWW_ACL_DENIED');
    expect(describeRefusal({ kind: 'unavailable' }).code).toBe('TWW_NOT_STORED');
    expect(describeRefusal({ kind: 'rate-limited', perSecond: 5, ignored: true })).toEqual({
      code: 'TWW_RATE_LIMITED',
      message: 'more than 5 publishes per second',
    });
  });
});
