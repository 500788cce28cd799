import type { Logger } from './log.ts';

/**
 * The broker's shutdown, in order. A resource's closer goes under the step it belongs to
 * when the resource is opened; `close()` runs the steps in this order, so a broker closes the
 * same way after a full start and after a start that failed half-way (only what was opened
 * is closed). The order is what the delivery guarantee needs, not the order of opening:
 */
const STEPS = [
  /** Listeners stop accepting (their closing completes in `listeners-closed`); timers stop. */
  'stop-accepting',
  /** Every device's offline status, while aedes and the cluster can still publish it. */
  'announce-offline',
  /** aedes disconnects its clients: no PUBLISH arrives after this. */
  'disconnect-clients',
  /** Shared-subscription hand-overs finish before the Redis connection goes. */
  'shared-subscriptions',
  'cluster',
  'listeners-closed',
  /** Every accepted reading committed, then evaluated by the alarm rules. */
  'telemetry',
  'alarms',
  'presence',
  'retained',
  /** After every client is gone: this broker's rows in the client registry settle. */
  'client-registry',
  'db-events',
  /** Last: /readyz answers "shutting down" while the broker closes. */
  'http',
] as const;

export type ShutdownStep = (typeof STEPS)[number];

/** Closes one resource; may be synchronous. */
type Closer = () => unknown;

export class Closers {
  readonly #byStep = new Map<ShutdownStep, Closer[]>();
  readonly #log: Logger;
  #closing: Promise<void> | undefined;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Registers what closes a resource just opened. Within a step, the last added runs first. */
  add(step: ShutdownStep, close: Closer): void {
    const closers = this.#byStep.get(step) ?? [];
    closers.unshift(close);
    this.#byStep.set(step, closers);
  }

  /**
   * Runs every closer once, step by step. A closer that fails is logged and the rest still
   * run; the first failure is thrown at the end.
   */
  close(): Promise<void> {
    this.#closing ??= this.#closeAll();
    return this.#closing;
  }

  async #closeAll(): Promise<void> {
    let firstFailure: { error: unknown } | undefined;
    for (const step of STEPS) {
      for (const close of this.#byStep.get(step) ?? []) {
        try {
          await close();
        } catch (error) {
          this.#log.warn({ err: error, step }, 'broker shutdown step failed');
          firstFailure ??= { error };
        }
      }
    }
    if (firstFailure) throw firstFailure.error;
  }
}
