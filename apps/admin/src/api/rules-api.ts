import { dataOf, type BodyOf, type ResponseOf } from '@twinwire/api-client/client';
import type { ApiClient } from './api-client.ts';

export type RuleView = ResponseOf<'listAclRules'>['items'][number];
export type ExplainRequest = BodyOf<'explainAclDecision'>;
/** A rule as an explanation names it. */
export type RuleCore = NonNullable<ResponseOf<'explainAclDecision'>['decidingRule']>;
export type RuleAction = RuleView['action'];
export type RuleRole = NonNullable<RuleView['role']>;
export type PrincipalKind = NonNullable<RuleView['principal']>['kind'];

/** The rule form's body: a whole rule, whose description an edit may clear with null. */
export type RuleDraft = BodyOf<'updateAclRule'> &
  Pick<BodyOf<'createAclRule'>, 'effect' | 'action' | 'topic'>;

const byId = (id: string) => ({ params: { path: { id } } });

export const rulesApi = {
  list: (api: ApiClient) => dataOf(api.rest.GET('/api/v1/acl/rules')),
  create: (api: ApiClient, { description, ...draft }: RuleDraft) =>
    dataOf(
      api.rest.POST('/api/v1/acl/rules', {
        // A new rule has nothing to clear: no description is left out.
        body: { ...draft, ...(description == null ? {} : { description }) },
      }),
    ),
  update: (api: ApiClient, id: string, draft: RuleDraft) =>
    dataOf(api.rest.PATCH('/api/v1/acl/rules/{id}', { ...byId(id), body: draft })),
  remove: async (api: ApiClient, id: string) => {
    await api.rest.DELETE('/api/v1/acl/rules/{id}', byId(id));
  },
  explain: (api: ApiClient, request: ExplainRequest) =>
    dataOf(api.rest.POST('/api/v1/acl/explain', { body: request })),
};
