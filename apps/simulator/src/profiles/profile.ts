import type { Metrics } from '@twinwire/schemas/telemetry';

export const PROFILE_NAMES = ['thermostat', 'vehicle', 'power-meter'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** The shape of the next message: how many readings it carries, and the pause after it. */
export interface MessagePlan {
  readings: number;
  pauseMs: number;
}

/**
 * A kind of device: what its readings look like and how it paces them. At `rate` readings
 * per second on average, whatever the pacing (steady, batched or bursty).
 */
export interface Profile {
  readonly name: ProfileName;
  /** The metrics of one reading taken at `ts`. */
  sample(ts: number): Metrics;
  /** The next message's size and the pause before the one after it. */
  nextMessage(rate: number): MessagePlan;
  /** The result a command is acknowledged with; commands may change the device's state. */
  command: (name: string, args: Readonly<Record<string, unknown>>) => unknown;
}
