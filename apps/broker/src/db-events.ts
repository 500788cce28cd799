import type { AclStore } from '@twinwire/db/acl-store';
import {
  CLIENT_ACTIONS_CHANNEL,
  parseClientAction,
  type ClientAction,
} from '@twinwire/db/client-registry';
import { listenToDb } from '@twinwire/db/listen';
import { parseRetainedRemoval, RETAINED_ACTIONS_CHANNEL } from '@twinwire/db/retained-messages';
import type { Revocation } from '@twinwire/devices/revocation';
import type { Closers } from './closers.ts';
import type { Logger } from './log.ts';

/**
 * What other instances and the API change reaches this broker through PostgreSQL NOTIFY (ACL
 * edits, device access, retained removals, client actions), and the periodic housekeeping
 * that covers notifications missed while the listener reconnected.
 */
export async function listenForChanges(deps: {
  databaseUrl: string;
  aclStore: AclStore;
  revocation: Revocation;
  removeRetained: (topic: string) => Promise<void>;
  clientActions: (action: ClientAction) => Promise<void>;
  /** Session expiry and the client registry's refresh, every housekeeping interval. */
  housekeeping: { expireSessions: () => Promise<void>; refreshClients: () => Promise<void> };
  housekeepingIntervalMs: number;
  closers: Closers;
  log: Logger;
}): Promise<void> {
  const { log } = deps;
  /** Background work must never reject unhandled: while the database is away it just fails, logged. */
  const inBackground = (what: string, work: () => Promise<void>) => () => {
    work().catch((error: unknown) => {
      log.warn({ err: error }, `${what} failed; will retry`);
    });
  };
  const reloadAcl = inBackground('ACL reload', () => deps.aclStore.reload());
  const sweep = inBackground('access re-check', () => deps.revocation.sweep());
  const events = listenToDb({
    url: deps.databaseUrl,
    applicationName: 'twinwire-broker-events',
    channels: {
      acl_rules_changed: reloadAcl,
      device_access_changed: (deviceId) => {
        inBackground('access re-check', () => deps.revocation.recheckDevice(deviceId))();
      },
      [RETAINED_ACTIONS_CHANNEL]: (payload) => {
        const topic = parseRetainedRemoval(payload);
        if (topic) inBackground('retained removal', () => deps.removeRetained(topic))();
      },
      [CLIENT_ACTIONS_CHANNEL]: (payload) => {
        const action = parseClientAction(payload);
        if (action) inBackground('client action', () => deps.clientActions(action))();
      },
    },
    onReconnect: () => {
      reloadAcl();
      sweep();
    },
    log,
  });
  deps.closers.add('db-events', () => events.close());
  await events.ready;

  const expireSessions = inBackground('session expiry', deps.housekeeping.expireSessions);
  const refreshClients = inBackground('client registry refresh', deps.housekeeping.refreshClients);
  const housekeeping = setInterval(() => {
    sweep();
    expireSessions();
    refreshClients();
  }, deps.housekeepingIntervalMs);
  housekeeping.unref();
  deps.closers.add('stop-accepting', () => {
    clearInterval(housekeeping);
  });
}
