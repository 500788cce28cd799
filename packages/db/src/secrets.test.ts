import { expect, it } from 'vitest';
import { generateSecret, hashDeviceSecret, hashSecret, verifySecret } from './secrets.ts';

it('verifies the secret it hashed and nothing else', async () => {
  const secret = generateSecret();
  const hash = await hashSecret(secret);
  expect(await verifySecret(secret, hash)).toBe(true);
  expect(await verifySecret(generateSecret(), hash)).toBe(false);
});

it('salts every hash, so equal secrets do not produce equal hashes', async () => {
  const secret = generateSecret();
  expect(await hashSecret(secret)).not.toBe(await hashSecret(secret));
  expect(hashDeviceSecret(secret)).not.toBe(hashDeviceSecret(secret));
});

it('hashes a device secret with salted SHA-256 and verifies it, scrypt hashes issued before too', async () => {
  const secret = generateSecret();
  const hash = hashDeviceSecret(secret);
  expect(hash).toMatch(/^sha256\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  expect(await verifySecret(secret, hash)).toBe(true);
  expect(await verifySecret(generateSecret(), hash)).toBe(false);
  expect(await verifySecret(secret, await hashSecret(secret))).toBe(true);
});

it('treats malformed stored hashes as a failed verification, never an exception', async () => {
  for (const stored of [
    '',
    'plain',
    'bcrypt$1$2$3$4$5',
    'scrypt$x$8$1$c2FsdA$aGFzaA',
    'scrypt$16384$8$1$c2FsdA$',
    'sha256$c2FsdA',
    'sha256$c2FsdA$aGFzaA',
  ]) {
    expect(await verifySecret('secret', stored)).toBe(false);
  }
});
