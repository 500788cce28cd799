import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

// Device secrets issued before `sha256$` hashes were scrypt N=2^14 (16 MiB, ~40 ms here); they
// still verify. New ones are hashed with salted SHA-256 (hashDeviceSecret).
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

/**
 * `sha256$salt$hash` for a device secret. A slow KDF protects guessable secrets (people's
 * passwords); a device secret is 256 random bits, out of brute force's reach at any hash
 * speed, so a stolen table gains nothing from a fast hash (as stored API tokens are hashed,
 * e.g. GitHub's, and as EMQX's salted SHA-256 default does). Verifying costs microseconds, so
 * a flood of wrong secrets costs the broker no CPU worth queueing for.
 */
export function hashDeviceSecret(secret: string): string {
  const salt = randomBytes(SALT_LENGTH);
  return ['sha256', salt.toString('base64url'), sha256(salt, secret).toString('base64url')].join(
    '$',
  );
}

function sha256(salt: Buffer, secret: string): Buffer {
  return createHash('sha256').update(salt).update(secret, 'utf8').digest();
}

function verifySha256(secret: string, encoded: string): boolean {
  const [, salt, hash, ...rest] = encoded.split('$');
  if (salt === undefined || hash === undefined || rest.length > 0) return false;
  const expected = Buffer.from(hash, 'base64url');
  if (expected.length !== 32) return false;
  return timingSafeEqual(sha256(Buffer.from(salt, 'base64url'), secret), expected);
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

/** Whether `secret` matches a stored `scrypt$…` or `sha256$…` hash. */
export async function verifySecret(secret: string, encoded: string): Promise<boolean> {
  if (encoded.startsWith('sha256$')) return verifySha256(secret, encoded);
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
