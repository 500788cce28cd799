import { createServer, type Server } from 'node:net';
import { createTestDatabase } from '@twinwire/db/testing';
import pino from 'pino';
import { expect, inject, it } from 'vitest';
import { createBroker } from '../src/broker.ts';
import { loopbackBrokerEnv, readBrokerConfig } from '../src/config.ts';
import { SERVICE_SECRET } from './helpers/start-broker.ts';

function listenOn(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });

it('releases what it opened when its start fails half-way (its HTTP port in use)', async () => {
  const database = await createTestDatabase(inject('postgresUrl'));
  // The HTTP server opens last: everything else was opened when it fails.
  const squatter = createServer();
  const httpPort = await listenOn(squatter, 0);
  const probe = createServer();
  const mqttPort = await listenOn(probe, 0);
  await closeServer(probe);
  try {
    const config = readBrokerConfig(
      loopbackBrokerEnv(SERVICE_SECRET, {
        MQTT_PORT: String(mqttPort),
        BROKER_HTTP_PORT: String(httpPort),
      }),
    );
    await expect(
      createBroker({
        config,
        db: database,
        databaseUrl: database.url,
        log: pino({ level: 'silent' }),
      }),
    ).rejects.toThrow(`BROKER_HTTP_PORT: port ${httpPort} on 127.0.0.1 is already in use`);

    // The MQTT listener it had opened is closed: its port can be taken again.
    const again = createServer();
    await expect(listenOn(again, mqttPort)).resolves.toBe(mqttPort);
    await closeServer(again);
    // Its LISTEN connections (rule and access changes, alarm rules) are closed.
    await expect
      .poll(async () => {
        const { rows } = await database.pool.query<{ application_name: string }>(
          `SELECT application_name FROM pg_stat_activity
            WHERE datname = $1 AND application_name IN ('twinwire-broker-events', 'twinwire-alarm-rules')`,
          [database.name],
        );
        return rows.map((row) => row.application_name);
      })
      .toEqual([]);
    // Its row in the cluster-wide client registry is retired.
    const brokers = await database.pool.query('SELECT broker_id FROM mqtt_brokers');
    expect(brokers.rows).toEqual([]);
  } finally {
    await closeServer(squatter);
    await database.drop();
  }
});
