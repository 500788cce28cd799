import { describe, expect, it } from 'vitest';
import { quote, splitTopicName, topicNameProblem, utf8ByteLength } from './topic-text.ts';

describe('utf8ByteLength', () => {
  it.each([
    ['ASCII', 'abc', 3],
    ['two-byte', '\u00e9', 2],
    ['three-byte', '\u20ac', 3],
    ['a surrogate pair is four bytes', '\u{1f680}', 4],
  ])('%s', (_name, text, bytes) => {
    expect(utf8ByteLength(text)).toBe(bytes);
    expect(utf8ByteLength(text)).toBe(Buffer.byteLength(text));
  });
});

describe('quote', () => {
  it('quotes plain text', () => {
    expect(quote('devices/a')).toBe("'devices/a'");
  });

  it('escapes control characters, quotes, backslashes and lone surrogates so logs stay readable', () => {
    expect(quote("a\u0000'\\\n\ud800")).toBe("'a\\u0000\\'\\\\\\u000a\\ud800'");
  });

  it('keeps surrogate pairs intact', () => {
    expect(quote('\u{1f680}')).toBe("'\u{1f680}'");
  });

  it('shortens very long text', () => {
    expect(quote('x'.repeat(200))).toBe(`'${'x'.repeat(80)}…'`);
  });
});

describe('splitTopicName', () => {
  it.each([
    'a/b',
    '/',
    'a//b/',
    '$SYS/x',
    '\u{1f680}/a',
    'a/+',
    '#',
    '',
    'a\u0000',
    'x/\ud800',
    'é'.repeat(40000),
  ])('accepts exactly the valid topic names and splits them like split("/"): %j', (topic) => {
    expect(splitTopicName(topic)).toEqual(
      topicNameProblem(topic) === null ? topic.split('/') : null,
    );
  });
});
