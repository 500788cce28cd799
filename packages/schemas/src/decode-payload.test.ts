import { describe, expect, it, vi } from 'vitest';
import { limits } from './limits.ts';
import { expectIssue, expectOk, json, now, validReading } from './test-helpers.ts';
import { parseTelemetry } from './validate.ts';

const at = { now };

describe('parseTelemetry refuses the payload before parsing it', () => {
  it('when a 10 MB Buffer is over 64 KiB, without decoding or parsing it', () => {
    const huge = Buffer.alloc(10 * 1024 * 1024, 0x20);
    const parse = vi.spyOn(JSON, 'parse');
    const decode = vi.spyOn(huge, 'toString');
    const issue = expectIssue(parseTelemetry(huge, at), 'TWW_PAYLOAD_TOO_LARGE', '');
    expect(parse).not.toHaveBeenCalled();
    expect(decode).not.toHaveBeenCalled();
    expect(issue.got).toBe(`${huge.length} bytes`);
    expect(issue.message).toBe('payload is 10485760 bytes; the limit is 65536 bytes');
    parse.mockRestore();
  });

  it('when a string is over 64 KiB', () => {
    expectIssue(
      parseTelemetry(' '.repeat(limits.maxPayloadBytes + 1), at),
      'TWW_PAYLOAD_TOO_LARGE',
    );
  });

  it('when a string is under 64 KiB in characters but over it in UTF-8 bytes', () => {
    const text = JSON.stringify({ ...validReading(), pad: 'é'.repeat(40_000) });
    expect(text.length).toBeLessThan(limits.maxPayloadBytes);
    expectIssue(parseTelemetry(text, at), 'TWW_PAYLOAD_TOO_LARGE');
  });

  it('at exactly the limit + 1 byte, but not at the limit', () => {
    const base = JSON.stringify(validReading());
    const padded = (size: number): Buffer => Buffer.from(base.padEnd(size, ' '));
    expectIssue(parseTelemetry(padded(limits.maxPayloadBytes + 1), at), 'TWW_PAYLOAD_TOO_LARGE');
    expectOk(parseTelemetry(padded(limits.maxPayloadBytes), at));
  });
});

describe('parseTelemetry refuses undecodable payloads', () => {
  it('invalid JSON with TWW_INVALID_JSON', () => {
    const issue = expectIssue(parseTelemetry('{"ts": 1,', at), 'TWW_INVALID_JSON', '');
    expect(issue.message).toMatch(/^payload is not valid JSON/);
  });

  it('invalid UTF-8 bytes as invalid JSON, from Buffers and plain Uint8Arrays', () => {
    const text = JSON.stringify(validReading({ name: 'XX' }));
    const bytes = Buffer.from(text);
    bytes[bytes.indexOf('XX')] = 0xff;
    expect(expectIssue(parseTelemetry(bytes, at), 'TWW_INVALID_JSON').message).toMatch(/UTF-8/);
    expectIssue(parseTelemetry(new Uint8Array(bytes), at), 'TWW_INVALID_JSON');
    const overlong = Buffer.concat([
      Buffer.from('{"a":"'),
      Buffer.from([0xc0, 0xaf]),
      Buffer.from('"}'),
    ]);
    expectIssue(parseTelemetry(overlong, at), 'TWW_INVALID_JSON');
  });

  it('but accepts a genuine U+FFFD character in a string value', () => {
    expectOk(parseTelemetry(json(validReading({ text: 'bad \uFFFD byte' })), at));
  });

  it('a UTF-8 byte order mark', () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json(validReading())]);
    expectIssue(parseTelemetry(bom, at), 'TWW_INVALID_JSON');
  });

  it('a JSON value that is not an object', () => {
    for (const payload of ['null', '42', '"x"', '[]', 'true']) {
      expectIssue(parseTelemetry(payload, at), 'TWW_INVALID_PAYLOAD', '');
    }
  });

  it('without echoing a huge offending value in the message', () => {
    const issue = expectIssue(
      parseTelemetry(`{"ts":"${'9'.repeat(60_000)}","seq":1,"metrics":{"a":1}}`, at),
      'TWW_INVALID_PAYLOAD',
      '/ts',
    );
    expect(issue.message.length).toBeLessThan(300);
    expect(issue.got).toContain('(60000 chars)');
  });
});
