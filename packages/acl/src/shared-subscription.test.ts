import { describe, expect, it } from 'vitest';
import { device, forRole, rule } from '../test/fixtures.ts';
import { compileAcl } from './acl.ts';
import { parseSharedFilter } from './shared-subscription.ts';

const a = device('a');

describe('parseSharedFilter [MQTT-4.8.2]', () => {
  it('takes $share/{group}/{filter} apart', () => {
    expect(parseSharedFilter('$share/g/devices/+/telemetry')).toEqual({
      group: 'g',
      filter: 'devices/+/telemetry',
    });
    expect(parseSharedFilter('$share/g/#')).toEqual({ group: 'g', filter: '#' });
    expect(parseSharedFilter('devices/#')).toBeNull();
    expect(parseSharedFilter('$SYS/#')).toBeNull();
  });

  it('refuses a missing or wildcard group name and a missing filter', () => {
    for (const filter of [
      '$share/',
      '$share/g',
      '$share//a',
      '$share/+/a',
      '$share/g#/a',
      '$share/g/',
    ])
      expect(parseSharedFilter(filter), filter).toBe('invalid');
  });
});

describe('shared subscriptions in the ACL', () => {
  const rules = [
    rule('r1', 'allow', 'subscribe', 'devices/#', forRole('device')),
    rule('r2', 'deny', 'subscribe', '$share/blocked/#', forRole('device')),
    rule('r3', 'allow', 'subscribe', '$share/analytics/alarms/#', forRole('device')),
  ];
  const acl = compileAcl(rules);

  it('decides on the filter inside $share/{group}/', () => {
    expect(acl.authorizeSubscribe(a, '$share/g/devices/+/telemetry')).toBe(true);
    expect(acl.authorizeSubscribe(a, '$share/g/other/#')).toBe(false);
    // containment still holds inside: devices/a/# is allowed, # is not
    expect(acl.authorizeSubscribe(a, '$share/g/#')).toBe(false);
  });

  it('lets rules name groups: a deny on the whole filter wins, an allow opens a group alone', () => {
    expect(acl.authorizeSubscribe(a, '$share/blocked/devices/#')).toBe(false);
    expect(acl.authorizeSubscribe(a, '$share/analytics/alarms/x')).toBe(true);
    expect(acl.authorizeSubscribe(a, '$share/other/alarms/x')).toBe(false);
    expect(acl.authorizeSubscribe(a, 'alarms/x')).toBe(false);
  });

  it('refuses a malformed shared filter', () => {
    expect(acl.authorizeSubscribe(a, '$share/+/devices/#')).toBe(false);
    expect(acl.explain(a, 'subscribe', '$share/g').reason).toMatch(/not a shared subscription/);
  });

  it('explains which filter decided', () => {
    const inner = acl.explain(a, 'subscribe', '$share/g/devices/a/telemetry');
    expect(inner).toMatchObject({ allowed: true, decidingRule: rules[0] });
    expect(inner.reason).toBe(
      `shared subscription decided on 'devices/a/telemetry': ${acl.explain(a, 'subscribe', 'devices/a/telemetry').reason}`,
    );
    expect(acl.explain(a, 'subscribe', '$share/blocked/devices/#')).toMatchObject({
      allowed: false,
      decidingRule: rules[1],
    });
    expect(acl.explain(a, 'subscribe', '$share/analytics/alarms/#').decidingRule).toEqual(rules[2]);
  });
});
