import { randomBytes } from 'node:crypto';

/**
 * A fresh secret for the API's service principal (`SERVICE_SECRET`), as a deployment would
 * generate one: 24 random bytes, base64url (32 characters, over the broker's minimum of 16).
 * A test helper makes one per test file and hands the same value to the broker and to its
 * clients, so no secret is written into the sources.
 */
export function createServiceSecret(): string {
  return randomBytes(24).toString('base64url');
}
