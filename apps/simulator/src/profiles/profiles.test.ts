import fc from 'fast-check';
import { parseTelemetry } from '@twinwire/schemas/validate';
import { describe, expect, it } from 'vitest';
import { createProfile } from './create-profile.ts';
import { PROFILE_NAMES } from './profile.ts';
import { randomWalk, seededRandom } from './random-walk.ts';
import { VEHICLE_BATCH } from './vehicle.ts';

const now = Date.now();

describe.each(PROFILE_NAMES)('the %s profile', (name) => {
  it('produces readings the platform accepts', () => {
    const profile = createProfile(name, seededRandom(1));
    for (let i = 0; i < 200; i++) {
      const ts = now + i * 100;
      const reading = { ts, seq: i + 1, metrics: profile.sample(ts) };
      const parsed = parseTelemetry(JSON.stringify(reading), { now: ts });
      expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
    }
  });

  it('keeps the average rate it is asked for, whatever its pacing', () => {
    for (const rate of [0.5, 2, 50]) {
      const profile = createProfile(name, seededRandom(7));
      let readings = 0;
      let elapsedMs = 0;
      while (readings < 20_000) {
        const plan = profile.nextMessage(rate);
        readings += plan.readings;
        elapsedMs += plan.pauseMs;
      }
      const measured = readings / (elapsedMs / 1000);
      expect(measured / rate).toBeGreaterThan(0.95);
      expect(measured / rate).toBeLessThan(1.05);
    }
  });

  it('is reproducible from a seed', () => {
    const a = createProfile(name, seededRandom(42));
    const b = createProfile(name, seededRandom(42));
    for (let i = 0; i < 20; i++) {
      expect(a.sample(now + i)).toEqual(b.sample(now + i));
      expect(a.nextMessage(1)).toEqual(b.nextMessage(1));
    }
  });

  it('answers any command with a result', () => {
    const profile = createProfile(name, seededRandom(3));
    expect(profile.command('anything', {})).toBeTypeOf('object');
  });
});

describe('pacing', () => {
  it('sends vehicle readings in batches', () => {
    expect(createProfile('vehicle', seededRandom(1)).nextMessage(10)).toEqual({
      readings: VEHICLE_BATCH,
      pauseMs: 1000,
    });
  });

  it('makes power meters burst now and then', () => {
    const profile = createProfile('power-meter', seededRandom(5));
    const pauses = Array.from({ length: 2000 }, () => profile.nextMessage(1).pauseMs);
    expect(pauses.filter((pause) => pause < 100).length).toBeGreaterThan(20);
  });

  it('moves a thermostat toward a new setpoint', () => {
    const profile = createProfile('thermostat', seededRandom(9));
    profile.command('set_setpoint', { value: 30 });
    let temperature = 0;
    for (let i = 0; i < 400; i++) temperature = profile.sample(now + i).temperature as number;
    expect(temperature).toBeGreaterThan(28);
    expect(profile.sample(now).setpoint).toBe(30);
  });
});

describe('randomWalk', () => {
  it('stays within its bounds and moves at most one step at a time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        (seed, step) => {
          const walk = randomWalk(
            { start: 50, step, min: 0, max: 100, decimals: 6 },
            seededRandom(seed),
          );
          let previous = 50;
          for (let i = 0; i < 200; i++) {
            const value = walk();
            expect(value).toBeGreaterThanOrEqual(0);
            expect(value).toBeLessThanOrEqual(100);
            expect(Math.abs(value - previous)).toBeLessThanOrEqual(step + 1e-6);
            previous = value;
          }
        },
      ),
    );
  });

  it('is pulled back toward its mean', () => {
    const walk = randomWalk(
      { start: 90, step: 0.1, min: 0, max: 100, reversion: { mean: 10, strength: 0.2 } },
      seededRandom(1),
    );
    let value = 90;
    for (let i = 0; i < 100; i++) value = walk();
    expect(value).toBeLessThan(12);
  });
});
