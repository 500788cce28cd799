/**
 * MQTT 5 simulated devices against a real Twinwire: telemetry under a topic alias as seen on
 * the wire, the fallback to full topics when the broker allows no alias, and commands
 * answered by MQTT 5 request/response.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { commandAckTopic, commandTopic, telemetryTopic } from '@twinwire/schemas/topics';
import { waitUntil } from '@twinwire/testing/wait-until';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttDevice } from '../src/devices/mqtt-device.ts';
import { createProfile } from '../src/profiles/create-profile.ts';
import { seededRandom } from '../src/profiles/random-walk.ts';
import { provisionDevices } from '../src/provision.ts';
import { startFaultProxy } from '../src/proxy/fault-proxy.ts';
import { endpointOf, throughProxy } from '../src/run/targets.ts';
import { rowsPerDevice, startTestTwinwire, type TestTwinwire } from './helpers.ts';
import { startMqttTap, type TappedPublish } from './mqtt-tap.ts';

let twinwire: TestTwinwire;
beforeAll(async () => {
  twinwire = await startTestTwinwire();
});
afterAll(async () => {
  await twinwire.close();
});

/** Sends `count` readings, one message each, through a v5 device behind a wire tap. */
async function sendThroughTap(
  target: TestTwinwire,
  prefix: string,
  count: number,
): Promise<{ deviceId: string; publishes: TappedPublish[]; device: MqttDevice }> {
  const [credential] = await provisionDevices(target.platform.urls.api, target.admin, 1, prefix);
  const tap = await startMqttTap(target.platform.urls.mqtt);
  const device = new MqttDevice({ url: tap.url, qos: 1, mqttVersion: '5', ...credential! });
  try {
    device.start();
    await waitUntil('the device to connect', () => device.connected);
    for (let n = 0; n < count; n++) {
      const ts = Date.now() + n;
      const seq = device.ledger.take(ts);
      device.send([{ ts, seq, metrics: { value: seq } }]);
    }
    await waitUntil("the device's readings to be acknowledged", () => device.pending() === 0);
  } finally {
    await device.stop();
    await tap.close();
  }
  return { deviceId: credential!.deviceId, publishes: tap.publishes, device };
}

describe('an MQTT 5 simulated device', () => {
  it('sends its topic with an alias once, then an empty topic and the alias (MQTT 5.0 §3.3.2.3.4)', async () => {
    const { deviceId, publishes, device } = await sendThroughTap(twinwire, 'alias', 5);
    expect(publishes).toHaveLength(5);
    const [first, ...later] = publishes;
    expect(first?.topic).toBe(telemetryTopic(deviceId));
    // Within the broker's Topic Alias Maximum (10 by default) [MQTT-3.3.2-9].
    expect(first?.topicAlias).toBeGreaterThanOrEqual(1);
    expect(first?.topicAlias).toBeLessThanOrEqual(10);
    for (const publish of later) {
      expect(publish.topic).toBe('');
      expect(publish.topicAlias).toBe(first?.topicAlias);
    }
    // The device counts aliased PUBLISHes as its telemetry, and the broker stored them all.
    expect(device.counters.messagesSent).toBe(5);
    expect(device.ledger.ackedTotal).toBe(5);
    expect((await rowsPerDevice(twinwire.database, [deviceId])).get(deviceId)).toBe(5);
  });

  it('counts its aliased PUBLISHes as sent after a reconnect that resent unacknowledged ones', async () => {
    const [credential] = await provisionDevices(
      twinwire.platform.urls.api,
      twinwire.admin,
      1,
      'realias',
    );
    const mqttUrl = twinwire.platform.urls.mqtt;
    // Slow enough that the PUBACKs are still on their way when the connection is cut.
    const proxy = await startFaultProxy({
      target: endpointOf(mqttUrl),
      faults: { latencyMs: 300 },
    });
    const device = new MqttDevice({
      url: throughProxy(mqttUrl, proxy),
      qos: 1,
      mqttVersion: '5',
      ...credential!,
      backoff: { baseMs: 50, maxMs: 100 },
    });
    const send = (count: number) => {
      for (let n = 0; n < count; n++) {
        const ts = Date.now() + n;
        device.send([{ ts, seq: device.ledger.take(ts), metrics: { value: n } }]);
      }
    };
    try {
      device.start();
      await waitUntil('the device to connect', () => device.connected);
      send(3);
      await sleep(50);
      void proxy.outage(50);
      // The new connection starts without aliases: the resent PUBLISHes set one up again.
      await waitUntil(
        'a second connection and every reading acknowledged',
        () => device.counters.connects === 2 && device.pending() === 0,
      );
      send(2);
      await waitUntil("the device's readings to be acknowledged", () => device.pending() === 0);
    } finally {
      await device.stop();
      await proxy.close();
    }
    expect([1, 2, 3, 4, 5].map((seq) => device.ledger.transmissionsOf(seq))).toEqual([
      2, 2, 2, 1, 1,
    ]);
    expect(device.counters.messagesSent).toBe(8);
    expect(device.ledger.ackedTotal).toBe(5);
  });

  it('sends the full topic every time when the broker advertises no topic alias', async () => {
    const noAliases = await startTestTwinwire({ brokerEnv: { MQTT_TOPIC_ALIAS_MAXIMUM: '0' } });
    try {
      const { deviceId, publishes, device } = await sendThroughTap(noAliases, 'noalias', 3);
      expect(publishes.map((p) => [p.topic, p.topicAlias])).toEqual(
        Array.from({ length: 3 }, () => [telemetryTopic(deviceId), undefined]),
      );
      expect(device.ledger.ackedTotal).toBe(3);
      expect((await rowsPerDevice(noAliases.database, [deviceId])).get(deviceId)).toBe(3);
    } finally {
      await noAliases.close();
    }
  });

  it('answers a command on its Response Topic with its Correlation Data (MQTT 5.0 §4.10), else on the ack topic', async () => {
    const [credential] = await provisionDevices(
      twinwire.platform.urls.api,
      twinwire.admin,
      1,
      'reqres',
    );
    const deviceId = credential!.deviceId;
    const device = new MqttDevice({
      url: twinwire.platform.urls.mqtt,
      qos: 1,
      mqttVersion: '5',
      ...credential!,
      onCommand: createProfile('thermostat', seededRandom(1)).command,
    });
    // A plain MQTT 5 client in the API's place: an admin may send commands and read acks.
    const caller = await mqtt.connectAsync(twinwire.platform.urls.mqtt, {
      protocolVersion: 5,
      clientId: `user/reqres-${randomBytes(4).toString('hex')}`,
      ...twinwire.admin,
      reconnectPeriod: 0,
    });
    const answers: { topic: string; ack: unknown; correlation: string | undefined }[] = [];
    caller.on('message', (topic, payload, packet) => {
      answers.push({
        topic,
        ack: JSON.parse(payload.toString()),
        correlation: packet.properties?.correlationData?.toString(),
      });
    });
    try {
      await caller.subscribeAsync(`devices/${deviceId}/commands/+/ack`, { qos: 1 });
      device.start();
      // A command published before the device's SUBACK would find no subscriber.
      await waitUntil('the device to subscribe to its commands', () => device.listeningForCommands);
      // Another topic than the command's own ack topic, so the answer proves where it went;
      // still one the device may publish to (the broker holds responses to its ACL).
      const responseTopic = commandAckTopic(deviceId, 'reply-here');
      await caller.publishAsync(
        commandTopic(deviceId, 'set_setpoint'),
        JSON.stringify({ id: 'cmd-1', args: { value: 22 } }),
        { qos: 1, properties: { responseTopic, correlationData: Buffer.from('corr-1') } },
      );
      await waitUntil("the first command's answer", () => answers.length === 1);
      expect(answers[0]).toMatchObject({
        topic: responseTopic,
        ack: { id: 'cmd-1', ok: true, result: { setpoint: 22 } },
        correlation: 'corr-1',
      });

      await caller.publishAsync(
        commandTopic(deviceId, 'set_setpoint'),
        JSON.stringify({ id: 'cmd-2', args: { value: 23 } }),
        { qos: 1 },
      );
      await waitUntil("the second command's answer", () => answers.length === 2);
      expect(answers[1]).toMatchObject({
        topic: commandAckTopic(deviceId, 'set_setpoint'),
        ack: { id: 'cmd-2', ok: true, result: { setpoint: 23 } },
        correlation: undefined,
      });
      expect(device.counters.commandsAnswered).toBe(2);
    } finally {
      await device.stop();
      await caller.endAsync(true);
    }
  });
});
