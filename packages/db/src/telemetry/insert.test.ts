import { expect, it } from 'vitest';
import { escapeCopyText } from './insert.ts';

it('escapes exactly the characters COPY text format treats specially', () => {
  expect(escapeCopyText('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
  expect(escapeCopyText('plain {"json": "value"}')).toBe('plain {"json": "value"}');
});
