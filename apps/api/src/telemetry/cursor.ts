import type { RangeCursor } from '@twinwire/db/telemetry-queries';

const CURSOR = /^(\d{1,16}):(\d{1,19})$/;

/** Opaque to clients: base64url of `ts:seq`, the last reading of the page. */
export function encodeCursor(cursor: RangeCursor): string {
  return Buffer.from(`${cursor.ts}:${cursor.seq}`).toString('base64url');
}

/** The position a cursor names, or undefined when it is not one this API issued. */
export function decodeCursor(text: string): RangeCursor | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const match = CURSOR.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match) return undefined;
  const ts = Number(match[1]);
  const seq = Number(match[2]);
  if (!Number.isSafeInteger(ts) || !Number.isSafeInteger(seq)) return undefined;
  return { ts, seq };
}
