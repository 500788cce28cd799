import { execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { TestDatabase } from '@twinwire/db/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { killAllBrokers, SERVICE_SECRET, spawnBroker } from '../helpers/spawn-broker.ts';
import { ownDatabase, provisionDevices, reading, storedReadings, type Device } from './fixtures.ts';

function installed(command: string): boolean {
  try {
    execFileSync('which', [command], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (killed after `timeoutMs`), never rejecting on its exit code. */
function run(command: string, args: string[], timeoutMs = 10_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function publishArgs(port: number, device: Device, secret: string, message: string): string[] {
  return [
    ...['-h', '127.0.0.1', '-p', String(port), '-V', 'mqttv311'],
    ...['-i', device.id, '-u', device.id, '-P', secret],
    ...['-q', '1', '-t', device.topic, '-m', message],
  ];
}

let database: TestDatabase | undefined;
afterEach(async () => {
  await killAllBrokers();
  await database?.drop();
  database = undefined;
});

async function brokerWithDevice() {
  database = await ownDatabase();
  const [device] = (await provisionDevices(database, 'mosquitto', 1)) as [Device];
  const broker = await spawnBroker({ DATABASE_URL: database.url });
  return { database, device, broker };
}

describe.runIf(['mosquitto_pub', 'mosquitto_sub', 'stdbuf'].every(installed))(
  'interoperability with the mosquitto clients',
  () => {
    it('stores a QoS 1 reading published with mosquitto_pub by the time it exits', async () => {
      const { database, device, broker } = await brokerWithDevice();

      const published = await run(
        'mosquitto_pub',
        publishArgs(broker.ports.mqtt, device, device.secret, reading(1)),
      );

      expect(published).toMatchObject({ code: 0, stderr: '' });
      // mosquitto_pub exits after the PUBACK, which the broker sends after the commit.
      expect(await storedReadings(database)).toEqual([
        expect.objectContaining({ device_id: device.id, seq: 1, metrics: { temperature: 21.5 } }),
      ]);
    });

    it("delivers a device's reading to mosquitto_sub connected as the service principal", async () => {
      const { device, broker } = await brokerWithDevice();
      // Line-buffered stdout: its SUBACK line must reach us before we publish, not at exit.
      const subscriber = spawn(
        'stdbuf',
        [
          ...['-oL', 'mosquitto_sub'],
          ...['-h', '127.0.0.1', '-p', String(broker.ports.mqtt), '-V', 'mqttv311'],
          ...['-i', 'service/sub', '-u', 'service', '-P', SERVICE_SECRET],
          ...['-q', '1', '-t', 'devices/+/telemetry', '-C', '1', '-W', '15', '-d'],
          ...['-F', 'MESSAGE %t %p'],
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const exited = once(subscriber, 'close') as Promise<[number | null]>;
      const lines: string[] = [];
      const subscribed = new Promise<void>((resolve, reject) => {
        createInterface({ input: subscriber.stdout }).on('line', (line) => {
          lines.push(line);
          if (line.includes('received SUBACK')) resolve();
        });
        exited.then(() => {
          reject(new Error(`mosquitto_sub exited before subscribing:\n${lines.join('\n')}`));
        }, reject);
      });
      try {
        await subscribed;
        const published = await run(
          'mosquitto_pub',
          publishArgs(broker.ports.mqtt, device, device.secret, reading(2)),
        );
        expect(published.code).toBe(0);

        const [code] = await exited;
        expect(code, lines.join('\n')).toBe(0);
        expect(lines.filter((line) => line.startsWith('MESSAGE '))).toEqual([
          `MESSAGE ${device.topic} ${reading(2)}`,
        ]);
      } finally {
        subscriber.kill('SIGKILL');
      }
    });

    it('refuses a wrong password: mosquitto_pub exits non-zero and nothing is stored', async () => {
      const { database, device, broker } = await brokerWithDevice();

      const published = await run(
        'mosquitto_pub',
        publishArgs(broker.ports.mqtt, device, `${device.secret}-wrong`, reading(3)),
      );

      // [MQTT-3.2.2-5] CONNACK 4 (bad user name or password), then the server closes the connection.
      expect(published.code).not.toBe(0);
      expect(published.stderr).toMatch(/bad user name or password/i);
      expect(await storedReadings(database)).toEqual([]);
    });
  },
);
