import type { Profile } from './profile.ts';
import { randomWalk } from './random-walk.ts';

/** Readings a vehicle buffers before it sends them as one `{ points }` batch. */
export const VEHICLE_BATCH = 10;

/**
 * A vehicle tracker: speed wanders between stops and the motorway, the position follows the
 * heading, fuel burns with distance. It samples at the given rate and sends its samples in
 * batches of {@link VEHICLE_BATCH}, as trackers on metered links do.
 */
export function vehicleProfile(random: () => number): Profile {
  const speed = randomWalk(
    { start: 40, step: 6, min: 0, max: 130, reversion: { mean: 60, strength: 0.02 }, decimals: 1 },
    random,
  );
  let heading = random() * 360;
  let lat = 48.1 + random() * 0.2;
  let lon = 11.5 + random() * 0.2;
  let fuel = 40 + random() * 20;
  let lastTs: number | undefined;
  return {
    name: 'vehicle',
    sample(ts) {
      const kmh = speed();
      const hours = lastTs === undefined ? 0 : Math.max(0, ts - lastTs) / 3_600_000;
      lastTs = ts;
      heading = (heading + (random() * 2 - 1) * 8 + 360) % 360;
      const km = kmh * hours;
      const radians = (heading * Math.PI) / 180;
      lat += (km * Math.cos(radians)) / 111.32;
      lon += (km * Math.sin(radians)) / (111.32 * Math.cos((lat * Math.PI) / 180));
      fuel = Math.max(0, fuel - km * 0.07);
      return {
        speed_kmh: kmh,
        heading: Math.round(heading),
        lat: Math.round(lat * 1e6) / 1e6,
        lon: Math.round(lon * 1e6) / 1e6,
        fuel_l: Math.round(fuel * 100) / 100,
        moving: kmh > 0.5,
      };
    },
    nextMessage(rate) {
      return { readings: VEHICLE_BATCH, pauseMs: (VEHICLE_BATCH * 1000) / rate };
    },
    command(name) {
      if (name === 'refuel') fuel = 60;
      return { lat, lon, fuel_l: Math.round(fuel * 100) / 100 };
    },
  };
}
