import type { Capability } from '@twinwire/schemas/capabilities';

export interface NavigationItem {
  to: string;
  label: string;
  end: boolean;
  /** Shown only to roles that may do this; everyone signed in when absent. */
  capability?: Capability;
}

/** The main menu, one line per page (in menu order). */
const NAVIGATION: readonly NavigationItem[] = [
  { to: '/', label: 'Overview', end: true },
  { to: '/devices', label: 'Devices', end: false },
  { to: '/alarms', label: 'Alarms', end: false },
  { to: '/alarm-rules', label: 'Alarm rules', end: false },
  { to: '/webhooks', label: 'Webhooks', end: false, capability: 'webhooks.manage' },
  { to: '/clients', label: 'Clients', end: false, capability: 'clients.read' },
  { to: '/retained', label: 'Retained', end: false, capability: 'retained.manage' },
  { to: '/explorer', label: 'Topic explorer', end: false },
  { to: '/rules', label: 'Access rules', end: false, capability: 'rules.read' },
  { to: '/users', label: 'Users', end: false, capability: 'users.manage' },
  { to: '/lab', label: 'Protocol lab', end: false },
];

/** The menu a role sees: what it may not use is left out (the API refuses it anyway). */
export function navigationFor(may: (capability: Capability) => boolean): NavigationItem[] {
  return NAVIGATION.filter((item) => item.capability === undefined || may(item.capability));
}
