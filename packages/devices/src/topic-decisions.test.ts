import { compileAcl } from '@twinwire/acl/acl';
import type { Acl } from '@twinwire/acl/acl';
import { defaultRules } from '@twinwire/acl/default-rules';
import type { AclRule, Principal } from '@twinwire/acl/rules';
import { describe, expect, it } from 'vitest';
import { TopicDecisions } from './topic-decisions.ts';

const device: Principal = { kind: 'device', id: 'd1', role: 'device' };

/** An ACL that counts the decisions it is asked to make. */
function countingAcl(rules: readonly AclRule[] = defaultRules) {
  const acl = compileAcl(rules);
  const asked = { publish: 0, subscribe: 0 };
  const counted: Acl = {
    ...acl,
    authorizePublish: (principal, topic) => {
      asked.publish += 1;
      return acl.authorizePublish(principal, topic);
    },
    authorizeSubscribe: (principal, filter) => {
      asked.subscribe += 1;
      return acl.authorizeSubscribe(principal, filter);
    },
  };
  return { acl: counted, asked };
}

describe('TopicDecisions', () => {
  it('answers as the ACL does and asks it once per topic', () => {
    const { acl, asked } = countingAcl();
    const decisions = new TopicDecisions(device);
    for (let round = 0; round < 3; round++) {
      expect(decisions.mayPublish(acl, 'devices/d1/telemetry')).toBe(true);
      expect(decisions.mayPublish(acl, 'devices/d2/telemetry')).toBe(false);
      expect(decisions.mayReceive(acl, 'devices/d1/commands/reboot')).toBe(true);
      expect(decisions.mayReceive(acl, 'devices/d2/commands/reboot')).toBe(false);
    }
    expect(asked).toEqual({ publish: 2, subscribe: 2 });
  });

  it('forgets every decision when the rules are reloaded', () => {
    const before = countingAcl();
    const decisions = new TopicDecisions(device);
    expect(decisions.mayPublish(before.acl, 'devices/d1/telemetry')).toBe(true);
    expect(decisions.mayReceive(before.acl, 'devices/d1/errors')).toBe(true);
    const deny: AclRule[] = [
      ...defaultRules,
      {
        id: 'no-telemetry',
        effect: 'deny',
        action: 'publish',
        topic: 'devices/+/telemetry',
        subject: { role: 'device' },
      },
      {
        id: 'no-errors',
        effect: 'deny',
        action: 'subscribe',
        topic: 'devices/+/errors',
        subject: { role: 'device' },
      },
    ];
    const after = countingAcl(deny);
    expect(decisions.mayPublish(after.acl, 'devices/d1/telemetry')).toBe(false);
    expect(decisions.mayReceive(after.acl, 'devices/d1/errors')).toBe(false);
    expect(after.asked).toEqual({ publish: 1, subscribe: 1 });
  });

  it('remembers a bounded number of topics and decides the rest every time', () => {
    const { acl, asked } = countingAcl();
    const decisions = new TopicDecisions(device);
    const topics = Array.from({ length: 100 }, (_, i) => `devices/d1/commands/c${i}/ack`);
    for (const topic of topics) expect(decisions.mayPublish(acl, topic)).toBe(true);
    asked.publish = 0;
    for (const topic of topics) expect(decisions.mayPublish(acl, topic)).toBe(true);
    // The first topics stay remembered; the others are still decided correctly, each time.
    expect(asked.publish).toBeGreaterThan(0);
    expect(asked.publish).toBeLessThan(topics.length);
    asked.publish = 0;
    const long = `devices/d1/commands/${'x'.repeat(200)}/ack`;
    expect(decisions.mayPublish(acl, long)).toBe(true);
    expect(decisions.mayPublish(acl, long)).toBe(true);
    expect(asked.publish).toBe(2);
  });
});
