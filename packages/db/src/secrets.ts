import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

// Device secrets are 256-bit random values: brute force is out of reach at any cost, so their
// hash only has to be cheap enough for frequent connects (the broker also caches successes).
// N=2^14 costs 16 MiB and ~40 ms here.
export const DEVICE_SECRET_PARAMS: Readonly<ScryptParams> = { N: 16_384, r: 8, p: 1 };

// User passwords are chosen by people, so they get OWASP's recommendation for scrypt
// (Password Storage Cheat Sheet: N=2^17, r=8, p=1): 128 MiB and ~0.3 s per hash, paid once
// per sign-in. Hashes of weaker parameters are upgraded at the next successful sign-in.
export const PASSWORD_PARAMS: Readonly<ScryptParams> = { N: 131_072, r: 8, p: 1 };

// The largest N a stored hash may ask for: 2^20 (1 GiB at r=8). A corrupted or hostile row
// must not make a verification allocate without bound.
const MAX_N = 1_048_576;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

/**
 * Runs one hash computation. Login paths pass a gate that bounds concurrent and queued
 * hashing (`@twinwire/logins/hash-gate`); the default runs it at once.
 */
export type RunHash = <T>(hash: () => Promise<T>) => Promise<T>;

export const runHashNow: RunHash = (hash) => hash();

/** A new random device secret: 32 bytes, base64url. Shown to the operator once. */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** `scrypt$N$r$p$salt$hash`, self-describing so the parameters can be raised later. */
export async function hashSecret(
  secret: string,
  params: Readonly<ScryptParams> = DEVICE_SECRET_PARAMS,
): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const hash = await derive(secret, salt, params);
  return [
    'scrypt',
    params.N,
    params.r,
    params.p,
    salt.toString('base64url'),
    hash.toString('base64url'),
  ].join('$');
}

interface StoredHash {
  params: ScryptParams;
  salt: Buffer;
  expected: Buffer;
}

function parse(encoded: string): StoredHash | null {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64url');
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  if (![params.N, params.r, params.p].every(Number.isSafeInteger) || expected.length === 0)
    return null;
  if (params.N > MAX_N || params.r > 32 || params.p > 64) return null;
  return { params, salt: Buffer.from(salt, 'base64url'), expected };
}

export async function verifySecret(secret: string, encoded: string): Promise<boolean> {
  const stored = parse(encoded);
  if (!stored) return false;
  const actual = await derive(secret, stored.salt, stored.params, stored.expected.length).catch(
    () => null,
  );
  return actual !== null && timingSafeEqual(actual, stored.expected);
}

/** Whether `encoded` was hashed with less work than `params` asks for: re-hash it. */
export function isWeakerThan(encoded: string, params: Readonly<ScryptParams>): boolean {
  const stored = parse(encoded);
  if (!stored) return true;
  return (
    stored.params.N * stored.params.r * stored.params.p < params.N * params.r * params.p ||
    stored.params.N < params.N
  );
}

function derive(
  secret: string,
  salt: Buffer,
  params: Readonly<ScryptParams>,
  keyLength = KEY_LENGTH,
): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; Node refuses above `maxmem` (default 32 MiB).
  const maxmem = 128 * params.N * params.r + 32 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLength, { ...params, maxmem }, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}
