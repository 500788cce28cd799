import { ROLES } from './rules.ts';
import type { AclRule, Action, Role } from './rules.ts';

type Grant = readonly [action: Action, name: string, topic: string, description: string];

const grants: Readonly<Record<Role, readonly Grant[]>> = {
  device: [
    ['publish', 'telemetry', 'devices/{deviceId}/telemetry', 'Its own readings'],
    ['publish', 'status', 'devices/{deviceId}/status', 'Its own status, also its last will'],
    ['publish', 'command-ack', 'devices/{deviceId}/commands/+/ack', 'Acks of its commands'],
    ['subscribe', 'commands', 'devices/{deviceId}/commands/#', 'Commands sent to it'],
    ['subscribe', 'errors', 'devices/{deviceId}/errors', 'Why its messages were rejected'],
    ['subscribe', 'alarms', 'alarms/{deviceId}', 'Its own alarms'],
  ],
  viewer: [
    ['subscribe', 'telemetry', 'devices/+/telemetry', 'Every device’s readings'],
    ['subscribe', 'status', 'devices/+/status', 'Every device’s status'],
    ['subscribe', 'alarms', 'alarms/+', 'Every device’s alarms'],
  ],
  operator: [
    ['subscribe', 'telemetry', 'devices/+/telemetry', 'Every device’s readings'],
    ['subscribe', 'status', 'devices/+/status', 'Every device’s status'],
    ['subscribe', 'devices', 'devices/#', 'All device traffic, commands and errors included'],
    ['subscribe', 'alarms', 'alarms/+', 'Every device’s alarms'],
    ['publish', 'commands', 'devices/+/commands/+', 'Commands to any device'],
  ],
  admin: [
    // [MQTT-4.7.2-1] '#' does not reach '$SYS/...': broker internals need a rule of their own.
    ['subscribe', 'all', '#', 'Every application topic'],
    ['publish', 'commands', 'devices/+/commands/+', 'Commands to any device'],
  ],
  service: [
    ['publish', 'devices', 'devices/#', 'Republished WebSocket telemetry, commands, errors'],
    ['subscribe', 'devices', 'devices/#', 'Device traffic streamed to dashboards'],
    ['publish', 'alarms', 'alarms/+', 'Alarm transitions an API instance made'],
    ['subscribe', 'alarms', 'alarms/+', 'Alarm transitions streamed to dashboards'],
  ],
};

/** The built-in rules, one set per role; ids read `default:<role>:<action>-<name>`. */
export const defaultRules: readonly AclRule[] = Object.freeze(
  ROLES.flatMap((role) =>
    grants[role].map(([action, name, topic, description]): AclRule =>
      Object.freeze({
        id: `default:${role}:${action}-${name}`,
        effect: 'allow',
        action,
        topic,
        subject: Object.freeze({ role }),
        description,
      }),
    ),
  ),
);
