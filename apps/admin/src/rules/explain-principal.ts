import type { PrincipalKind, RuleRole } from '../api/rules-api.ts';
import type { UserView } from '../api/api-client.ts';

export interface ExplainPrincipal {
  kind: PrincipalKind;
  id: string;
  role: RuleRole;
  username: string;
}

/** The roles a principal of each kind can have: a device is never an admin. */
export const ROLES_OF_KIND: Record<PrincipalKind, readonly RuleRole[]> = {
  user: ['viewer', 'operator', 'admin'],
  device: ['device'],
  service: ['service'],
};

/**
 * The principal the explain form starts with for a kind: yourself for a user, the service
 * principal as the broker knows it, a device to be named. Switching kind starts afresh, so no
 * user's role or username is left on a device.
 */
export function principalFor(kind: PrincipalKind, me: UserView | undefined): ExplainPrincipal {
  switch (kind) {
    case 'user':
      return { kind, id: me?.id ?? '', role: me?.role ?? 'viewer', username: me?.username ?? '' };
    case 'device':
      return { kind, id: '', role: 'device', username: '' };
    case 'service':
      return { kind, id: 'service', role: 'service', username: 'service' };
  }
}
