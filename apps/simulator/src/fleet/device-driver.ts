import type { TelemetryReading } from '@twinwire/schemas/telemetry';
import type { VirtualDevice } from '../devices/virtual-device.ts';
import type { Profile } from '../profiles/profile.ts';

export interface DriverOptions {
  device: VirtualDevice;
  profile: Profile;
  /** Average readings per second. */
  rate: number;
  /** Readings to send in all; unbounded (until stop) when undefined. */
  count?: number;
  /** Delay before the first message, so a fleet does not send in lock-step. */
  startDelayMs?: number;
  now?: () => number;
}

/**
 * Paces one device: asks its profile for the next message's size and pause, takes that
 * many readings (seq from the device's ledger, ts spread back over the interval for a
 * batch as if buffered), and hands them to the device. Schedules on absolute times, so a
 * busy event loop delays messages but does not lower the average rate.
 */
export class DeviceDriver {
  private timer: NodeJS.Timeout | undefined;
  private nextAt = 0;
  private lastTs = 0;
  private sentReadings = 0;
  private stopped = false;
  private readonly done: Promise<void>;
  private finish!: () => void;

  constructor(private readonly options: DriverOptions) {
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  /** Resolves when the count is reached or the driver is stopped. */
  start(): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    this.nextAt = now + (this.options.startDelayMs ?? 0);
    this.schedule(now);
    return this.done;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.finish();
  }

  get readings(): number {
    return this.sentReadings;
  }

  private schedule(now: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(
      () => {
        this.tick();
      },
      Math.max(0, this.nextAt - now),
    );
  }

  private tick(): void {
    const { device, profile, rate, count } = this.options;
    const now = (this.options.now ?? Date.now)();
    const plan = profile.nextMessage(rate);
    const left = count === undefined ? plan.readings : count - this.sentReadings;
    const size = Math.min(plan.readings, left);
    if (size > 0) {
      const spacing = 1000 / rate;
      const readings: TelemetryReading[] = [];
      for (let i = 0; i < size; i++) {
        const ts = Math.max(this.lastTs, Math.round(now - (size - 1 - i) * spacing));
        this.lastTs = ts;
        const seq = device.ledger.take(ts);
        readings.push({ ts, seq, metrics: profile.sample(ts) });
      }
      device.send(readings);
      this.sentReadings += size;
    }
    if (count !== undefined && this.sentReadings >= count) {
      this.stop();
      return;
    }
    // Never let a stall turn into a burst longer than one second of catch-up.
    this.nextAt = Math.max(this.nextAt + plan.pauseMs, now - 1000);
    this.schedule(now);
  }
}
