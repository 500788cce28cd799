import { describe, expect, it } from 'vitest';
import { resolveRuntimeConfig, type ConfigSources } from './runtime-config.ts';

const base: ConfigSources = {
  file: { apiBaseUrl: '' },
  buildTimeApiBaseUrl: undefined,
  isDevServer: false,
  pageOrigin: 'https://admin.example.com',
};

describe('resolveRuntimeConfig', () => {
  it('uses config.json first, without a trailing slash', () => {
    const config = resolveRuntimeConfig({
      ...base,
      file: { apiBaseUrl: 'https://api.example.com/' },
      buildTimeApiBaseUrl: 'https://build.example.com',
    });
    expect(config.apiBaseUrl).toBe('https://api.example.com');
  });

  it('falls back to the build-time URL when config.json has an empty apiBaseUrl', () => {
    const config = resolveRuntimeConfig({ ...base, buildTimeApiBaseUrl: 'http://10.0.0.5:3000' });
    expect(config.apiBaseUrl).toBe('http://10.0.0.5:3000');
  });

  it('falls back to the build-time URL when config.json is missing or not an object', () => {
    for (const file of [undefined, null, 'text', 42]) {
      expect(
        resolveRuntimeConfig({ ...base, file, buildTimeApiBaseUrl: 'http://b:1' }).apiBaseUrl,
      ).toBe('http://b:1');
    }
  });

  it('uses the API default port under the dev server, else the page origin', () => {
    expect(resolveRuntimeConfig({ ...base, isDevServer: true }).apiBaseUrl).toBe(
      'http://localhost:3000',
    );
    expect(resolveRuntimeConfig(base).apiBaseUrl).toBe('https://admin.example.com');
  });

  it('takes the MQTT, MQTT-over-WebSocket and device WebSocket URLs from config.json', () => {
    expect(
      resolveRuntimeConfig({
        ...base,
        file: {
          apiBaseUrl: 'https://api.example.com',
          mqttUrl: 'mqtt://127.0.0.1:11883',
          mqttWsUrl: 'ws://127.0.0.1:18083/mqtt',
          deviceWsUrl: 'ws://127.0.0.1:13000/ws/device',
        },
      }),
    ).toEqual({
      apiBaseUrl: 'https://api.example.com',
      mqttUrl: 'mqtt://127.0.0.1:11883',
      mqttWsUrl: 'ws://127.0.0.1:18083/mqtt',
      deviceWsUrl: 'ws://127.0.0.1:13000/ws/device',
    });
  });

  it('without them, guesses the default ports on the API host and the API’s own /ws/device', () => {
    expect(resolveRuntimeConfig(base)).toMatchObject({
      mqttUrl: 'mqtt://admin.example.com:1883',
      mqttWsUrl: 'ws://admin.example.com:8083/mqtt',
      deviceWsUrl: 'wss://admin.example.com/ws/device',
    });
  });
});
