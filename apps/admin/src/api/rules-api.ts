import type { ApiClient } from './api-client.ts';
import type { ExplainRequest, ExplainResult, RuleDraft, RuleView } from './types.ts';

const rule = (id: string) => `/api/v1/acl/rules/${encodeURIComponent(id)}`;

export const rulesApi = {
  list: (api: ApiClient) => api.get<{ items: RuleView[] }>('/api/v1/acl/rules'),
  create: (api: ApiClient, draft: RuleDraft) => api.post<RuleView>('/api/v1/acl/rules', draft),
  update: (api: ApiClient, id: string, draft: RuleDraft) => api.patch<RuleView>(rule(id), draft),
  remove: (api: ApiClient, id: string) => api.delete(rule(id)),
  explain: (api: ApiClient, request: ExplainRequest) =>
    api.post<ExplainResult>('/api/v1/acl/explain', request),
};
