// Failed logins cannot starve real ones (issue #13.2): a failed login costs at most one hash,
// hashing waits in a bounded queue that drops clients that left, and repeated failures ban
// their address and names for a while without any hashing.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { generateSecret } from '@twinwire/db/secrets';
import { users } from '@twinwire/db/schema';
import { issueDeviceCredential } from '@twinwire/db/device-credentials';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal } from './helpers/refusal.ts';
import { startBroker, type TestBroker } from './helpers/start-broker.ts';

/** The value of one counter or gauge series of the broker's registry (0 when absent). */
async function metric(harness: TestBroker, name: string, labels = ''): Promise<number> {
  const text = await harness.broker.metrics.registry.getSingleMetricAsString(name);
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

const hashes = (harness: TestBroker) => metric(harness, 'twinwire_broker_login_hashes_total');

/**
 * A user whose stored hash takes seconds to check (scrypt N=2^14, p=16: 16 MiB, 16 passes):
 * a login with its name holds a hash slot long enough to queue others behind it.
 * The stored key is random, so every password is wrong and nothing is re-hashed.
 */
async function slowUser(harness: TestBroker, username: string): Promise<void> {
  const salt = randomBytes(16).toString('base64url');
  const key = randomBytes(32).toString('base64url');
  await harness.database.db
    .insert(users)
    .values({ username, role: 'viewer', passwordHash: `scrypt$16384$8$16$${salt}$${key}` });
}

/**
 * Sends a CONNECT over a raw socket, from `localAddress` (any 127.0.0.x is loopback), and
 * leaves it waiting: `connack` resolves with the CONNACK's return code, or 'closed'.
 */
async function pendingConnect(
  port: number,
  fields: Partial<mqttPacket.IConnectPacket>,
  localAddress = '127.0.0.1',
) {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => undefined);
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const connack = new Promise<number | 'closed'>((resolve) => {
    parser.on('packet', (packet) => {
      if (packet.cmd === 'connack') resolve(packet.returnCode ?? 0);
    });
    socket.once('close', () => {
      resolve('closed');
    });
  });
  socket.on('data', (data) => parser.parse(data));
  await once(socket, 'connect');
  socket.write(
    mqttPacket.generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      clientId: 'pending',
      keepalive: 60,
      ...fields,
    }),
  );
  return Object.assign(socket, { connack });
}

describe('hashing per failed login', () => {
  let harness: TestBroker;
  beforeAll(async () => {
    harness = await startBroker();
  });
  afterAll(() => harness.close());

  it('spends one hash on a wrong secret for a device with ten credentials', async () => {
    await harness.provision('ten-keys');
    const credentials = [];
    for (let i = 0; i < 9; i++)
      credentials.push(await issueDeviceCredential(harness.database.db, 'ten-keys'));
    const named = credentials[4]!;

    const before = await hashes(harness);
    expect(
      await refusal(harness.mqttUrl, {
        clientId: 'ten-keys',
        username: 'ten-keys',
        password: `${named.id}.${generateSecret()}`,
      }),
    ).toBe(4);
    expect(await hashes(harness)).toBe(before + 1);

    // A secret without a credential's name cannot match a named credential: no hash at all.
    expect(
      await refusal(harness.mqttUrl, {
        clientId: 'ten-keys',
        username: 'ten-keys',
        password: generateSecret(),
      }),
    ).toBe(4);
    expect(await hashes(harness)).toBe(before + 1);

    const client = await harness.connect({
      clientId: 'ten-keys',
      username: 'ten-keys',
      password: named.secret,
    });
    expect(client.connected).toBe(true);
    expect(await hashes(harness)).toBe(before + 2);
  });
});

describe('the bounded hash queue', { timeout: 120_000 }, () => {
  let harness: TestBroker;
  let secret: string;
  beforeAll(async () => {
    harness = await startBroker({ LOGIN_HASH_CONCURRENCY: '1', LOGIN_HASH_QUEUE: '1' });
    await slowUser(harness, 'slow-sam');
    secret = await harness.provision('patient');
  });
  afterAll(() => harness.close());

  const waiting = () => metric(harness, 'twinwire_broker_login_hashes_waiting');
  const skipped = (reason: string) =>
    metric(harness, 'twinwire_broker_login_hashes_skipped_total', `{reason="${reason}"}`);

  const running = () => metric(harness, 'twinwire_broker_login_hashes_running');

  /**
   * A login that holds the only hash slot for seconds; resolves once its hash has started
   * with a function that waits for the slot to be free again.
   */
  async function occupySlot(clientId: string) {
    const before = await hashes(harness);
    const socket = await pendingConnect(harness.broker.addresses.mqtt, {
      clientId,
      username: 'slow-sam',
      password: Buffer.from('wrong'),
    });
    await expect.poll(() => hashes(harness)).toBe(before + 1);
    return async () => {
      await expect.poll(running, { timeout: 60_000, interval: 100 }).toBe(0);
      socket.destroy();
    };
  }

  it('drops a waiting login whose client closed its socket, without hashing it', async () => {
    const slowRefused = await occupySlot('slow-1');
    const before = await hashes(harness);
    const leaver = await pendingConnect(harness.broker.addresses.mqtt, {
      clientId: 'patient',
      username: 'patient',
      password: Buffer.from(secret),
    });
    await expect.poll(waiting).toBe(1);
    leaver.destroy();
    await expect.poll(() => skipped('client_gone')).toBe(1);
    expect(await waiting()).toBe(0);
    await slowRefused();
    expect(await hashes(harness)).toBe(before);
  });

  it('refuses a login as busy when the waiting list is full: CONNACK 3, MQTT 5 0x89', async () => {
    const slowRefused = await occupySlot('slow-2');
    const queued = await pendingConnect(harness.broker.addresses.mqtt, {
      clientId: 'queued',
      username: 'patient',
      password: Buffer.from(`${secret.split('.')[0]}.${generateSecret()}`),
    });
    await expect.poll(waiting).toBe(1);
    const device = { clientId: 'patient', username: 'patient', password: secret };
    expect(await refusal(harness.mqttUrl, device)).toBe(3);
    expect(await refusal(harness.mqttUrl, { ...device, protocolVersion: 5 })).toBe(0x89);
    expect(await skipped('busy')).toBe(2);
    await slowRefused();
    queued.destroy();
    // Once the queue has room the same device gets in.
    expect((await harness.connect(device)).connected).toBe(true);
  });
});

describe('failed-login throttle', () => {
  let harness: TestBroker;
  beforeAll(async () => {
    harness = await startBroker({
      LOGIN_THROTTLE: 'true',
      LOGIN_THROTTLE_FAILURES: '3',
      LOGIN_THROTTLE_WINDOW_MS: '60000',
      LOGIN_THROTTLE_MAX_BAN_MS: '1000',
    });
  });
  afterAll(() => harness.close());

  it('bans an address after repeated failures, refusing even valid devices without hashing until the ban expires', async () => {
    const secret = await harness.provision('bystander');
    await harness.provision('target');
    for (let i = 0; i < 3; i++)
      expect(
        await refusal(harness.mqttUrl, {
          clientId: `guess-${i}`,
          username: 'target',
          password: `wrong-${i}`,
        }),
      ).toBe(4);
    expect(await metric(harness, 'twinwire_broker_login_bans_total', '{key="address"}')).toBe(1);
    expect(await metric(harness, 'twinwire_broker_login_bans_total', '{key="username"}')).toBe(1);

    const before = await hashes(harness);
    const bystander = { clientId: 'bystander', username: 'bystander', password: secret };
    // While banned: MQTT 3.1.1 CONNACK 5 (not authorized: the secret was never judged),
    // MQTT 5.0 0x8A Banned [MQTT-3.2.2-8: a CONNACK with a reason code >= 0x80 closes].
    expect(await refusal(harness.mqttUrl, bystander)).toBe(5);
    expect(await refusal(harness.mqttUrl, { ...bystander, protocolVersion: 5 })).toBe(0x8a);
    expect(await hashes(harness)).toBe(before);
    expect(
      await metric(harness, 'twinwire_broker_login_throttled_total', '{key="address"}'),
    ).toBeGreaterThanOrEqual(2);

    // The ban (1 s, LOGIN_THROTTLE_MAX_BAN_MS) expires by itself.
    await expect
      .poll(() => refusal(harness.mqttUrl, bystander).catch(() => 'accepted'), {
        timeout: 10_000,
        interval: 250,
      })
      .toBe('accepted');
  });
});

describe('clean logins ahead of suspect ones', () => {
  let harness: TestBroker;
  beforeAll(async () => {
    harness = await startBroker({
      LOGIN_HASH_CONCURRENCY: '1',
      LOGIN_HASH_QUEUE: '1',
      // On, but with a threshold no test reaches: failures mark keys suspect, nothing bans.
      LOGIN_THROTTLE: 'true',
      LOGIN_THROTTLE_FAILURES: '100',
    });
    await slowUser(harness, 'slow-sue');
  });
  afterAll(() => harness.close());

  it('a clean login takes the queue place of one from an address that failed recently', async () => {
    const port = harness.broker.addresses.mqtt;
    const secret = await harness.provision('honest');
    const target = await harness.provision('target');
    const forged = () => Buffer.from(`${target.split('.')[0]}.${generateSecret()}`);
    // 127.0.0.2 fails once: its logins are suspect from now on.
    const guess = await pendingConnect(
      port,
      { clientId: 'guess-1', username: 'target', password: forged() },
      '127.0.0.2',
    );
    expect(await guess.connack).toBe(4);

    const before = await hashes(harness);
    const slow = await pendingConnect(
      port,
      { clientId: 'slow', username: 'slow-sue', password: Buffer.from('x') },
      '127.0.0.3',
    );
    await expect.poll(() => hashes(harness)).toBe(before + 1);
    const suspect = await pendingConnect(
      port,
      { clientId: 'guess-2', username: 'target', password: forged() },
      '127.0.0.2',
    );
    await expect.poll(() => metric(harness, 'twinwire_broker_login_hashes_waiting')).toBe(1);
    const honest = await pendingConnect(port, {
      clientId: 'honest',
      username: 'honest',
      password: Buffer.from(secret),
    });
    // The suspect login leaves the full queue, refused as busy; the clean one waits and gets in.
    expect(await suspect.connack).toBe(3);
    expect(await honest.connack).toBe(0);
    for (const socket of [slow, suspect, honest]) socket.destroy();
  }, 120_000);
});

describe('a flood that keeps the hash queue full', () => {
  let harness: TestBroker;
  beforeAll(async () => {
    harness = await startBroker(
      {
        LOGIN_HASH_CONCURRENCY: '1',
        LOGIN_HASH_QUEUE: '1',
        LOGIN_THROTTLE: 'true',
        LOGIN_THROTTLE_FAILURES: '2',
        LOGIN_THROTTLE_MAX_BAN_MS: '1000',
      },
      // The clean login waits behind a user password's scrypt; on a loaded CI machine that
      // outlasted the 5 s authentication limit and the clean login was refused busy.
      { authTimeoutMs: 60_000 },
    );
    await slowUser(harness, 'slow-sid');
  });
  afterAll(() => harness.close());

  it('is banned too: a suspect login refused busy counts as a failure, a clean one does not', async () => {
    const port = harness.broker.addresses.mqtt;
    const secret = await harness.provision('steady');
    const target = await harness.provision('victim');
    const forged = () => Buffer.from(`${target.split('.')[0]}.${generateSecret()}`);
    const bans = () => metric(harness, 'twinwire_broker_login_bans_total', '{key="address"}');
    // One hashed failure from 127.0.0.2: suspect from now on, not yet banned.
    const guess = await pendingConnect(
      port,
      { clientId: 'guess-1', username: 'victim', password: forged() },
      '127.0.0.2',
    );
    expect(await guess.connack).toBe(4);

    const before = await hashes(harness);
    const slow = await pendingConnect(
      port,
      { clientId: 'slow', username: 'slow-sid', password: Buffer.from('x') },
      '127.0.0.3',
    );
    await expect.poll(() => hashes(harness)).toBe(before + 1);
    const steady = await pendingConnect(
      port,
      { clientId: 'steady', username: 'steady', password: Buffer.from(secret) },
      '127.0.0.4',
    );
    await expect.poll(() => metric(harness, 'twinwire_broker_login_hashes_waiting')).toBe(1);
    // The queue holds a clean login: the suspect one is refused busy, its second failure.
    const flood = await pendingConnect(
      port,
      { clientId: 'guess-2', username: 'victim', password: forged() },
      '127.0.0.2',
    );
    expect(await flood.connack).toBe(3);
    expect(await bans()).toBe(1);
    // A clean login refused busy is not a failure.
    const clean = await pendingConnect(
      port,
      { clientId: 'steady', username: 'steady', password: Buffer.from(secret) },
      '127.0.0.5',
    );
    expect(await clean.connack).toBe(3);
    expect(await steady.connack).toBe(0);
    expect(await bans()).toBe(1);
    for (const socket of [slow, steady, flood, clean]) socket.destroy();
  }, 120_000);
});
