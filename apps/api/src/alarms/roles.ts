import type { UserRole } from '@twinwire/db/schema';

/** Everyone signed in sees rules and alarms. */
export const ALARM_READ_ROLES: readonly UserRole[] = ['viewer', 'operator', 'admin'];
/** Writing rules, acknowledging and clearing alarms. */
export const ALARM_WRITE_ROLES: readonly UserRole[] = ['operator', 'admin'];
