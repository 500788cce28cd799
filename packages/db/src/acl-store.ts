import { compileAcl, type Acl } from '@twinwire/acl/acl';
import { defaultRules } from '@twinwire/acl/default-rules';
import type { AclRule, Role } from '@twinwire/acl/rules';
import type { Database } from './client.ts';
import { aclRules } from './schema.ts';

export interface AclStore {
  readonly current: () => Acl;
  /** Re-reads the rules; keeps the previous ACL if the database is unreachable or a rule is invalid. */
  readonly reload: () => Promise<void>;
}

export interface AclStoreDeps {
  db: Database;
  /** Told after every reload attempt: the error when it failed (the previous rules stay). */
  onReload?: (outcome: { rules: number } | { error: unknown }) => void;
}

/** Default role rules plus the operator's rules from PostgreSQL, compiled once per change. */
export async function createAclStore(deps: AclStoreDeps): Promise<AclStore> {
  let acl = compileAcl(await loadAclRules(deps.db));
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;

  async function reloadNow(): Promise<void> {
    try {
      acl = compileAcl(await loadAclRules(deps.db));
      deps.onReload?.({ rules: acl.rules.length });
    } catch (error) {
      deps.onReload?.({ error });
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

/** The default role rules followed by every rule stored in acl_rules. */
export async function loadAclRules(db: Database): Promise<AclRule[]> {
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
