import type { UserRole } from '@twinwire/db/schema';

/** Everyone signed in may look at devices. */
export const DEVICE_READ_ROLES: readonly UserRole[] = ['viewer', 'operator', 'admin'];
/** Creating, changing and deleting devices and their credentials. */
export const DEVICE_WRITE_ROLES: readonly UserRole[] = ['operator', 'admin'];
