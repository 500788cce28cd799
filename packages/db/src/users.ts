import { and, count, eq, isNull } from 'drizzle-orm';
import type { Database } from './client.ts';
import { users, type UserRole } from './schema.ts';
import { hashSecret, verifySecret } from './secrets.ts';

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
      passwordHash: await hashSecret(input.password),
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
    .set({ passwordHash: await hashSecret(password), updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning({ id: users.id });
  return updated.length > 0;
}

/** The enabled user with this username and password, or null. */
export async function verifyUserPassword(
  db: Database,
  username: string,
  password: string,
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
  if (!row || !(await verifySecret(password, row.passwordHash))) return null;
  return { id: row.id, username: row.username, role: row.role };
}

export async function countUsers(db: Database): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users);
  return row?.n ?? 0;
}
