import { createDb, type DbClient } from '@twinwire/db/client';
import { startOutageProxy, type OutageProxy } from '@twinwire/db/testing/outage-proxy';
import { createTestDatabase, type TestDatabase } from '@twinwire/db/testing';
import { provisionDevice } from '@twinwire/testing/provision';
import { createServiceSecret } from '@twinwire/testing/service-secret';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import pino from 'pino';
import { inject } from 'vitest';
import { createBroker, type Broker } from '../../src/broker.ts';
import { loopbackBrokerEnv, readBrokerConfig, type BrokerConfig } from '../../src/config.ts';

export const SERVICE_SECRET = createServiceSecret();

export interface TestBroker {
  broker: Broker;
  database: TestDatabase;
  /** With `{ outage: true }`: the broker reaches PostgreSQL only through this proxy. */
  outage: OutageProxy | undefined;
  config: BrokerConfig;
  mqttUrl: string;
  wsUrl: string;
  /** Creates a device with one credential and returns its secret. */
  provision(deviceId: string): Promise<string>;
  /**
   * Connects an mqtt.js client and waits for CONNACK; closed by `close()`. `beforeConnect`
   * sees the client first, e.g. to listen for messages queued for a persistent session.
   */
  connect(
    options: IClientOptions & { transport?: 'tcp' | 'ws' },
    beforeConnect?: (client: MqttClient) => void,
  ): Promise<MqttClient>;
  close(): Promise<void>;
}

/**
 * The real broker on free ports against a database of its own. `env` overrides broker
 * variables exactly as they would be set in production.
 */
export async function startBroker(
  env: Record<string, string> = {},
  options: {
    outage?: boolean;
    housekeepingIntervalMs?: number;
    authTimeoutMs?: number;
    /** The broker's own client to the test database, e.g. one that counts statements. */
    dbFactory?: (url: string) => DbClient;
  } = {},
): Promise<TestBroker> {
  const database = await createTestDatabase(inject('postgresUrl'));
  const config = readBrokerConfig(loopbackBrokerEnv(SERVICE_SECRET, env));
  const outage = options.outage ? await startOutageProxy(database.url) : undefined;
  const databaseUrl = outage?.url ?? database.url;
  const db = outage
    ? createDb({ url: databaseUrl })
    : options.dbFactory
      ? options.dbFactory(database.url)
      : database;
  let broker: Broker;
  try {
    broker = await createBroker({
      config,
      db,
      databaseUrl,
      log: pino({ level: 'silent' }),
      housekeepingIntervalMs: options.housekeepingIntervalMs ?? 500,
      ...(options.authTimeoutMs ? { authTimeoutMs: options.authTimeoutMs } : {}),
    });
  } catch (error) {
    if (db !== database) await db.close();
    await outage?.close();
    await database.drop();
    throw error;
  }
  const clients: MqttClient[] = [];
  const mqttUrl = `mqtt://127.0.0.1:${broker.addresses.mqtt}`;
  const wsUrl = `ws://127.0.0.1:${broker.addresses.ws}/mqtt`;

  return {
    broker,
    database,
    outage,
    config,
    mqttUrl,
    wsUrl,
    async provision(deviceId) {
      return (await provisionDevice(database.db, deviceId, { existing: 'keep' })).secret;
    },
    connect({ transport = 'tcp', ...clientOptions }, beforeConnect) {
      const client = mqtt.connect(transport === 'ws' ? wsUrl : mqttUrl, {
        reconnectPeriod: 0,
        connectTimeout: 5_000,
        ...clientOptions,
      });
      clients.push(client);
      beforeConnect?.(client);
      return new Promise((resolve, reject) => {
        client.once('connect', () => {
          resolve(client);
        });
        client.once('error', reject);
      });
    },
    async close() {
      await Promise.all(clients.map((client) => client.endAsync(true)));
      await broker.close();
      if (db !== database) await db.close();
      await outage?.close();
      await database.drop();
    },
  };
}
