import { randomBytes, scryptSync } from 'node:crypto';
import type { Database } from '@twinwire/db/client';
import { deviceCredentials, devices } from '@twinwire/db/schema';
import { generateSecret } from '@twinwire/db/secrets';

/**
 * Bench devices share one secret whose stored hash uses scrypt N=16 instead of the
 * production N=16384. The format `scrypt$N$r$p$salt$hash` is self-describing and the
 * broker's `verifySecret` honours the stored N, so the broker runs its real verification
 * path, only cheaper: with production parameters every first connect costs ~47 ms of CPU
 * (measured here), and 10,000 of them would be ~8 CPU-minutes of hashing, which would
 * measure scrypt, not the broker. The production cost is measured separately on a few
 * devices (see ingest.ts). Reusing one hash for every row is also bench-only.
 */
export const BENCH_SCRYPT_N = 16;

export interface BenchCredentials {
  secret: string;
  secretHash: string;
}

export function benchCredentials(): BenchCredentials {
  const secret = generateSecret();
  const params = { N: BENCH_SCRYPT_N, r: 8, p: 1 };
  const salt = randomBytes(16);
  const hash = scryptSync(secret, salt, 32, params);
  const secretHash = [
    'scrypt',
    params.N,
    params.r,
    params.p,
    salt.toString('base64url'),
    hash.toString('base64url'),
  ].join('$');
  return { secret, secretHash };
}

/** Inserts the devices and one credential each, in bulk (the hash computed once). */
export async function provisionDevices(
  db: Database,
  ids: readonly string[],
  credentials: BenchCredentials,
): Promise<void> {
  const chunk = 5_000;
  for (let start = 0; start < ids.length; start += chunk) {
    const slice = ids.slice(start, start + chunk);
    await db.insert(devices).values(slice.map((id) => ({ id, name: id })));
    await db
      .insert(deviceCredentials)
      .values(slice.map((deviceId) => ({ deviceId, secretHash: credentials.secretHash })));
  }
}

export function deviceIds(prefix: string, count: number): string[] {
  const width = String(count - 1).length;
  return Array.from(
    { length: count },
    (_, index) => `${prefix}-${String(index).padStart(width, '0')}`,
  );
}
