import { defaultRules } from '@twinwire/acl/default-rules';
import { validateRule, type AclRule, type Role } from '@twinwire/acl/rules';
import type { Database } from '@twinwire/db/client';
import { aclRules } from '@twinwire/db/schema';
import { asc, eq } from 'drizzle-orm';
import type { Static } from 'typebox';
import { Conflict, InvalidRequest, NotFound } from '../errors.ts';
import type { RuleCoreView, RulePrincipal, RuleView } from '@twinwire/schemas/rest/acl';

type RuleRow = typeof aclRules.$inferSelect;
type Principal = Static<typeof RulePrincipal>;

const builtInIds = new Set(defaultRules.map((rule) => rule.id));

function isBuiltIn(id: string): boolean {
  return builtInIds.has(id);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The id of a stored rule a request may change. Built-in rules live in code, not in the
 * table: they cannot be changed through the API (409). Stored rule ids are uuids; anything
 * else cannot name one (and would not cast in SQL): 404.
 */
export function storedRuleId(id: string): string {
  if (isBuiltIn(id))
    throw new Conflict(
      `rule ${id} is built in and read-only; add a deny rule to narrow it (deny wins) or an allow rule to widen it`,
    );
  if (!UUID.test(id)) throw new NotFound(`rule ${id}`);
  return id;
}

export function coreView(rule: AclRule): Static<typeof RuleCoreView> {
  const subject = rule.subject;
  return {
    id: rule.id,
    effect: rule.effect,
    action: rule.action,
    topic: rule.topic,
    role: 'role' in subject ? subject.role : null,
    principal: 'principal' in subject ? { ...subject.principal } : null,
    description: rule.description ?? null,
    builtIn: isBuiltIn(rule.id),
  };
}

export function builtInView(rule: AclRule): Static<typeof RuleView> {
  return { ...coreView(rule), createdAt: null, updatedAt: null };
}

function storedView(row: RuleRow): Static<typeof RuleView> {
  return {
    id: row.id,
    effect: row.effect,
    action: row.action,
    topic: row.topic,
    role: row.principalKind ? null : (row.role as Role),
    principal:
      row.principalKind && row.principalId !== null
        ? { kind: row.principalKind, id: row.principalId }
        : null,
    description: row.description,
    builtIn: false,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** What a request says about a rule, before it is checked as a whole. */
export interface RuleDraft {
  effect: AclRule['effect'];
  action: AclRule['action'];
  topic: string;
  role?: Role | undefined;
  principal?: Principal | undefined;
  description?: string | null | undefined;
}

/**
 * The columns to store for a draft, after the ACL package's own check (the same one every
 * broker applies on reload): an invalid rule is refused here with every problem listed,
 * rather than being skipped by the brokers later.
 */
function ruleColumns(draft: RuleDraft) {
  const subject: Record<string, unknown> = {};
  if (draft.role !== undefined) subject.role = draft.role;
  if (draft.principal !== undefined) subject.principal = draft.principal;
  const problems = validateRule({
    id: 'new',
    effect: draft.effect,
    action: draft.action,
    topic: draft.topic,
    subject,
    ...(draft.description == null ? {} : { description: draft.description }),
  }).map((problem) => problem.replace(/\bsubject\./g, ''));
  if (problems.length > 0) throw new InvalidRequest(`invalid rule: ${problems.join('; ')}`);
  return {
    effect: draft.effect,
    action: draft.action,
    topic: draft.topic,
    role: draft.principal ? null : (draft.role ?? null),
    principalKind: draft.principal?.kind ?? null,
    principalId: draft.principal?.id ?? null,
    description: draft.description ?? null,
  };
}

/** The stored rule as a draft, so a partial update can be checked as a whole. */
function draftOf(row: RuleRow): RuleDraft {
  return {
    effect: row.effect,
    action: row.action,
    topic: row.topic,
    ...(row.principalKind && row.principalId !== null
      ? { principal: { kind: row.principalKind, id: row.principalId } }
      : { role: row.role as Role }),
    description: row.description,
  };
}

/** Every stored rule as the API shows it, oldest first. */
export async function listStoredRules(db: Database): Promise<Static<typeof RuleView>[]> {
  const rows = await db.select().from(aclRules).orderBy(asc(aclRules.createdAt), asc(aclRules.id));
  return rows.map(storedView);
}

/** Stores a new rule (checked by {@link ruleColumns}) and returns it as the API shows it. */
export async function insertRule(db: Database, draft: RuleDraft): Promise<Static<typeof RuleView>> {
  const [row] = await db.insert(aclRules).values(ruleColumns(draft)).returning();
  if (!row) throw new Error('no acl rule row returned');
  return storedView(row);
}

/** What an update may change; role or principal, when either is given, replaces the subject. */
type RulePatch = Partial<RuleDraft>;

/**
 * Applies a partial update to stored rule `id` under a row lock, checking the result as a
 * whole; TWW_NOT_FOUND when there is no such rule.
 */
export async function updateRule(
  db: Database,
  id: string,
  patch: RulePatch,
): Promise<Static<typeof RuleView>> {
  const updated = await db.transaction(async (tx) => {
    const [row] = await tx.select().from(aclRules).where(eq(aclRules.id, id)).for('update');
    if (!row) throw new NotFound(`rule ${id}`);
    const current = draftOf(row);
    const newSubject = patch.role !== undefined || patch.principal !== undefined;
    const draft: RuleDraft = {
      effect: patch.effect ?? current.effect,
      action: patch.action ?? current.action,
      topic: patch.topic ?? current.topic,
      role: newSubject ? patch.role : current.role,
      principal: newSubject ? patch.principal : current.principal,
      description: patch.description === undefined ? current.description : patch.description,
    };
    const [saved] = await tx
      .update(aclRules)
      .set({ ...ruleColumns(draft), updatedAt: new Date() })
      .where(eq(aclRules.id, id))
      .returning();
    return saved;
  });
  if (!updated) throw new NotFound(`rule ${id}`);
  return storedView(updated);
}

/** Deletes stored rule `id`; TWW_NOT_FOUND when there is no such rule. */
export async function deleteRule(db: Database, id: string): Promise<void> {
  const deleted = await db
    .delete(aclRules)
    .where(eq(aclRules.id, id))
    .returning({ id: aclRules.id });
  if (deleted.length === 0) throw new NotFound(`rule ${id}`);
}
