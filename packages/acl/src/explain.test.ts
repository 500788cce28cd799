import { describe, expect, it } from 'vitest';
import { device, forDevice, forRole, rule } from '../test/fixtures.ts';
import { compileAcl } from './acl.ts';
import { defaultRules } from './default-rules.ts';

const a = device('a');

describe('explain', () => {
  it('lists every matching rule in rule order and names the deny that won', () => {
    const rules = [
      rule('r1', 'allow', 'publish', 'devices/#', forRole('device')),
      rule('r2', 'allow', 'publish', 'devices/{deviceId}/+', forRole('device')),
      rule('r3', 'deny', 'publish', 'devices/+/firmware', forRole('device')),
      rule('r4', 'allow', 'publish', 'other', forRole('device')),
    ];
    const explanation = compileAcl(rules).explain(a, 'publish', 'devices/a/firmware');
    expect(explanation).toEqual({
      allowed: false,
      decidingRule: rules[2],
      reason: 'denied by rule r3 (deny publish devices/+/firmware for role device)',
      matchedRules: [rules[0], rules[1], rules[2]],
    });
  });

  it('names the first allow rule when nothing denies', () => {
    const explanation = compileAcl(defaultRules).explain(a, 'publish', 'devices/a/telemetry');
    expect(explanation.reason).toBe(
      'allowed by rule default:device:publish-telemetry (allow publish devices/{deviceId}/telemetry for role device)',
    );
  });

  it('describes principal subjects by kind and id', () => {
    const rules = [rule('gw', 'deny', 'publish', '#', forDevice('gw-1'))];
    const explanation = compileAcl(rules).explain(device('gw-1'), 'publish', 'x');
    expect(explanation.reason).toBe("denied by rule gw (deny publish # for device 'gw-1')");
  });

  it('escapes control characters of hostile identities in the reason', () => {
    const explanation = compileAcl(defaultRules).explain(device('a\u0000'), 'publish', 'x');
    expect(explanation.reason).toBe(
      "refused: identity 'a\\u0000' contains a NUL character (rule default:device:publish-telemetry uses {deviceId})",
    );
  });
});
