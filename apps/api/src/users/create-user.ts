// `node dist/create-user.js <username> <admin|operator|viewer>` (from source:
// `pnpm --filter @twinwire/api user:create -- <username> <role>`): adds a user. The password
// comes from USER_PASSWORD or, when unset, from the first line of stdin — never from the
// command line, where `ps` and shell history would keep it.
import { createInterface } from 'node:readline';
import { openDatabase } from '@twinwire/db/open-database';
import { createUser } from '@twinwire/db/users';
import { readApiConfig, readUserCliInput } from '../config.ts';

async function firstLineOfStdin(): Promise<string> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}

try {
  const config = readApiConfig();
  const input = readUserCliInput(process.argv.slice(2));
  const password = input.password ?? (await firstLineOfStdin());
  if (password.length < 12) throw new Error('the password must have at least 12 characters');
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.TWINWIRE_DATA_DIR,
    applicationName: 'twinwire-create-user',
  });
  try {
    const user = await createUser(database.client.db, { ...input, password });
    console.log(`user ${user.username} created with role ${user.role}`);
  } catch (error) {
    const duplicate = (error as { cause?: { code?: string } }).cause?.code === '23505';
    throw duplicate ? new Error(`a user named ${input.username} already exists`) : error;
  } finally {
    await database.close();
  }
} catch (error) {
  console.error(`create-user: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
