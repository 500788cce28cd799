import { limits } from './limits.ts';
import type { ValidationIssue } from './parse-result.ts';
import { issueAt } from './parse-result.ts';
import { pathSegment } from './text.ts';

interface Unsafe {
  segments: string[];
  expected: string;
  got: string;
}

function scan(value: unknown, depth: number, maxDepth: number): Unsafe | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > maxDepth) {
    return {
      segments: [],
      expected: `JSON nested at most ${maxDepth} levels deep`,
      got: 'deeper nesting',
    };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = scan(value[i], depth + 1, maxDepth);
      if (found) {
        found.segments.push(String(i));
        return found;
      }
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    // JSON.parse makes `__proto__` an own key; merged or copied later it rewrites a prototype.
    if (key === '__proto__') {
      return { segments: [key], expected: 'no "__proto__" key', got: 'reserved key "__proto__"' };
    }
    const found = scan((value as Record<string, unknown>)[key], depth + 1, maxDepth);
    if (found) {
      found.segments.push(pathSegment(key));
      return found;
    }
  }
  return undefined;
}

/**
 * The first place where parsed JSON is unsafe to pass on: nested deeper than
 * `maxDepth` containers (recursive consumers would overflow) or holding a `__proto__` key.
 * The scan recurses at most `maxDepth` levels, so it is itself safe on hostile input.
 */
export function findUnsafeJson(
  value: unknown,
  maxDepth: number = limits.maxJsonDepth,
): ValidationIssue | undefined {
  const found = scan(value, 1, maxDepth);
  if (!found) return undefined;
  const path = found.segments
    .reverse()
    .map((segment) => `/${segment}`)
    .join('');
  return issueAt('TWW_INVALID_PAYLOAD', path, found.expected, found.got);
}
