import { describe, expect, it } from 'vitest';
import type { SimulatorEnv } from '../config.ts';
import {
  bandwidth,
  parseRunOptions,
  RunOptionsError,
  wantsFaultProxy,
  type RawRunFlags,
} from './run-options.ts';

const env: SimulatorEnv = { username: undefined, password: undefined, databaseUrl: undefined };
const remote: RawRunFlags = {
  api: 'http://localhost:3000',
  mqtt: 'mqtt://localhost:1883',
  username: 'admin',
  password: 'secret',
};

describe('parseRunOptions', () => {
  it('has sensible defaults', () => {
    const options = parseRunOptions(remote, env);
    expect(options).toMatchObject({
      protocol: 'mqtt',
      mqttVersion: '3.1.1',
      transport: 'tcp',
      qos: 1,
      profile: 'mix',
      rate: 1,
      durationS: 10,
      count: undefined,
      prefix: 'sim',
      monitor: true,
      drainTimeoutS: 30,
    });
    expect(wantsFaultProxy(options)).toBe(false);
  });

  it('needs an API unless local, and no targets when local', () => {
    expect(() => parseRunOptions({}, env)).toThrow(/--api <url> is required/);
    expect(() => parseRunOptions({ local: true, api: 'http://x:1' }, env)).toThrow(/--local/);
    expect(parseRunOptions({ local: true }, env).local).toBe(true);
  });

  it('needs a broker when devices speak MQTT', () => {
    const noBroker = { ...remote, mqtt: undefined };
    expect(() => parseRunOptions(noBroker, env)).toThrow(/--mqtt <url> is required/);
    expect(parseRunOptions({ ...noBroker, protocol: 'ws' }, env).mqtt).toBeUndefined();
  });

  it('takes --mqtt-version 3.1.1, 5 or mixed and refuses anything else by name', () => {
    for (const version of ['3.1.1', '5', 'mixed'] as const)
      expect(parseRunOptions({ ...remote, mqttVersion: version }, env).mqttVersion).toBe(version);
    expect(() => parseRunOptions({ ...remote, mqttVersion: '4' }, env)).toThrow(
      '--mqtt-version 4: use one of 3.1.1, 5, mixed',
    );
    expect(() => parseRunOptions({ ...remote, mqttVersion: 'v5' }, env)).toThrow(RunOptionsError);
    expect(() => parseRunOptions({ ...remote, protocol: 'ws', mqttVersion: '5' }, env)).toThrow(
      '--mqtt-version 5 applies to MQTT devices, and --protocol ws has none',
    );
    expect(
      parseRunOptions({ ...remote, protocol: 'mix', mqttVersion: 'mixed' }, env),
    ).toMatchObject({ protocol: 'mix', mqttVersion: 'mixed' });
  });

  it('takes credentials from the environment when the flags leave them out', () => {
    const flags = { ...remote, username: undefined, password: undefined };
    expect(() => parseRunOptions(flags, env)).toThrow(/TWINWIRE_USERNAME/);
    const options = parseRunOptions(flags, { ...env, username: 'ops', password: 'pw' });
    expect(options.credentials).toEqual({ username: 'ops', password: 'pw' });
    expect(() => parseRunOptions({ ...flags, username: 'only' }, env)).toThrow(/both/);
  });

  it('derives the transport from the broker URL and refuses a contradiction', () => {
    expect(parseRunOptions({ ...remote, mqtt: 'mqtts://h:8883' }, env).transport).toBe('tls');
    expect(parseRunOptions({ ...remote, mqtt: 'ws://h:8083/mqtt' }, env).transport).toBe('ws');
    expect(() => parseRunOptions({ ...remote, transport: 'ws' }, env)).toThrow(/contradicts/);
    expect(() => parseRunOptions({ ...remote, mqtt: 'http://h' }, env)).toThrow(/mqtt:\/\//);
    expect(() => parseRunOptions({ local: true, transport: 'tls' }, env)).toThrow(/TLS/);
  });

  it('names the flag of a bad number', () => {
    expect(() => parseRunOptions({ ...remote, devices: '0' }, env)).toThrow(/--devices 0/);
    expect(() => parseRunOptions({ ...remote, devices: '2.5' }, env)).toThrow(/whole number/);
    expect(() => parseRunOptions({ ...remote, rate: 'fast' }, env)).toThrow(
      /--rate fast: not a number/,
    );
    expect(() => parseRunOptions({ ...remote, qos: '3' }, env)).toThrow(/--qos 3/);
    expect(() => parseRunOptions({ ...remote, latency: '-1' }, env)).toThrow(/--latency/);
    expect(() => parseRunOptions({ ...remote, cleanSession: 'maybe' }, env)).toThrow(
      /true or false/,
    );
    expect(() => parseRunOptions({ ...remote, prefix: 'a/b' }, env)).toThrow(/--prefix/);
  });

  it('bounds the run by count, duration or both', () => {
    expect(parseRunOptions({ ...remote, count: '100' }, env)).toMatchObject({
      count: 100,
      durationS: undefined,
    });
    expect(parseRunOptions({ ...remote, count: '100', duration: '5' }, env)).toMatchObject({
      count: 100,
      durationS: 5,
    });
  });

  it('puts an outage inside the run and turns the fault proxy on', () => {
    const options = parseRunOptions({ ...remote, outageAt: '3', outageFor: '2' }, env);
    expect(options.outage).toEqual({ atS: 3, forS: 2 });
    expect(wantsFaultProxy(options)).toBe(true);
    expect(() => parseRunOptions({ ...remote, outageAt: '3' }, env)).toThrow(/go together/);
    expect(() => parseRunOptions({ ...remote, outageAt: '12', outageFor: '1' }, env)).toThrow(
      /before the end/,
    );
  });

  it('reads fault settings', () => {
    const options = parseRunOptions(
      { ...remote, latency: '50', jitter: '10', bandwidth: '64k', dropsPerMinute: '2' },
      env,
    );
    expect(options.faults).toEqual({
      latencyMs: 50,
      jitterMs: 10,
      bandwidthBytesPerSecond: 64_000,
      dropsPerMinute: 2,
    });
  });
});

describe('bandwidth', () => {
  it('reads bytes per second with k and m suffixes', () => {
    expect(bandwidth('50000')).toBe(50_000);
    expect(bandwidth('1.5m')).toBe(1_500_000);
    expect(() => bandwidth('10')).toThrow(/at least 100/);
    expect(() => bandwidth('lots')).toThrow(/--bandwidth/);
  });
});
