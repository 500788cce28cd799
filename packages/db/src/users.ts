import { and, count, eq, isNull } from 'drizzle-orm';
import type { Database } from './client.ts';
import { users, type UserRole } from './schema.ts';
import {
  hashSecret,
  isWeakerThan,
  PASSWORD_PARAMS,
  runHashNow,
  verifySecret,
  type RunHash,
} from './secrets.ts';

export interface User {
  id: string;
  username: string;
  role: UserRole;
}

export async function createUser(
  db: Database,
  input: { username: string; password: string; role: UserRole },
): Promise<User> {
  const [row] = await db
    .insert(users)
    .values({
      username: input.username,
      role: input.role,
      passwordHash: await hashSecret(input.password, PASSWORD_PARAMS),
    })
    .returning({ id: users.id, username: users.username, role: users.role });
  if (!row) throw new Error(`no row returned creating user ${input.username}`);
  return row;
}

/** Replaces a user's password, hashed as {@link createUser} hashes it; false when no such user. */
export async function setUserPassword(
  db: Database,
  userId: string,
  password: string,
): Promise<boolean> {
  const updated = await db
    .update(users)
    .set({ passwordHash: await hashSecret(password, PASSWORD_PARAMS), updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning({ id: users.id });
  return updated.length > 0;
}

/**
 * The enabled user with this username and password, or null: one hash when the user
 * exists, none when not. A password stored with weaker parameters than
 * {@link PASSWORD_PARAMS} is re-hashed with them once it has been verified (the only time
 * the clear password is at hand); a failed login changes nothing.
 */
export async function verifyUserPassword(
  db: Database,
  username: string,
  password: string,
  runHash: RunHash = runHashNow,
): Promise<User | null> {
  const [row] = await db
    .select({
      id: users.id,
      username: users.username,
      role: users.role,
      passwordHash: users.passwordHash,
    })
    .from(users)
    .where(and(eq(users.username, username), isNull(users.disabledAt)));
  if (!row || !(await runHash(() => verifySecret(password, row.passwordHash)))) return null;
  if (isWeakerThan(row.passwordHash, PASSWORD_PARAMS)) {
    const upgraded = await runHash(() => hashSecret(password, PASSWORD_PARAMS));
    // Only if nobody changed the password meanwhile.
    await db
      .update(users)
      .set({ passwordHash: upgraded })
      .where(and(eq(users.id, row.id), eq(users.passwordHash, row.passwordHash)));
  }
  return { id: row.id, username: row.username, role: row.role };
}

export async function countUsers(db: Database): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users);
  return row?.n ?? 0;
}
