import { defaultRules } from '../src/default-rules.ts';
import { rule } from '../test/fixtures.ts';
import type { AclRule, Principal, RuleSubject } from '../src/rules.ts';

const RULE_COUNT = 1000;
const SITES = 50;
const DEVICES = 2000;
const GRANTED_DEVICES = 350;
const QUARANTINED_DEVICES = 50;

const deviceId = (i: number): string => `dev-${String(i).padStart(4, '0')}`;
const site = (i: number): string => `site-${i % SITES}`;

/**
 * 1,000 rules shaped like a real deployment: the defaults, per-device grants and quarantines
 * (principal rules), per-site role rules with '+' and '#', and role-wide deny rules.
 */
export function buildRules(): AclRule[] {
  const rules: AclRule[] = [...defaultRules];
  for (let i = 0; i < GRANTED_DEVICES; i++) {
    const subject: RuleSubject = { principal: { kind: 'device', id: deviceId(i) } };
    const base = `sites/${site(i)}`;
    rules.push(
      rule(`grant:${i}:pub`, 'allow', 'publish', `${base}/devices/${deviceId(i)}/#`, subject),
    );
    rules.push(
      rule(`grant:${i}:sub`, 'allow', 'subscribe', `${base}/config/${deviceId(i)}`, subject),
    );
  }
  for (let i = 0; i < QUARANTINED_DEVICES; i++) {
    const subject: RuleSubject = { principal: { kind: 'device', id: deviceId(DEVICES - 1 - i) } };
    rules.push(rule(`quarantine:${i}`, 'deny', 'publish', 'devices/{deviceId}/#', subject));
  }
  for (let k = 0; k < SITES; k++) {
    rules.push(
      rule(`site:${k}:operator`, 'allow', 'subscribe', `sites/site-${k}/#`, { role: 'operator' }),
    );
    rules.push(
      rule(`site:${k}:viewer`, 'allow', 'subscribe', `sites/site-${k}/+/telemetry`, {
        role: 'viewer',
      }),
    );
    rules.push(
      rule(`site:${k}:secrets`, 'deny', 'subscribe', `sites/site-${k}/+/secrets/#`, {
        role: 'operator',
      }),
    );
  }
  rules.push(
    rule('device:site-telemetry', 'allow', 'publish', 'sites/+/devices/{deviceId}/telemetry', {
      role: 'device',
    }),
  );
  rules.push(
    rule('device:broadcast', 'allow', 'subscribe', 'sites/+/broadcast/#', { role: 'device' }),
  );
  rules.push(
    rule('device:no-debug', 'deny', 'publish', 'devices/+/telemetry/debug/#', { role: 'device' }),
  );
  for (let k = 0; rules.length < RULE_COUNT; k++) {
    rules.push(
      rule(`site:${k}:maintenance`, 'deny', 'publish', `sites/site-${k}/maintenance/+`, {
        role: 'device',
      }),
    );
  }
  return rules;
}

export type Request = readonly [principal: Principal, topicOrFilter: string];

const devicePrincipal = (i: number): Principal => ({
  kind: 'device',
  id: deviceId(i),
  role: 'device',
});
const operator: Principal = { kind: 'user', id: 'u-otto', role: 'operator', username: 'otto' };
const viewer: Principal = { kind: 'user', id: 'u-vera', role: 'viewer', username: 'vera' };
const admin: Principal = { kind: 'user', id: 'u-ada', role: 'admin', username: 'ada' };
const service: Principal = { kind: 'service', id: 'api', role: 'service', username: 'api' };

/** A small deterministic PRNG so every run measures the same requests. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

export function buildPublishRequests(count: number): Request[] {
  const next = random(1);
  const pick = (n: number): number => Math.floor(next() * n);
  const requests: Request[] = [];
  for (let n = 0; n < count; n++) {
    const i = pick(DEVICES);
    const me = devicePrincipal(i);
    const roll = next();
    if (roll < 0.5) requests.push([me, `devices/${deviceId(i)}/telemetry`]);
    else if (roll < 0.6) requests.push([me, `devices/${deviceId(i)}/commands/reboot/ack`]);
    else if (roll < 0.7) requests.push([me, `sites/${site(i)}/devices/${deviceId(i)}/metrics/cpu`]);
    else if (roll < 0.75) requests.push([me, `sites/${site(i)}/devices/${deviceId(i)}/telemetry`]);
    else if (roll < 0.85) requests.push([me, `devices/${deviceId(pick(DEVICES))}/telemetry`]);
    else if (roll < 0.9) requests.push([me, `devices/${deviceId(i)}/telemetry/debug/heap`]);
    else if (roll < 0.95)
      requests.push([operator, `devices/${deviceId(pick(DEVICES))}/commands/reboot`]);
    else requests.push([service, `devices/${deviceId(pick(DEVICES))}/telemetry`]);
  }
  return requests;
}

export function buildSubscribeRequests(count: number): Request[] {
  const next = random(2);
  const pick = (n: number): number => Math.floor(next() * n);
  const requests: Request[] = [];
  for (let n = 0; n < count; n++) {
    const i = pick(DEVICES);
    const roll = next();
    if (roll < 0.4) requests.push([devicePrincipal(i), `devices/${deviceId(i)}/commands/#`]);
    else if (roll < 0.5)
      requests.push([devicePrincipal(i), `sites/${site(i)}/config/${deviceId(i)}`]);
    else if (roll < 0.6) requests.push([devicePrincipal(i), 'devices/+/telemetry']);
    else if (roll < 0.7) requests.push([viewer, `sites/${site(i)}/+/telemetry`]);
    else if (roll < 0.8) requests.push([viewer, `devices/${deviceId(i)}/#`]);
    else if (roll < 0.9) requests.push([operator, `sites/${site(i)}/#`]);
    else if (roll < 0.95) requests.push([operator, `sites/${site(i)}/+/status`]);
    else requests.push([admin, '#']);
  }
  return requests;
}
