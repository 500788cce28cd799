import type { Profile, ProfileName } from './profile.ts';
import { powerMeterProfile } from './power-meter.ts';
import { thermostatProfile } from './thermostat.ts';
import { vehicleProfile } from './vehicle.ts';

export function createProfile(name: ProfileName, random: () => number): Profile {
  switch (name) {
    case 'thermostat':
      return thermostatProfile(random);
    case 'vehicle':
      return vehicleProfile(random);
    case 'power-meter':
      return powerMeterProfile(random);
  }
}
