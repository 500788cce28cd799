/**
 * What each user role may do: the one table the API enforces (a route names the capability
 * it needs) and the admin UI follows (it hides what the API would refuse). A capability
 * lists the roles that have it.
 */
export const USER_ROLES = ['admin', 'operator', 'viewer'] as const;
export type UserRole = (typeof USER_ROLES)[number];

const EVERYONE = ['viewer', 'operator', 'admin'] as const;
const OPERATORS = ['operator', 'admin'] as const;
const ADMINS = ['admin'] as const;

export const CAPABILITIES = {
  /** Devices, their credentials (never a secret), their readings and connection state. */
  'devices.read': EVERYONE,
  /** Create, change and delete devices; issue and revoke credentials. */
  'devices.write': OPERATORS,
  'commands.send': OPERATORS,
  'rules.read': OPERATORS,
  'rules.write': ADMINS,
  /** Ask which rule decides a principal's access to a topic. */
  'rules.explain': OPERATORS,
  /** Watch the devices' error topics live. */
  'errors.watch': OPERATORS,
  /** The MQTT clients connected to the brokers, and shared subscription groups. */
  'clients.read': OPERATORS,
  /** Disconnect a client, end its session. */
  'clients.act': OPERATORS,
  /** The brokers' retained messages: list and remove. */
  'retained.manage': OPERATORS,
  'users.manage': ADMINS,
  'alarms.read': EVERYONE,
  /** Alarm rules, and acknowledging and clearing alarms. */
  'alarms.act': OPERATORS,
  /** Webhook destinations (their secrets), delivery logs, dead letters. */
  'webhooks.manage': ADMINS,
} as const satisfies Record<string, readonly UserRole[]>;

export type Capability = keyof typeof CAPABILITIES;

export function rolesWith(capability: Capability): readonly UserRole[] {
  return CAPABILITIES[capability];
}

export function can(role: UserRole | undefined, capability: Capability): boolean {
  return role !== undefined && (CAPABILITIES[capability] as readonly UserRole[]).includes(role);
}
