// Failed device sign-ins cannot starve real ones (issue #13.2): the /ws/device upgrade shares
// the API's failed-login throttle (the login route's throttle and hash gate are tested in
// apps/api/test/login-protection.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './helpers/with-broker.ts';

const throttled = {
  LOGIN_THROTTLE: 'true',
  LOGIN_THROTTLE_FAILURES: '3',
  LOGIN_THROTTLE_WINDOW_MS: '60000',
  LOGIN_THROTTLE_MAX_BAN_MS: '1000',
  LOGIN_RATE_LIMIT: '1000',
};

describe('/ws/device throttle', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: throttled });
  });
  afterAll(() => stack.close());

  const basic = (deviceId: string, secret: string) => ({
    authorization: `Basic ${Buffer.from(`${deviceId}:${secret}`).toString('base64')}`,
  });

  it('refuses the upgrade with 429 after repeated failures, before the 101, until the ban expires', async () => {
    const { deviceId, secret } = await stack.provision();
    for (let i = 0; i < 3; i++)
      expect(await stack.upgradeStatus('/ws/device', basic(deviceId, `wrong-${i}`))).toBe(401);
    expect(await stack.upgradeStatus('/ws/device', basic(deviceId, secret))).toBe(429);
    await expect
      .poll(() => stack.upgradeStatus('/ws/device', basic(deviceId, secret)), {
        timeout: 10_000,
        interval: 250,
      })
      .toBe(101);
  });
});
