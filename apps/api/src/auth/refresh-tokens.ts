import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '@twinwire/db/client';
import { refreshTokens, users } from '@twinwire/db/schema';
import type { User } from '@twinwire/db/users';
import { and, eq, gt, isNull } from 'drizzle-orm';

const digest = (token: string) => createHash('sha256').update(token).digest('base64url');

export async function issueRefreshToken(
  db: Database,
  userId: string,
  ttlS: number,
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db
    .insert(refreshTokens)
    .values({ userId, tokenHash: digest(token), expiresAt: new Date(Date.now() + ttlS * 1000) });
  return token;
}

/**
 * Spends a refresh token: valid once (rotation), so a stolen token that is used after its
 * owner used it fails. Returns the user it belonged to, or null.
 */
export async function spendRefreshToken(db: Database, token: string): Promise<User | null> {
  const [row] = await db
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(
      and(
        eq(refreshTokens.tokenHash, digest(token)),
        isNull(refreshTokens.revokedAt),
        gt(refreshTokens.expiresAt, new Date()),
      ),
    )
    .returning({ userId: refreshTokens.userId });
  if (!row) return null;
  const [user] = await db
    .select({ id: users.id, username: users.username, role: users.role })
    .from(users)
    .where(and(eq(users.id, row.userId), isNull(users.disabledAt)));
  return user ?? null;
}
