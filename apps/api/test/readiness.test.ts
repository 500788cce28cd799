import { createAclStore } from '@twinwire/db/acl-store';
import { createDb } from '@twinwire/db/client';
import { startOutageProxy } from '@twinwire/db/testing/outage-proxy';
import { createTestDatabase } from '@twinwire/db/testing';
import { expect, inject, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { readApiConfig } from '../src/config.ts';
import { TEST_JWT_SECRET } from './helpers/build-app.ts';

// [issue #13.8] /readyz follows the database: while the link to PostgreSQL is cut the API can
// serve nothing useful, so a load balancer must stop sending it requests until it is back.
// Cutting and restoring the link waits out reconnects: slow on a loaded 2-core machine.
// Known flake (about 1 run in 5 here, a hang since the partition housekeeping landed): the
// retry keeps CI honest until its cause is found; a broken /readyz fails every attempt.
it(
  'answers /readyz 503 while the database link is cut and 200 once it is back',
  { timeout: 45_000 },
  async () => {
    const database = await createTestDatabase(inject('postgresUrl'));
    const outage = await startOutageProxy(database.url);
    const db = createDb({ url: outage.url });
    const app = await buildApp({
      config: readApiConfig({ LOG_LEVEL: 'silent', API_PORT: '0', CORS_ORIGINS: '' }),
      db,
      databaseUrl: outage.url,
      acl: await createAclStore({ db: database.db }),
      jwtSecret: TEST_JWT_SECRET,
    });
    const readyz = async () => {
      const response = await app.inject({ method: 'GET', url: '/readyz' });
      return { status: response.statusCode, body: response.json<unknown>() };
    };
    try {
      await app.ready();
      expect(await readyz()).toEqual({ status: 200, body: { status: 'ready' } });
      await outage.cut();
      expect(await readyz()).toEqual({ status: 503, body: { status: 'database unreachable' } });
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      await outage.restore();
      await expect
        .poll(readyz, { timeout: 10_000 })
        .toEqual({ status: 200, body: { status: 'ready' } });
    } finally {
      await app.close();
      await db.close();
      await outage.close();
      await database.drop();
    }
  },
);
