import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { defaultRules } from '@twinwire/acl/default-rules';
import type { AclStore } from '@twinwire/db/acl-store';
import type { Database } from '@twinwire/db/client';
import { Type } from 'typebox';
import {
  builtInView,
  coreView,
  deleteRule,
  insertRule,
  listStoredRules,
  storedRuleId,
  updateRule,
} from './rule-store.ts';
import {
  CreateRuleBody,
  ExplainBody,
  ExplainResult,
  RuleList,
  RuleParams,
  RuleView,
  UpdateRuleBody,
} from '@twinwire/schemas/rest/acl';
import { ErrorResponse, NoQuery } from '@twinwire/schemas/rest/common';

const denied = { 401: ErrorResponse, 403: ErrorResponse } as const;

/**
 * ACL rules: admins change them, operators read them and ask why a request would be allowed.
 * Every change fires NOTIFY acl_rules_changed (a trigger) so brokers reload; this instance also
 * reloads before answering, so the change shows in its next explain.
 */
export const aclRuleRoutes: FastifyPluginAsyncTypebox<{ db: Database; acl: AclStore }> = async (
  app,
  options,
) => {
  const { db, acl } = options;

  app.get(
    '/acl/rules',
    {
      config: { capability: 'rules.read' },
      schema: {
        operationId: 'listAclRules',
        tags: ['acl'],
        summary: 'Every rule: the built-in defaults (read-only) and the stored ones',
        querystring: NoQuery,
        response: { 200: RuleList, 400: ErrorResponse, ...denied },
      },
    },
    async () => {
      return { items: [...defaultRules.map(builtInView), ...(await listStoredRules(db))] };
    },
  );

  app.post(
    '/acl/rules',
    {
      config: { capability: 'rules.write' },
      schema: {
        operationId: 'createAclRule',
        tags: ['acl'],
        summary: 'Add a rule; it applies everywhere at once',
        querystring: NoQuery,
        body: CreateRuleBody,
        response: { 201: RuleView, 400: ErrorResponse, ...denied, 413: ErrorResponse },
      },
    },
    async (request, reply) => {
      const rule = await insertRule(db, request.body);
      await acl.reload();
      return reply.status(201).send(rule);
    },
  );

  app.patch(
    '/acl/rules/:id',
    {
      config: { capability: 'rules.write' },
      schema: {
        operationId: 'updateAclRule',
        tags: ['acl'],
        summary: 'Change a stored rule (role or principal replaces its subject)',
        params: RuleParams,
        querystring: NoQuery,
        body: UpdateRuleBody,
        response: {
          200: RuleView,
          400: ErrorResponse,
          ...denied,
          404: ErrorResponse,
          409: ErrorResponse,
          413: ErrorResponse,
        },
      },
    },
    async (request) => {
      const id = storedRuleId(request.params.id);
      const updated = await updateRule(db, id, request.body);
      await acl.reload();
      return updated;
    },
  );

  app.delete(
    '/acl/rules/:id',
    {
      config: { capability: 'rules.write' },
      schema: {
        operationId: 'deleteAclRule',
        tags: ['acl'],
        summary: 'Delete a stored rule',
        params: RuleParams,
        querystring: NoQuery,
        response: {
          204: Type.Null(),
          400: ErrorResponse,
          ...denied,
          404: ErrorResponse,
          409: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const id = storedRuleId(request.params.id);
      await deleteRule(db, id);
      await acl.reload();
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/acl/explain',
    {
      config: { capability: 'rules.explain' },
      schema: {
        operationId: 'explainAclDecision',
        tags: ['acl'],
        summary: 'Would this principal be allowed to publish or subscribe here, and why?',
        querystring: NoQuery,
        body: ExplainBody,
        response: { 200: ExplainResult, 400: ErrorResponse, ...denied, 413: ErrorResponse },
      },
    },
    async (request) => {
      const { principal, action, topic } = request.body;
      const explanation = acl.current().explain(principal, action, topic);
      return {
        allowed: explanation.allowed,
        decidingRule: explanation.decidingRule ? coreView(explanation.decidingRule) : null,
        reason: explanation.reason,
        matchedRules: explanation.matchedRules.map(coreView),
      };
    },
  );
};
