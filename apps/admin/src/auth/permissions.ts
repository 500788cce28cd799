import type { UserRole } from '../api/types.ts';

/**
 * What each role may do, as apps/api enforces it (devices/roles.ts, routes/acl-rules.ts,
 * routes/commands.ts). The UI only hides what would be refused; the API still decides.
 */
export type Capability =
  | 'devices.read'
  | 'devices.write'
  | 'commands.send'
  | 'rules.read'
  | 'rules.write'
  | 'rules.explain'
  | 'errors.watch';

const grants: Record<UserRole, readonly Capability[]> = {
  viewer: ['devices.read'],
  operator: [
    'devices.read',
    'devices.write',
    'commands.send',
    'rules.read',
    'rules.explain',
    'errors.watch',
  ],
  admin: [
    'devices.read',
    'devices.write',
    'commands.send',
    'rules.read',
    'rules.write',
    'rules.explain',
    'errors.watch',
  ],
};

export function can(role: UserRole | undefined, capability: Capability): boolean {
  return role !== undefined && (grants[role] as readonly string[]).includes(capability);
}
