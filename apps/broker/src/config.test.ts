import { expect, it } from 'vitest';
import { readBrokerConfig } from './config.ts';

it('defaults to the documented ports with no database URL (embedded PostgreSQL)', () => {
  const config = readBrokerConfig({});
  expect(config).toMatchObject({
    MQTT_PORT: 1883,
    MQTT_WS_PORT: 8083,
    MQTT_TLS_PORT: 8883,
    BROKER_HTTP_PORT: 9464,
    ALLOW_ANONYMOUS: false,
  });
  expect(config.DATABASE_URL).toBeUndefined();
  expect(config.REDIS_URL).toBeUndefined();
});

it('refuses to start on a bad variable, naming it', () => {
  expect(() => readBrokerConfig({ MQTT_PORT: '99999' })).toThrow(/MQTT_PORT/);
  expect(() => readBrokerConfig({ REDIS_URL: 'localhost:6379' })).toThrow(/REDIS_URL/);
  expect(() => readBrokerConfig({ SERVICE_SECRET: 'short' })).toThrow(/SERVICE_SECRET/);
});
