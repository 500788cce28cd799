import fc from 'fast-check';
import type { TSchema } from 'typebox';
import { describe, expect, it } from 'vitest';
import { describeSchema, describeValue } from './describe.ts';
import { explain, findIssue } from './explain.ts';
import { limits } from './limits.ts';
import type { MessageValidator } from './validate.ts';
import { validators } from './validate.ts';

const allowedNameChars = 'abcXYZ019_.:-';
const metricName = fc.oneof(
  fc.string({
    unit: fc.constantFrom(...Array.from(allowedNameChars)),
    minLength: 1,
    maxLength: 70,
  }),
  fc.string({ maxLength: 5 }),
  fc.constant('__proto__'),
);
const metricValue = fc.oneof(
  fc.double(),
  fc.boolean(),
  fc.string({ maxLength: 300 }),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
);
const epoch = fc.oneof(
  fc.integer({ min: limits.ts.min - 10, max: limits.ts.max + 10 }),
  fc.double(),
  fc.string({ maxLength: 14 }),
);
const reading = fc.record(
  {
    ts: epoch,
    seq: fc.oneof(fc.integer({ min: -2, max: 1000 }), fc.double(), fc.string({ maxLength: 2 })),
    metrics: fc.oneof(
      fc.dictionary(metricName, metricValue, { maxKeys: 70 }),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 2 }),
    ),
    extra: fc.integer(),
  },
  { requiredKeys: [] },
);
const payload = fc.oneof(
  reading,
  fc.record({ points: fc.array(reading, { maxLength: 3 }) }),
  fc.jsonValue({ maxDepth: 4 }),
);
const frame = fc.oneof(
  fc.record(
    {
      type: fc.constantFrom('subscribe', 'unsubscribe', 'telemetry', 'hello', 'commandAck', 'x'),
      id: fc.string({ maxLength: 66 }),
      filter: fc.string({ maxLength: 10 }),
      history: fc.record(
        { since: epoch, limit: fc.integer({ min: -1, max: 1001 }) },
        { requiredKeys: [] },
      ),
      reading,
      points: fc.array(reading, { maxLength: 2 }),
      protocolVersion: fc.integer({ min: 0, max: 2 }),
      commandName: fc.string({ maxLength: 5 }),
      ack: fc.record({ id: fc.string({ maxLength: 3 }), ok: fc.boolean() }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

function agrees(validator: MessageValidator<unknown>, value: unknown): void {
  const issue = findIssue(validator.Type(), value);
  expect(issue === undefined).toBe(validator.Check(value));
  if (issue) {
    expect(issue.message).toBe(
      `${issue.path === '' ? '/' : issue.path}: expected ${issue.expected ?? ''}, got ${issue.got ?? ''}`,
    );
    expect(issue.message.length).toBeLessThan(400);
  }
}

describe('findIssue agrees with the compiled validators', () => {
  it('on reading-shaped and arbitrary telemetry values', () => {
    fc.assert(
      fc.property(payload, (value) => {
        agrees(validators.telemetryPayload, value);
        agrees(validators.telemetryReading, value);
        agrees(validators.telemetryBatch, value);
      }),
      { numRuns: 2000 },
    );
  });

  it('on frame-shaped and arbitrary WebSocket frames', () => {
    fc.assert(
      fc.property(frame, (value) => {
        agrees(validators.dashboardClientFrame, value);
        agrees(validators.deviceClientFrame, value);
        agrees(validators.deviceServerFrame, value);
      }),
      { numRuns: 2000 },
    );
  });

  it('on arbitrary values for every message', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (value) => {
        for (const validator of Object.values(validators) as MessageValidator<unknown>[]) {
          agrees(validator, value);
        }
      }),
    );
  });
});

describe('explain', () => {
  it('falls back to describing the whole value when no rule names a cause', () => {
    const schema = { not: {} } as unknown as TSchema;
    expect(explain(schema, 1)).toMatchObject({ code: 'TWW_INVALID_PAYLOAD', path: '', got: '1' });
  });
});

describe('describeSchema and describeValue', () => {
  it('word schemas the way a device developer reads them', () => {
    expect(describeSchema({ type: 'string', minLength: 1, maxLength: 64, pattern: '^a$' })).toBe(
      'string (1-64 chars, matching ^a$)',
    );
    expect(describeSchema({ type: 'integer', minimum: 0 })).toBe('integer ≥ 0');
    expect(describeSchema({ type: 'array', maxItems: 3 })).toBe('array of at most 3 items');
    expect(describeSchema({})).toBe('any JSON value');
  });

  it('word values briefly', () => {
    expect(describeValue(undefined)).toBe('nothing');
    expect(describeValue(null)).toBe('null');
    expect(describeValue([1])).toBe('array of 1 item');
    expect(describeValue('x'.repeat(40))).toBe(`string "${'x'.repeat(32)}…" (40 chars)`);
  });
});
