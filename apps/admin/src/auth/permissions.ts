import type { UserRole } from '../api/types.ts';

/**
 * What each role may do, as apps/api enforces it (devices/roles.ts, routes/acl-rules.ts,
 * routes/commands.ts, clients/client-routes.ts, users/user-routes.ts, alarms/roles.ts,
 * webhooks/webhook-routes.ts). The UI only hides what would be refused; the API still decides.
 */
export type Capability =
  | 'devices.read'
  | 'devices.write'
  | 'commands.send'
  | 'rules.read'
  | 'rules.write'
  | 'rules.explain'
  | 'errors.watch'
  | 'clients.read'
  | 'clients.act'
  | 'users.manage'
  | 'alarms.act'
  | 'webhooks.manage';

const grants: Record<UserRole, readonly Capability[]> = {
  viewer: ['devices.read'],
  operator: [
    'devices.read',
    'devices.write',
    'commands.send',
    'rules.read',
    'rules.explain',
    'errors.watch',
    'clients.read',
    'clients.act',
    'alarms.act',
  ],
  admin: [
    'devices.read',
    'devices.write',
    'commands.send',
    'rules.read',
    'rules.write',
    'rules.explain',
    'errors.watch',
    'clients.read',
    'clients.act',
    'users.manage',
    'alarms.act',
    'webhooks.manage',
  ],
};

export function can(role: UserRole | undefined, capability: Capability): boolean {
  return role !== undefined && (grants[role] as readonly string[]).includes(capability);
}
