import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { dataOf } from '@twinwire/api-client/client';
import { tlsFixtures } from '@twinwire/testing/tls-fixtures';
import { waitUntil } from '@twinwire/testing/wait-until';
import { ApiClient } from '../src/api/api-client.ts';
import { MqttDevice } from '../src/devices/mqtt-device.ts';
import type { VirtualDevice } from '../src/devices/virtual-device.ts';
import { WsDevice } from '../src/devices/ws-device.ts';
import { createProfile } from '../src/profiles/create-profile.ts';
import { seededRandom } from '../src/profiles/random-walk.ts';
import { provisionDevices } from '../src/provision.ts';
import { startFaultProxy } from '../src/proxy/fault-proxy.ts';
import { deviceSocketUrl, endpointOf, throughProxy } from '../src/run/targets.ts';
import { startDeliveryMonitor } from '../src/verify/delivery-monitor.ts';
import { verifyFleet } from '../src/verify/verify-fleet.ts';
import { rowsPerDevice, startTestTwinwire, type TestTwinwire } from './helpers.ts';

let twinwire: TestTwinwire;
beforeAll(async () => {
  twinwire = await startTestTwinwire({ tls: true });
});
afterAll(async () => {
  await twinwire.close();
});

function sendOne(device: VirtualDevice): number {
  const ts = Date.now();
  const seq = device.ledger.take(ts);
  device.send([{ ts, seq, metrics: { value: seq } }]);
  return seq;
}

describe('the building blocks against a real Twinwire', () => {
  it('provisions devices over REST, reusing ones that exist', async () => {
    const first = await provisionDevices(twinwire.platform.urls.api, twinwire.admin, 3, 'prov');
    expect(first.map((c) => c.deviceId)).toEqual(['prov-0001', 'prov-0002', 'prov-0003']);
    const again = await provisionDevices(twinwire.platform.urls.api, twinwire.admin, 1, 'prov');
    expect(again[0]?.deviceId).toBe('prov-0001');
    expect(again[0]?.secret).not.toBe(first[0]?.secret);
  });

  it('answers commands over MQTT and over the WebSocket protocol', async () => {
    const [mqttCredential, wsCredential] = await provisionDevices(
      twinwire.platform.urls.api,
      twinwire.admin,
      2,
      'cmd',
    );
    const devices: VirtualDevice[] = [
      new MqttDevice({
        url: twinwire.platform.urls.mqtt,
        qos: 1,
        ...mqttCredential!,
        onCommand: createProfile('thermostat', seededRandom(1)).command,
      }),
      new WsDevice({
        url: deviceSocketUrl(twinwire.platform.urls.api),
        ...wsCredential!,
        onCommand: createProfile('thermostat', seededRandom(2)).command,
      }),
    ];
    for (const device of devices) device.start();
    await waitUntil('every device to connect', () => devices.every((device) => device.connected));
    const api = await ApiClient.login(twinwire.platform.urls.api, twinwire.admin);
    for (const device of devices) {
      const answer = await dataOf(
        api.rest.POST('/api/v1/devices/{id}/commands/{name}', {
          params: { path: { id: device.deviceId, name: 'set_setpoint' } },
          body: { args: { value: 23.5 }, waitMs: 10_000 },
        }),
      );
      expect(answer).toMatchObject({ ack: { ok: true, result: { setpoint: 23.5 } } });
      expect(device.counters.commandsAnswered).toBe(1);
    }
    await Promise.all(devices.map((device) => device.stop()));
  });

  it('speaks MQTT over TLS, verifying the server against the given CA', async () => {
    const mqtts = twinwire.platform.urls.mqtts;
    if (mqtts === undefined) throw new Error('no TLS listener');
    const [credential] = await provisionDevices(
      twinwire.platform.urls.api,
      twinwire.admin,
      1,
      'tls',
    );
    const device = new MqttDevice({
      url: mqtts,
      qos: 1,
      ...credential!,
      tls: { ca: await readFile(tlsFixtures.ca) },
    });
    device.start();
    sendOne(device);
    await waitUntil("the device's readings to be acknowledged", () => device.pending() === 0);
    await device.stop();
    expect(device.ledger.ackedTotal).toBe(1);
    expect((await rowsPerDevice(twinwire.database, [device.deviceId])).get(device.deviceId)).toBe(
      1,
    );
  });

  it('counts a reading whose ack was lost as resent and duplicated, and stored once', async () => {
    const [credential] = await provisionDevices(
      twinwire.platform.urls.api,
      twinwire.admin,
      1,
      'dup',
    );
    const wsUrl = deviceSocketUrl(twinwire.platform.urls.api);
    // Slow enough that the reading is committed long before its ack gets back.
    const proxy = await startFaultProxy({ target: endpointOf(wsUrl), faults: { latencyMs: 600 } });
    const device = new WsDevice({
      url: throughProxy(wsUrl, proxy),
      ...credential!,
      backoff: { baseMs: 50, maxMs: 100 },
    });
    const ledgers = new Map([[device.deviceId, device.ledger]]);
    const monitor = await startDeliveryMonitor({
      url: twinwire.platform.urls.mqtt,
      credentials: twinwire.admin,
      ledgers,
    });
    try {
      device.start();
      await waitUntil('the device to connect', () => device.connected);
      const seq = sendOne(device);
      // The frame reaches the API after 600 ms; its ack would be back at about 1200 ms.
      await sleep(950);
      proxy.setFaults({ latencyMs: 0 });
      void proxy.outage(50);
      await waitUntil("the device's readings to be acknowledged", () => device.pending() === 0);
      await device.stop();
      await monitor.settle();
      expect(device.ledger.transmissionsOf(seq)).toBe(2);
      const verification = await verifyFleet(twinwire.platform.urls.api, twinwire.admin, [device], {
        monitored: true,
      });
      expect(verification.total).toMatchObject({
        sent: 1,
        acked: 1,
        stored: 1,
        lost: 0,
        resent: 1,
        duplicated: 1,
      });
      expect((await rowsPerDevice(twinwire.database, [device.deviceId])).get(device.deviceId)).toBe(
        1,
      );
    } finally {
      await monitor.close();
      await proxy.close();
    }
  });
});
