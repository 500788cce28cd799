import { describe, expect, it } from 'vitest';
import { createLoginThrottle, throttleKey } from './login-throttle.ts';

function clock() {
  let at = 1_000_000;
  return { now: () => at, advance: (ms: number) => (at += ms) };
}

const settings = { enabled: true, failures: 3, windowMs: 10_000, maxBanMs: 8_000 };

describe('login throttle', () => {
  it('bans a key after `failures` failures in a window, and the ban expires', () => {
    const time = clock();
    const throttle = createLoginThrottle({ ...settings, now: time.now });
    const keys = [throttleKey.address('10.0.0.9')];
    expect(throttle.failed(keys)).toEqual([]);
    expect(throttle.failed(keys)).toEqual([]);
    expect(throttle.banned(keys)).toBeNull();
    expect(throttle.failed(keys)).toEqual([{ key: 'address:10.0.0.9', durationMs: 1_000 }]);
    expect(throttle.banned(keys)).toEqual({ key: 'address:10.0.0.9', retryAfterMs: 1_000 });
    time.advance(999);
    expect(throttle.banned(keys)?.retryAfterMs).toBe(1);
    time.advance(1);
    expect(throttle.banned(keys)).toBeNull();
  });

  it('doubles each further ban up to the cap, and forgets a key quiet for a window', () => {
    const time = clock();
    const throttle = createLoginThrottle({ ...settings, now: time.now });
    const keys = [throttleKey.username('thermostat-1')];
    const durations: number[] = [];
    for (let ban = 0; ban < 5; ban++) {
      for (let i = 0; i < 3; i++) durations.push(...throttle.failed(keys).map((b) => b.durationMs));
      time.advance(throttle.banned(keys)?.retryAfterMs ?? 0);
    }
    expect(durations).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
    time.advance(settings.windowMs);
    for (let i = 0; i < 3; i++) durations.push(...throttle.failed(keys).map((b) => b.durationMs));
    expect(durations.at(-1)).toBe(1_000);
  });

  it('counts failures per window: failures spread wider than the window never ban', () => {
    const time = clock();
    const throttle = createLoginThrottle({ ...settings, now: time.now });
    const keys = [throttleKey.clientId('c1')];
    for (let i = 0; i < 10; i++) {
      expect(throttle.failed(keys)).toEqual([]);
      time.advance(settings.windowMs / 2);
      expect(throttle.failed(keys)).toEqual([]);
      time.advance(settings.windowMs / 2);
    }
  });

  it('ignores failures of logins that were in flight while the key was banned', () => {
    const time = clock();
    const throttle = createLoginThrottle({ ...settings, now: time.now });
    const keys = ['address:a'];
    for (let i = 0; i < 3; i++) throttle.failed(keys);
    expect(throttle.failed(keys)).toEqual([]);
    expect(throttle.banned(keys)?.retryAfterMs).toBe(1_000);
  });

  it('a success forgets the failures of the keys it proved, not of its address', () => {
    const time = clock();
    const throttle = createLoginThrottle({ ...settings, now: time.now });
    const address = throttleKey.address('::ffff:10.0.0.1');
    expect(address).toBe('address:10.0.0.1');
    const user = throttleKey.username('ada');
    throttle.failed([address, user]);
    throttle.failed([address, user]);
    throttle.succeeded([user]);
    expect(throttle.failed([address, user])).toEqual([{ key: address, durationMs: 1_000 }]);
    expect(throttle.banned([user])).toBeNull();
    // A ban is not lifted by a success either.
    throttle.succeeded([address]);
    expect(throttle.banned([address, user])?.key).toBe(address);
  });

  it('keeps at most maxKeys keys, forgetting idle ones before banned ones', () => {
    const time = clock();
    const throttle = createLoginThrottle({ ...settings, failures: 2, maxKeys: 3, now: time.now });
    throttle.failed(['banned']);
    throttle.failed(['banned']);
    for (let i = 0; i < 10; i++) throttle.failed([`spray-${i}`]);
    expect(throttle.size()).toBeLessThanOrEqual(3);
    expect(throttle.banned(['banned'])).not.toBeNull();
  });

  it('marks keys that failed within their window as suspect until they have been quiet for one', () => {
    const time = clock();
    const throttle = createLoginThrottle({ ...settings, now: time.now });
    expect(throttle.suspect(['address:a', 'username:u'])).toBe(false);
    throttle.failed(['address:a']);
    expect(throttle.suspect(['address:a', 'username:u'])).toBe(true);
    expect(throttle.suspect(['username:u'])).toBe(false);
    time.advance(settings.windowMs);
    expect(throttle.suspect(['address:a'])).toBe(false);
  });

  it('does nothing when disabled', () => {
    const throttle = createLoginThrottle({ ...settings, enabled: false });
    for (let i = 0; i < 10; i++) expect(throttle.failed(['k'])).toEqual([]);
    expect(throttle.banned(['k'])).toBeNull();
  });
});
