import { compileAcl, type Acl } from '@twinwire/acl/acl';
import { defaultRules } from '@twinwire/acl/default-rules';
import type { AclRule, Role } from '@twinwire/acl/rules';
import type { Database } from '@twinwire/db/client';
import { aclRules } from '@twinwire/db/schema';
import type { Logger } from '../log.ts';
import type { BrokerMetrics } from '../metrics.ts';

export interface AclStore {
  readonly current: () => Acl;
  /** Re-reads the rules; keeps the previous ACL if the database is unreachable or a rule is invalid. */
  readonly reload: () => Promise<void>;
}

/** Default role rules plus the operator's rules from PostgreSQL, compiled once per change. */
export async function createAclStore(deps: {
  db: Database;
  log: Logger;
  metrics: BrokerMetrics;
}): Promise<AclStore> {
  let acl = compileAcl(await loadRules(deps.db));
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;

  async function reloadNow(): Promise<void> {
    try {
      acl = compileAcl(await loadRules(deps.db));
      deps.metrics.aclReloads.inc({ outcome: 'ok' });
      deps.log.info({ rules: acl.rules.length }, 'ACL rules reloaded');
    } catch (error) {
      deps.metrics.aclReloads.inc({ outcome: 'failed' });
      deps.log.error({ err: error }, 'ACL reload failed; keeping the previous rules');
    }
  }

  function start(): Promise<void> {
    running = reloadNow().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    current: () => acl,
    // A change arriving during a reload queues exactly one more; further ones join it.
    reload: () => {
      if (queued) return queued;
      if (!running) return start();
      queued = running.then(() => {
        queued = undefined;
        return start();
      });
      return queued;
    },
  };
}

async function loadRules(db: Database): Promise<AclRule[]> {
  const rows = await db.select().from(aclRules);
  return [
    ...defaultRules,
    ...rows.map((row): AclRule => ({
      id: row.id,
      effect: row.effect,
      action: row.action,
      topic: row.topic,
      subject:
        row.principalKind && row.principalId
          ? { principal: { kind: row.principalKind, id: row.principalId } }
          : { role: row.role as Role },
      ...(row.description ? { description: row.description } : {}),
    })),
  ];
}
