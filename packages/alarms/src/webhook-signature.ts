import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header carrying the signature of a webhook body. */
export const SIGNATURE_HEADER = 'twinwire-signature';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with the destination's secret, as
 * Stripe signs: the timestamp inside the signed text lets a receiver refuse replays.
 */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * What a receiver does: recompute the HMAC over the raw body, compare in constant time, and
 * refuse a timestamp older than `toleranceS`.
 */
export function verifyWebhook(
  secret: string,
  body: string,
  header: string,
  options: { toleranceS?: number; nowS?: number } = {},
): boolean {
  const parts = new Map(
    header.split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at), part.slice(at + 1)] as const;
    }),
  );
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1');
  if (!Number.isInteger(t) || !v1) return false;
  const nowS = options.nowS ?? Math.floor(Date.now() / 1000);
  if (Math.abs(nowS - t) > (options.toleranceS ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, body, t).slice(`t=${t},v1=`.length), 'hex');
  const given = Buffer.from(v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
