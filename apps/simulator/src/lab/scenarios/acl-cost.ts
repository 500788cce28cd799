/**
 * What one ACL decision costs: `@twinwire/acl`'s compiled evaluator — the one the broker
 * calls on every publish and every delivery — timed in this process with the built-in
 * rules plus N stored ones.
 */
import { performance } from 'node:perf_hooks';
import { compileAcl } from '@twinwire/acl/acl';
import { defaultRules } from '@twinwire/acl/default-rules';
import type { AclRule, Principal } from '@twinwire/acl/rules';

/** N extra rules that look like a real fleet's: per-site topics for roles and devices. */
function fleetRules(count: number): AclRule[] {
  return Array.from({ length: count }, (_, i): AclRule => ({
    id: `lab-${i}`,
    effect: i % 10 === 0 ? 'deny' : 'allow',
    action: i % 2 === 0 ? 'publish' : 'subscribe',
    topic: `sites/site-${i}/+/devices/{deviceId}/#`,
    subject:
      i % 3 === 0
        ? { principal: { kind: 'device', id: `dev-${i}` } }
        : { role: i % 2 === 0 ? 'device' : 'viewer' },
  }));
}

/** Nanoseconds per decision: a device publishing its telemetry, alternating with a viewer's delivery check. */
export function aclNanosPerCheck(extraRules: number, checks: number): number {
  const acl = compileAcl([...defaultRules, ...fleetRules(extraRules)]);
  const devices: Principal[] = Array.from({ length: 64 }, (_, i) => ({
    kind: 'device',
    id: `dev-${i}`,
    role: 'device',
  }));
  const viewer: Principal = { kind: 'user', id: 'u1', username: 'u1', role: 'viewer' };
  const requests = devices.map((device) => ({ device, topic: `devices/${device.id}/telemetry` }));
  let allowed = 0;
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      const request = requests[i & 63];
      if (!request) continue;
      if (
        i & 1
          ? acl.authorizeSubscribe(viewer, request.topic)
          : acl.authorizePublish(request.device, request.topic)
      )
        allowed++;
    }
  };
  run(Math.min(checks, 20_000));
  const started = performance.now();
  run(checks);
  const elapsed = performance.now() - started;
  if (allowed < 0) throw new Error('unreachable');
  return (elapsed * 1e6) / checks;
}
