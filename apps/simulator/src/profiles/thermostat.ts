import type { Profile } from './profile.ts';
import { randomWalk } from './random-walk.ts';

/**
 * A room thermostat: temperature drifts toward its setpoint while heating, humidity wanders;
 * one reading per message at a steady pace with ±10 % jitter. `set_setpoint { value }`
 * changes where the temperature is pulled to.
 */
export function thermostatProfile(random: () => number): Profile {
  let setpoint = 20 + Math.round(random() * 4);
  let temperature = 17 + random() * 6;
  const humidity = randomWalk(
    { start: 40 + random() * 15, step: 0.6, min: 15, max: 90, decimals: 1 },
    random,
  );
  return {
    name: 'thermostat',
    sample() {
      const heating = temperature < setpoint - 0.3;
      temperature += (heating ? 0.08 : -0.04) + (random() * 2 - 1) * 0.05;
      return {
        temperature: Math.round(temperature * 100) / 100,
        humidity: humidity(),
        setpoint,
        heating,
        mode: heating ? 'heat' : 'idle',
      };
    },
    nextMessage(rate) {
      return { readings: 1, pauseMs: (1000 / rate) * (0.9 + random() * 0.2) };
    },
    command(name, args) {
      if (name === 'set_setpoint' && typeof args.value === 'number') setpoint = args.value;
      return { setpoint, temperature: Math.round(temperature * 100) / 100 };
    },
  };
}
