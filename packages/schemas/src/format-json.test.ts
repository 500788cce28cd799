import { describe, expect, it } from 'vitest';
import { formatJson } from './format-json.ts';

describe('formatJson', () => {
  it('prints like Prettier: objects expanded, short primitive arrays inline', () => {
    expect(formatJson({ a: [1, 'b'], e: {}, l: [], o: [{ x: null }] })).toBe(
      '{\n  "a": [1, "b"],\n  "e": {},\n  "l": [],\n  "o": [\n    {\n      "x": null\n    }\n  ]\n}\n',
    );
  });

  it('breaks a primitive array that would pass the print width, counting its comma', () => {
    const words = Array.from({ length: 9 }, (_, i) => `word-${i}-xx`);
    const fits = formatJson({ k: words.slice(0, 6), z: 1 });
    expect(fits).toContain('"k": ["word-0-xx",');
    const breaks = formatJson({ k: words, z: 1 });
    expect(breaks).toContain('"k": [\n    "word-0-xx",\n');
  });

  it('drops undefined the way JSON.stringify does', () => {
    expect(formatJson({ a: undefined, b: 1 })).toBe('{\n  "b": 1\n}\n');
  });
});
