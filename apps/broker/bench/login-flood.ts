/**
 * Failed logins must not starve real ones (issue #13.2): valid devices whose credentials are
 * not cached (a fresh broker per scenario) connect, paced, from 127.0.0.1 while flood
 * clients send wrong secrets from 127.0.0.2, 127.0.0.3, … in a tight loop, each from its own
 * address, client id and device name, each secret naming one of the target device's ten
 * credentials (before the fix: ten hashes per failure). Reports CONNECT→CONNACK p50/p99 of
 * the valid devices and how many were refused, with the flood off, on, and on with the
 * failed-login throttle turned off (the hash gate alone). Raw sockets and mqtt-packet, not
 * mqtt.js: a flood client is a socket, a CONNECT and a wait for the CONNACK.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { deviceCredentials, devices } from '@twinwire/db/schema';
import { generateSecret, hashDeviceSecret } from '@twinwire/db/secrets';
import { createTestDatabase } from '@twinwire/db/testing';
import { provisionDevices } from '@twinwire/testing/provision';
import mqttPacket from 'mqtt-packet';
import { loopbackBrokerEnv } from '../src/config.ts';
import { deviceIds } from './provision.ts';
import { ms, progress, row, Samples, verdict, type Row } from './stats.ts';
import { startOurBroker } from './targets.ts';

export interface LoginFloodOptions {
  /** Valid devices connecting during the measured window, evenly paced. */
  devices: number;
  /** Flood clients, each on its own loopback address. */
  floodClients: number;
  /** How long the valid devices' connects are spread over (and the flood lasts). */
  windowMs: number;
  serviceSecret: string;
}

const P99_TARGET_MS = 1_000;
const CREDENTIALS_PER_TARGET = 10;

/** One CONNECT over a raw socket: the CONNACK's return code (or 'closed') and how long it took. */
async function connectOnce(
  port: number,
  localAddress: string,
  fields: { clientId: string; username: string; password: string },
  timeoutMs = 30_000,
): Promise<{ code: number | 'closed'; ms: number }> {
  const socket: Socket = connect({ port, host: '127.0.0.1', localAddress });
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  try {
    await once(socket, 'connect');
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const answered = new Promise<number | 'closed'>((resolve) => {
      parser.on('packet', (packet) => {
        if (packet.cmd === 'connack') resolve(packet.returnCode ?? 0);
      });
      socket.on('data', (data) => parser.parse(data));
      socket.once('close', () => {
        resolve('closed');
      });
      setTimeout(() => {
        resolve('closed');
      }, timeoutMs).unref();
    });
    const started = performance.now();
    socket.write(
      mqttPacket.generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean: true,
        keepalive: 60,
        clientId: fields.clientId,
        username: fields.username,
        password: Buffer.from(fields.password),
      }),
    );
    const code = await answered;
    return { code, ms: performance.now() - started };
  } finally {
    socket.destroy();
  }
}

interface Scenario {
  name: string;
  flood: boolean;
  throttle: boolean;
}

export async function benchLoginFlood(
  adminUrl: string,
  options: LoginFloodOptions,
): Promise<{ rows: Row[]; notes: string[] }> {
  const database = await createTestDatabase(adminUrl);
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    progress(`login flood: issuing ${options.devices} device secrets (salted SHA-256, as issued)`);
    const valid = deviceIds('valid', options.devices);
    const secrets = new Map<string, string>();
    for (let start = 0; start < valid.length; start += 20) {
      for (const device of await provisionDevices(database.db, valid.slice(start, start + 20)))
        secrets.set(device.id, device.secret);
    }
    // Flood targets hold ten credentials each, all hashed as production hashes them (of a
    // secret nobody sends): a wrong secret naming one of them costs one real verification.
    const targets = deviceIds('target', options.floodClients);
    await database.db.insert(devices).values(targets.map((id) => ({ id, name: id })));
    const productionHash = `named:${hashDeviceSecret(generateSecret())}`;
    const targetCredentials = await database.db
      .insert(deviceCredentials)
      .values(
        targets.flatMap((deviceId) =>
          Array.from({ length: CREDENTIALS_PER_TARGET }, () => ({
            deviceId,
            secretHash: productionHash,
          })),
        ),
      )
      .returning({ id: deviceCredentials.id, deviceId: deviceCredentials.deviceId });
    const credentialOf = new Map(targetCredentials.map((c) => [c.deviceId, c.id]));

    const scenarios: Scenario[] = [
      { name: 'no flood', flood: false, throttle: true },
      { name: `${options.floodClients}-client bad-password flood`, flood: true, throttle: true },
      {
        name: `${options.floodClients}-client flood, throttle off (hash gate alone)`,
        flood: true,
        throttle: false,
      },
    ];
    for (const scenario of scenarios) {
      progress(`login flood: ${scenario.name}`);
      const broker = await startOurBroker({
        env: loopbackBrokerEnv(options.serviceSecret, {
          LOG_LEVEL: 'warn',
          LOGIN_THROTTLE: String(scenario.throttle),
        }),
        databaseUrl: database.url,
      });
      try {
        let flooding = scenario.flood;
        let floodAttempts = 0;
        const floods = scenario.flood
          ? targets.map(async (target, index) => {
              const localAddress = `127.0.0.${index + 2}`;
              while (flooding) {
                await connectOnce(broker.mqttPort, localAddress, {
                  clientId: target,
                  username: target,
                  password: `${credentialOf.get(target) ?? ''}.${generateSecret()}`,
                });
                floodAttempts += 1;
              }
            })
          : [];
        // Let the flood reach its stride before the first valid device.
        if (scenario.flood) await sleep(500);
        const latencies = new Samples();
        const refusals = new Map<string, number>();
        const gapMs = options.windowMs / options.devices;
        const startedAt = performance.now();
        const connects = valid.map(async (id, index) => {
          const due = startedAt + index * gapMs - performance.now();
          if (due > 0) await sleep(due);
          const { code, ms: took } = await connectOnce(broker.mqttPort, '127.0.0.1', {
            clientId: id,
            username: id,
            password: secrets.get(id) ?? '',
          });
          if (code === 0) latencies.add(took);
          else refusals.set(String(code), (refusals.get(String(code)) ?? 0) + 1);
        });
        await Promise.all(connects);
        flooding = false;
        await Promise.all(floods);
        const refused = [...refusals.values()].reduce((a, b) => a + b, 0);
        const p99 = latencies.quantile(0.99);
        const hashes = await broker.metric('twinwire_broker_login_hashes_total');
        const throttled = await broker.metric('twinwire_broker_login_throttled_total');
        const busy = await broker.metric('twinwire_broker_login_hashes_skipped_total');
        rows.push(
          row({
            benchmark: `${options.devices} uncached valid devices over ${options.windowMs / 1000} s, ${scenario.name}`,
            'msgs/s': `${refused} refused${refused ? ` (${[...refusals].map(([c, n]) => `${n}× ${c}`).join(', ')})` : ''}`,
            'p50 (ms)': ms(latencies.quantile(0.5)),
            'p99 (ms)': ms(p99),
            target: verdict(refused === 0 && p99 < P99_TARGET_MS),
          }),
        );
        notes.push(
          `${scenario.name}: ${floodAttempts} flood CONNECTs; broker computed ${hashes} hashes, ` +
            `refused ${throttled} CONNECTs unhashed as banned, ${busy} as busy or gone`,
        );
      } finally {
        await broker.stop();
      }
    }
    notes.push(
      `target: p99 CONNECT→CONNACK < ${P99_TARGET_MS} ms and none refused; flood clients each target a device with ${CREDENTIALS_PER_TARGET} credentials from their own 127.0.0.x`,
    );
    return { rows, notes };
  } finally {
    await database.drop();
  }
}
