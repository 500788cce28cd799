#!/usr/bin/env -S node --import tsx
// `twinwire-platform`: the whole platform in one process on free loopback ports. Prints one
// JSON line ({ urls, admin, pid }) once it listens, so a parent process (the protocol lab,
// a test) can find it; SIGINT/SIGTERM close it cleanly.
import { parseArgs } from 'node:util';
import { startPlatform } from './start-platform.ts';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    'data-dir': { type: 'string' },
    'log-level': { type: 'string', default: 'warn' },
    'no-rate-limit': { type: 'boolean', default: false },
    'allow-anonymous': { type: 'boolean', default: false },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
  },
});

const platform = await startPlatform({
  ...(values['database-url'] ? { databaseUrl: values['database-url'] } : {}),
  ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
  logLevel: values['log-level'] as 'warn',
  brokerEnv: {
    ...(values['no-rate-limit'] ? { MQTT_MAX_PUBLISH_RATE: '0' } : {}),
    ...(values['allow-anonymous'] ? { ALLOW_ANONYMOUS: 'true' } : {}),
  },
  ...(values['tls-cert'] && values['tls-key']
    ? { tls: { cert: values['tls-cert'], key: values['tls-key'] } }
    : {}),
});
process.stdout.write(
  `${JSON.stringify({ urls: platform.urls, admin: platform.admin ?? null, pid: process.pid })}\n`,
);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) process.exit(1);
    closing = true;
    void platform.close().then(() => process.exit(0));
  });
}
