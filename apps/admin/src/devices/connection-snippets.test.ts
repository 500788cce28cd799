import { describe, expect, it } from 'vitest';
import type { IssuedCredential } from '../api/types.ts';
import { connectionSnippets, deviceSocketUrl } from './connection-snippets.ts';

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
    apiBaseUrl: 'https://api.example.com',
    mqttUrl: 'mqtts://broker.example.com:8883',
  });

  it('gives a mosquitto_pub line with the broker, the credential and the telemetry topic', () => {
    const cli = snippets.find((s) => s.id === 'mqtt-cli')?.code ?? '';
    expect(cli).toContain('-h broker.example.com -p 8883');
    expect(cli).toContain("-i 'pump-7' -u 'pump-7' -P 's3cr3t-value'");
    expect(cli).toContain("-t 'devices/pump-7/telemetry'");
  });

  it('points WebSocket devices at wss:// when the API is on https', () => {
    expect(snippets.find((s) => s.id === 'websocket')?.code).toContain(
      "new WebSocket('wss://api.example.com/ws/device'",
    );
  });

  it('uses the default MQTT port when the URL has none', () => {
    const [cli] = connectionSnippets(credential, {
      apiBaseUrl: 'http://localhost:3000',
      mqttUrl: 'mqtt://localhost',
    });
    expect(cli?.code).toContain('-h localhost -p 1883');
  });
});

describe('deviceSocketUrl', () => {
  it('keeps the host and port of the API', () => {
    expect(deviceSocketUrl('http://127.0.0.1:3000', '/ws/device')).toBe(
      'ws://127.0.0.1:3000/ws/device',
    );
  });
});
