import { Type } from 'typebox';
import { expect, expectTypeOf, it } from 'vitest';
import { Env } from './env-types.ts';
import { ConfigError, describeEnv, readEnv } from './read-env.ts';

const schema = Type.Object({
  MQTT_PORT: Env.port(1883, 'MQTT over TCP'),
  ALLOW_ANONYMOUS: Env.boolean(false, 'accept clients without credentials'),
  DATABASE_URL: Env.optional(Env.url(['postgres', 'postgresql'], 'PostgreSQL URL')),
  LOG_LEVEL: Env.logLevel(),
});

it('turns strings into typed values, fills defaults and ignores blank values', () => {
  const config = readEnv(schema, {
    MQTT_PORT: '18830',
    ALLOW_ANONYMOUS: 'true',
    DATABASE_URL: ' ',
    OTHER: 'x',
  });
  expect(config).toEqual({ MQTT_PORT: 18830, ALLOW_ANONYMOUS: true, LOG_LEVEL: 'info' });
  expectTypeOf(config.MQTT_PORT).toEqualTypeOf<number>();
  expectTypeOf(config.DATABASE_URL).toEqualTypeOf<string | undefined>();
});

it('names every bad variable with what it got, and refuses to return a config', () => {
  let thrown: unknown;
  try {
    readEnv(schema, { MQTT_PORT: 'eighteen', DATABASE_URL: 'mysql://db', LOG_LEVEL: 'loud' });
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  const problems = (thrown as ConfigError).problems.join('\n');
  expect(problems).toMatch(/^MQTT_PORT: .*got "eighteen" \(MQTT over TCP\)$/m);
  expect(problems).toMatch(/^DATABASE_URL: .*got "mysql:\/\/db"/m);
  expect(problems).toMatch(/^LOG_LEVEL: .*got "loud"/m);
  expect(problems).not.toMatch(/ALLOW_ANONYMOUS/);
});

it('refuses a port out of range', () => {
  expect(() => readEnv(schema, { MQTT_PORT: '70000' })).toThrow(/MQTT_PORT: .*got "70000"/);
});

it('describes the variables for the configuration reference', () => {
  expect(describeEnv(schema)).toContainEqual({
    name: 'MQTT_PORT',
    default: '1883',
    description: 'MQTT over TCP',
  });
});
