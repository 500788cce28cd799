import { expect, it } from 'vitest';
import { generateSecret, hashSecret, verifySecret } from './secrets.ts';

it('verifies the secret it hashed and nothing else', async () => {
  const secret = generateSecret();
  const hash = await hashSecret(secret);
  expect(await verifySecret(secret, hash)).toBe(true);
  expect(await verifySecret(generateSecret(), hash)).toBe(false);
});

it('salts every hash, so equal secrets do not produce equal hashes', async () => {
  const secret = generateSecret();
  expect(await hashSecret(secret)).not.toBe(await hashSecret(secret));
});

it('treats malformed stored hashes as a failed verification, never an exception', async () => {
  for (const stored of [
    '',
    'plain',
    'bcrypt$1$2$3$4$5',
    'scrypt$x$8$1$c2FsdA$aGFzaA',
    'scrypt$16384$8$1$c2FsdA$',
  ]) {
    expect(await verifySecret('secret', stored)).toBe(false);
  }
});
