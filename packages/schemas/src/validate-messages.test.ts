import { describe, expect, it } from 'vitest';
import { limits } from './limits.ts';
import { expectIssue, expectOk, json, now } from './test-helpers.ts';
import {
  parseCommand,
  parseCommandAck,
  parseDeviceError,
  parseDeviceStatus,
  parseMessage,
  validateMessage,
  validators,
} from './validate.ts';

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('parseDeviceStatus', () => {
  it('accepts every protocol', () => {
    for (const protocol of ['mqtt', 'mqtt-ws', 'mqtt-tls', 'websocket'] as const) {
      const status = { online: true, since: now, protocol };
      expect(expectOk(parseDeviceStatus(json(status)))).toEqual(status);
    }
  });

  it('refuses an unknown protocol, listing the allowed ones', () => {
    const issue = expectIssue(
      parseDeviceStatus(json({ online: false, since: now, protocol: 'coap' })),
      'TWW_INVALID_PAYLOAD',
      '/protocol',
    );
    expect(issue.expected).toBe('"mqtt", "mqtt-ws", "mqtt-tls" or "websocket"');
  });

  it('refuses since in seconds', () => {
    const status = { online: false, since: Math.floor(now / 1000), protocol: 'mqtt' };
    expectIssue(parseDeviceStatus(json(status)), 'TWW_INVALID_PAYLOAD', '/since');
  });
});

describe('parseCommand', () => {
  it('accepts free-form JSON args', () => {
    const command = { id: 'c-1', args: { level: 3, mode: 'eco', steps: [{ at: 1 }], nil: null } };
    expect(expectOk(parseCommand(json(command)))).toEqual(command);
  });

  it('refuses args that are not an object', () => {
    expectIssue(parseCommand(json({ id: 'c', args: [1] })), 'TWW_INVALID_PAYLOAD', '/args');
    expectIssue(parseCommand(json({ id: 'c', args: null })), 'TWW_INVALID_PAYLOAD', '/args');
  });

  it('refuses more than 64 top-level args', () => {
    const args = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i]));
    expectIssue(parseCommand(json({ id: 'c', args })), 'TWW_INVALID_PAYLOAD', '/args');
  });

  it('refuses an empty or over-long id', () => {
    expectIssue(parseCommand(json({ id: '', args: {} })), 'TWW_INVALID_PAYLOAD', '/id');
    expectIssue(parseCommand(json({ id: 'x'.repeat(65), args: {} })), 'TWW_INVALID_PAYLOAD', '/id');
  });

  it('refuses args nested deeper than the JSON depth limit, pointing into them', () => {
    expectOk(parseCommand(json({ id: 'c', args: { a: nested(limits.maxJsonDepth - 3) } })));
    const issue = expectIssue(
      parseCommand(json({ id: 'c', args: { a: nested(limits.maxJsonDepth) } })),
      'TWW_INVALID_PAYLOAD',
    );
    expect(issue.path).toMatch(/^\/args\/a(\/a)+$/);
    expect(issue.expected).toBe(`JSON nested at most ${limits.maxJsonDepth} levels deep`);
  });

  it('survives nesting as deep as the payload limit allows', () => {
    const depth = limits.maxPayloadBytes / 2 - 40;
    const payload = `{"id":"c","args":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    expectIssue(parseCommand(payload), 'TWW_INVALID_PAYLOAD');
  });

  it('refuses a "__proto__" key anywhere in args', () => {
    const payload = '{"id":"c","args":{"list":[{"__proto__":{"admin":true}}]}}';
    const issue = expectIssue(
      parseCommand(payload),
      'TWW_INVALID_PAYLOAD',
      '/args/list/0/__proto__',
    );
    expect(issue.got).toBe('reserved key "__proto__"');
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});

describe('parseCommandAck', () => {
  it('accepts ok with any JSON result and a failure with an error text', () => {
    expectOk(parseCommandAck(json({ id: 'c', ok: true, result: [1, { a: 'b' }] })));
    expectOk(parseCommandAck(json({ id: 'c', ok: true })));
    expectOk(parseCommandAck(json({ id: 'c', ok: false, error: 'busy' })));
  });

  it('refuses a missing ok and a "__proto__" key inside result', () => {
    expectIssue(parseCommandAck(json({ id: 'c' })), 'TWW_INVALID_PAYLOAD', '/ok');
    expectIssue(
      parseCommandAck('{"id":"c","ok":true,"result":{"__proto__":{}}}'),
      'TWW_INVALID_PAYLOAD',
      '/result/__proto__',
    );
  });

  it('refuses an error text over the limit', () => {
    const ack = { id: 'c', ok: false, error: 'e'.repeat(limits.errorMessage.maxLength + 1) };
    expectIssue(parseCommandAck(json(ack)), 'TWW_INVALID_PAYLOAD', '/error');
  });
});

describe('parseDeviceError', () => {
  it('accepts a TWW_ code and refuses anything else', () => {
    const error = { code: 'TWW_INVALID_PAYLOAD', message: '/ts: …', topic: 'devices/a/telemetry' };
    expectOk(parseDeviceError(json(error)));
    expectIssue(
      parseDeviceError(json({ ...error, code: 'invalid' })),
      'TWW_INVALID_PAYLOAD',
      '/code',
    );
  });
});

describe('parseMessage and validateMessage', () => {
  it('take any compiled validator and share the result shape', () => {
    const status = { online: true, since: now, protocol: 'mqtt' };
    expect(parseMessage(validators.deviceStatus, JSON.stringify(status))).toEqual({
      ok: true,
      value: status,
    });
    expect(validateMessage(validators.deviceStatus, status)).toEqual({ ok: true, value: status });
    expectIssue(parseMessage(validators.deviceStatus, '{'), 'TWW_INVALID_JSON');
  });
});
