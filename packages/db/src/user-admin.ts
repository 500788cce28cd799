import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { refreshTokens, users, type UserRole } from './schema.ts';

export interface UserRecord {
  id: string;
  username: string;
  role: UserRole;
  disabledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const columns = {
  id: users.id,
  username: users.username,
  role: users.role,
  disabledAt: users.disabledAt,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
};

/** Every user, by username (an installation has tens of users, not millions). */
export function listUsers(db: Database): Promise<UserRecord[]> {
  return db.select(columns).from(users).orderBy(asc(users.username));
}

export async function readUser(db: Database, id: string): Promise<UserRecord | undefined> {
  const [row] = await db.select(columns).from(users).where(eq(users.id, id));
  return row;
}

export type UserUpdate = { role?: UserRole; disabled?: boolean };

export type UpdateOutcome =
  { ok: true; user: UserRecord } | { ok: false; reason: 'not-found' | 'last-admin' };

/**
 * Changes a user's role or disables/enables them, never leaving the installation without an
 * enabled admin: the enabled admins are locked while the change is checked, so two admins
 * demoting each other at once cannot both succeed. Disabling also revokes the user's refresh
 * tokens (their access tokens are refused by the API, see user_access_changed).
 */
export async function updateUser(
  db: Database,
  id: string,
  update: UserUpdate,
): Promise<UpdateOutcome> {
  return db.transaction(async (tx) => {
    const admins = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.role, 'admin'), isNull(users.disabledAt)))
      .for('update');
    const [current] = await tx.select(columns).from(users).where(eq(users.id, id)).for('update');
    if (!current) return { ok: false, reason: 'not-found' } as const;
    const staysEnabledAdmin =
      (update.role ?? current.role) === 'admin' &&
      (update.disabled === undefined ? current.disabledAt === null : !update.disabled);
    const isEnabledAdmin = admins.some((admin) => admin.id === id);
    if (isEnabledAdmin && !staysEnabledAdmin && admins.length === 1)
      return { ok: false, reason: 'last-admin' } as const;
    const [user] = await tx
      .update(users)
      .set({
        ...(update.role === undefined ? {} : { role: update.role }),
        ...(update.disabled === undefined
          ? {}
          : { disabledAt: update.disabled ? (current.disabledAt ?? sql`now()`) : null }),
        updatedAt: sql`now()`,
      })
      .where(eq(users.id, id))
      .returning(columns);
    if (!user) return { ok: false, reason: 'not-found' } as const;
    if (update.disabled) await revokeRefreshTokens(tx, id);
    return { ok: true, user } as const;
  });
}

type Executor = Pick<Database, 'update'>;

/** Ends every session of a user: their refresh tokens stop working. */
export async function revokeRefreshTokens(db: Executor, userId: string): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}
