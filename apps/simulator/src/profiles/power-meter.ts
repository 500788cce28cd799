import type { MessagePlan, Profile } from './profile.ts';
import { randomWalk } from './random-walk.ts';

/** Chance that a message starts a burst, and the readings a burst sends back to back. */
const BURST_CHANCE = 0.05;
const BURST_READINGS = 8;
const BURST_GAP_MS = 5;

/**
 * A power meter: mains voltage near 230 V, a load current that random-walks, the energy
 * counter integrating power. Mostly steady, but now and then it reports a burst of readings
 * in quick succession (a load change), then stays quiet long enough to keep the average rate.
 */
export function powerMeterProfile(random: () => number): Profile {
  const voltage = randomWalk(
    { start: 230, step: 0.8, min: 215, max: 245, reversion: { mean: 230, strength: 0.1 } },
    random,
  );
  const current = randomWalk({ start: 4 + random() * 6, step: 0.4, min: 0, max: 32 }, random);
  let energyKwh = Math.round(random() * 10_000);
  let lastTs: number | undefined;
  let burstLeft = 0;
  let owedMs = 0;
  return {
    name: 'power-meter',
    sample(ts) {
      const v = voltage();
      const a = current();
      const powerFactor = 0.9 + random() * 0.08;
      const watts = v * a * powerFactor;
      if (lastTs !== undefined) energyKwh += (watts * Math.max(0, ts - lastTs)) / 3_600_000_000;
      lastTs = ts;
      return {
        voltage_v: v,
        current_a: a,
        power_w: Math.round(watts),
        power_factor: Math.round(powerFactor * 1000) / 1000,
        energy_kwh: Math.round(energyKwh * 1000) / 1000,
      };
    },
    nextMessage(rate): MessagePlan {
      const interval = 1000 / rate;
      if (burstLeft === 0 && random() < BURST_CHANCE) burstLeft = BURST_READINGS;
      if (burstLeft > 0) {
        burstLeft -= 1;
        owedMs += interval - BURST_GAP_MS;
        if (burstLeft > 0) return { readings: 1, pauseMs: BURST_GAP_MS };
        const pauseMs = BURST_GAP_MS + Math.max(0, owedMs);
        owedMs = 0;
        return { readings: 1, pauseMs };
      }
      return { readings: 1, pauseMs: interval };
    },
    command(name) {
      if (name === 'reset_energy') energyKwh = 0;
      return { energy_kwh: Math.round(energyKwh * 1000) / 1000 };
    },
  };
}
