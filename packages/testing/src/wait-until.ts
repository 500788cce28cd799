import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** How long to keep polling before giving up; 10 s by default. */
  timeoutMs?: number;
  /** The pause between two polls; 20 ms by default. */
  intervalMs?: number;
}

/**
 * Polls `check` until it returns a truthy value, and resolves with that value. After
 * `timeoutMs` it rejects with an error naming `what` was awaited (and the last error `check`
 * threw, if any), so a failed test says what never happened instead of "timed out".
 */
export async function waitUntil<T>(
  what: string,
  check: () => T | Promise<T>,
  options: WaitOptions = {},
): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, {
        ...(lastError === undefined ? {} : { cause: lastError }),
      });
    }
    await sleep(intervalMs);
  }
}
