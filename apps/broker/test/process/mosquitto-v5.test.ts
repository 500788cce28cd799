import { execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { TestDatabase } from '@twinwire/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  killAllBrokers,
  SERVICE_SECRET,
  spawnBroker,
  type SpawnedBroker,
} from '../helpers/spawn-broker.ts';
import { ownDatabase, provisionDevices, reading, storedReadings, type Device } from './fixtures.ts';

// Debian's mosquitto clients speaking MQTT 5.0 (-V mqttv5) to the real broker process:
// properties, user properties, request/response, retained messages, will delay, session expiry.

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

function run(command: string, args: string[], timeoutMs = 10_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let database: TestDatabase;
let broker: SpawnedBroker;
let device: Device;
const connection = () => ['-h', '127.0.0.1', '-p', String(broker.ports.mqtt), '-V', 'mqttv5'];
const asService = (clientId: string) => ['-i', clientId, '-u', 'service', '-P', SERVICE_SECRET];

/**
 * A mosquitto_sub that prints every message as `format` (one line each) and has said SUBACK;
 * `lines` fills as messages arrive, `exited` resolves with its exit code.
 */
async function subscriber(args: string[], format: string) {
  const child = spawn(
    'stdbuf',
    ['-oL', 'mosquitto_sub', ...connection(), ...args, '-d', '-F', `MESSAGE ${format}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = once(child, 'close').then(([code]) => code as number | null);
  const lines: string[] = [];
  const output: string[] = [];
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      if (line.startsWith('MESSAGE ')) lines.push(line.slice('MESSAGE '.length));
      if (line.includes('received SUBACK')) resolve();
    });
    exited.then(() => {
      reject(new Error(`mosquitto_sub exited before subscribing:\n${output.join('\n')}`));
    }, reject);
  });
  return { child, lines, exited, output };
}

describe.runIf(['mosquitto_pub', 'mosquitto_sub', 'stdbuf'].every(installed))(
  'mosquitto clients over MQTT 5.0',
  () => {
    beforeAll(async () => {
      database = await ownDatabase();
      [device] = (await provisionDevices(database, 'mosq5', 1)) as [Device];
      broker = await spawnBroker({ DATABASE_URL: database.url });
    });
    afterAll(async () => {
      await killAllBrokers();
      await database.drop();
    });

    it('passes user properties, content type, response topic and correlation data through', async () => {
      const topic = `devices/${device.id}/commands/reboot`;
      const sub = await subscriber(
        [...asService('mosq-sub-props'), '-t', topic, '-C', '1', '-W', '15'],
        '%t|%p|%C|%R|%D|%P',
      );
      try {
        const published = await run('mosquitto_pub', [
          ...connection(),
          ...asService('mosq-pub-props'),
          ...['-t', topic, '-q', '1', '-m', '{"id":"r1","args":{}}'],
          ...['-D', 'publish', 'content-type', 'application/json'],
          ...['-D', 'publish', 'response-topic', `${topic}/ack`],
          ...['-D', 'publish', 'correlation-data', 'req-1'],
          ...['-D', 'publish', 'user-property', 'trace', 'abc'],
        ]);
        expect(published).toMatchObject({ code: 0, stderr: '' });
        expect(await sub.exited).toBe(0);
        expect(sub.lines).toEqual([
          `${topic}|{"id":"r1","args":{}}|application/json|${topic}/ack|req-1|trace:abc`,
        ]);
      } finally {
        sub.child.kill('SIGKILL');
      }
    });

    it('stores a device’s MQTT 5.0 reading, and says why it refuses an invalid one', async () => {
      const publish = (message: string) =>
        run('mosquitto_pub', [
          ...connection(),
          ...['-i', device.id, '-u', device.id, '-P', device.secret],
          ...['-t', device.topic, '-q', '1', '-m', message],
        ]);
      expect(await publish(reading(1))).toMatchObject({ code: 0, stderr: '' });
      const refused = await publish('{"ts":1}');
      expect(refused.stderr).toMatch(/payload format invalid/i);
      expect((await storedReadings(database)).map((row) => row.seq)).toEqual([1]);
    });

    it('gives a later subscriber the retained message, marked retained [MQTT-3.3.1-6]', async () => {
      const topic = `devices/${device.id}/commands/config`;
      const published = await run('mosquitto_pub', [
        ...connection(),
        ...asService('mosq-pub-retained'),
        ...['-t', topic, '-q', '1', '-r', '-m', 'kept'],
      ]);
      expect(published.code).toBe(0);
      const sub = await subscriber(
        [...asService('mosq-sub-retained'), '-t', topic, '-C', '1', '-W', '15'],
        '%r %p',
      );
      expect(await sub.exited).toBe(0);
      expect(sub.lines).toEqual(['1 kept']);
    });

    it('publishes a will only once its delay has passed', async () => {
      const willTopic = `devices/${device.id}/commands/will/ack`;
      const watcher = await subscriber(
        [...asService('mosq-will-watch'), '-t', willTopic, '-C', '1', '-W', '20'],
        '%p',
      );
      const dying = await subscriber(
        [
          ...asService('mosq-will'),
          ...['-t', 'devices/none/commands/x', '-x', '30'],
          ...['--will-topic', willTopic, '--will-payload', 'gone', '--will-qos', '1'],
          ...['-D', 'will', 'will-delay-interval', '2'],
        ],
        '%p',
      );
      const killed = Date.now();
      dying.child.kill('SIGKILL');
      expect(await watcher.exited, watcher.output.join('\n')).toBe(0);
      expect(watcher.lines).toEqual(['gone']);
      expect(Date.now() - killed).toBeGreaterThanOrEqual(1_800);
    });

    it('keeps a session for its expiry interval, with the message queued while away [MQTT-3.1.2-23]', async () => {
      const topic = `devices/${device.id}/commands/queued`;
      const session = [...asService('mosq-session'), '-c', '-x', '60', '-q', '1', '-t', topic];
      const first = await subscriber([...session, '-W', '1'], '%p');
      await first.exited;
      const published = await run('mosquitto_pub', [
        ...connection(),
        ...asService('mosq-pub-queued'),
        ...['-t', topic, '-q', '1', '-m', 'while away'],
      ]);
      expect(published.code).toBe(0);
      const second = spawn('mosquitto_sub', [...connection(), ...session, '-C', '1', '-W', '10']);
      const out: string[] = [];
      createInterface({ input: second.stdout }).on('line', (line) => out.push(line));
      const [code] = (await once(second, 'close')) as [number | null];
      expect(code).toBe(0);
      expect(out).toEqual(['while away']);
    });
  },
);
