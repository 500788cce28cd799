import { describe, expect, it } from 'vitest';
import type { IssuedCredential } from '../api/devices-api.ts';
import { deviceSocketUrl } from '../config/runtime-config.ts';
import { connectionSnippets } from './connection-snippets.ts';

const credential: IssuedCredential = {
  id: '5f0c4d0e-0000-4000-8000-000000000001',
  deviceId: 'pump-7',
  secret: 's3cr3t-value',
  createdAt: '2026-01-01T00:00:00.000Z',
  connect: {
    mqtt: { clientId: 'pump-7', username: 'pump-7', password: 's3cr3t-value' },
    websocket: {
      url: '/ws/device',
      headers: { authorization: 'Basic cHVtcC03OnMzY3IzdC12YWx1ZQ==' },
      query: { device_id: 'pump-7', secret: 's3cr3t-value' },
    },
  },
};

describe('connectionSnippets', () => {
  const snippets = connectionSnippets(credential, {
    mqttUrl: 'mqtts://broker.example.com:8883',
    mqttWsUrl: 'wss://broker.example.com/mqtt',
    deviceWsUrl: 'wss://api.example.com/ws/device',
  });

  it('gives a mosquitto_pub line with the broker, the credential and the telemetry topic', () => {
    const cli = snippets.find((s) => s.id === 'mqtt-cli')?.code ?? '';
    expect(cli).toContain('-h broker.example.com -p 8883');
    expect(cli).toContain("-i 'pump-7' -u 'pump-7' -P 's3cr3t-value'");
    expect(cli).toContain("-t 'devices/pump-7/telemetry'");
  });

  it('points each snippet at the URL the runtime config gives for its transport', () => {
    expect(snippets.find((s) => s.id === 'websocket')?.code).toContain(
      "new WebSocket('wss://api.example.com/ws/device'",
    );
    expect(snippets.find((s) => s.id === 'mqtt-ws')?.code).toContain(
      "mqtt.connectAsync('wss://broker.example.com/mqtt'",
    );
    expect(snippets.find((s) => s.id === 'mqtt-js')?.code).toContain(
      "mqtt.connectAsync('mqtts://broker.example.com:8883'",
    );
  });

  it('uses the port of a moved broker, and the default one when the URL has none', () => {
    const [moved] = connectionSnippets(credential, {
      mqttUrl: 'mqtt://127.0.0.1:11883',
      mqttWsUrl: 'ws://127.0.0.1:18083/mqtt',
      deviceWsUrl: 'ws://127.0.0.1:13000/ws/device',
    });
    expect(moved?.code).toContain('-h 127.0.0.1 -p 11883');
    const [plain] = connectionSnippets(credential, {
      mqttUrl: 'mqtt://localhost',
      mqttWsUrl: 'ws://localhost:8083/mqtt',
      deviceWsUrl: 'ws://localhost:3000/ws/device',
    });
    expect(plain?.code).toContain('-h localhost -p 1883');
  });
});

describe('deviceSocketUrl', () => {
  it('keeps the host and port of the API, wss for https', () => {
    expect(deviceSocketUrl('http://127.0.0.1:3000')).toBe('ws://127.0.0.1:3000/ws/device');
    expect(deviceSocketUrl('https://api.example.com')).toBe('wss://api.example.com/ws/device');
  });
});
