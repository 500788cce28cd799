import { createHashGate, type HashGate } from './hash-gate.ts';
import { createLoginThrottle, type LoginThrottle } from './login-throttle.ts';

/** The LOGIN_* settings (`@twinwire/config/login-env`), as the broker and the API read them. */
export interface LoginProtectionSettings {
  LOGIN_HASH_CONCURRENCY: number;
  LOGIN_HASH_QUEUE: number;
  LOGIN_THROTTLE: boolean;
  LOGIN_THROTTLE_FAILURES: number;
  LOGIN_THROTTLE_WINDOW_MS: number;
  LOGIN_THROTTLE_MAX_BAN_MS: number;
}

export interface LoginProtection {
  gate: HashGate;
  throttle: LoginThrottle;
}

/** One gate and one throttle for a process, from its settings. */
export function createLoginProtection(settings: LoginProtectionSettings): LoginProtection {
  return {
    gate: createHashGate({
      concurrency: settings.LOGIN_HASH_CONCURRENCY,
      maxQueued: settings.LOGIN_HASH_QUEUE,
    }),
    throttle: createLoginThrottle({
      enabled: settings.LOGIN_THROTTLE,
      failures: settings.LOGIN_THROTTLE_FAILURES,
      windowMs: settings.LOGIN_THROTTLE_WINDOW_MS,
      maxBanMs: settings.LOGIN_THROTTLE_MAX_BAN_MS,
    }),
  };
}
