/**
 * The seqs in a telemetry payload this simulator wrote (`{ ts, seq, metrics }` or
 * `{ points }`). Used to count each transmission of a reading: mqtt.js may copy a packet
 * before resending it, so its identity cannot be the key.
 */
export function seqsOfPayload(payload: string | Buffer | Uint8Array): number[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload).toString());
  } catch {
    return [];
  }
  return readingKeysOf(parsed).map((reading) => reading.seq);
}

/**
 * `{ ts, seq }`, the key, of every reading in a parsed telemetry payload whatever its metrics;
 * entries without a numeric ts and seq are skipped (a monitor counts what it can identify).
 */
export function readingKeysOf(parsed: unknown): { ts: number; seq: number }[] {
  if (typeof parsed !== 'object' || parsed === null) return [];
  const points = (parsed as { points?: unknown }).points;
  const list: unknown[] = Array.isArray(points) ? points : [parsed];
  const readings: { ts: number; seq: number }[] = [];
  for (const item of list) {
    if (typeof item !== 'object' || item === null) continue;
    const { ts, seq } = item as { ts?: unknown; seq?: unknown };
    if (typeof ts === 'number' && typeof seq === 'number') readings.push({ ts, seq });
  }
  return readings;
}
