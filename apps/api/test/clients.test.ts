// Client actions through the API alone: a broker that never confirms, simulated in the
// database (the tests with a real broker are in apps/platform/test/clients.test.ts).
import { heartbeatBroker, upsertClients } from '@twinwire/db/client-registry';
import { describe, expect, it } from 'vitest';
import { buildTestApi } from './helpers/build-app.ts';

describe('actions', () => {
  it('answers 504 when the broker holding a client does not confirm', async () => {
    const api = await buildTestApi({}, { clientActionTimeoutMs: 300 });
    try {
      await heartbeatBroker(api.database.db, {
        brokerId: 'silent-broker',
        startedAt: Date.now(),
        intervalMs: 60_000,
        sharedSessions: false,
      });
      await upsertClients(api.database.db, [
        {
          clientId: 'ghost',
          brokerId: 'silent-broker',
          principalKind: 'device',
          principalId: 'ghost',
          principalUsername: null,
          principalRole: 'device',
          protocol: 'mqtt',
          protocolVersion: 4,
          remoteAddress: null,
          keepaliveS: 60,
          cleanSession: true,
          sessionExpiryS: null,
          connected: true,
          connectedAt: Date.now(),
          disconnectedAt: null,
          subscriptions: [],
          subscriptionCount: 0,
          inflight: null,
          queued: null,
        },
      ]);
      const token = await api.tokenFor('admin');
      const response = await api.call('POST', '/clients/ghost/disconnect', token);
      expect(response.statusCode).toBe(504);
      expect(response.json()).toEqual({
        code: 'TWW_BROKER_TIMEOUT',
        message:
          'broker silent-broker did not confirm within 0.3 s; it may be overloaded or stopping: reload the list and retry',
      });
    } finally {
      await api.close();
    }
  });
});
