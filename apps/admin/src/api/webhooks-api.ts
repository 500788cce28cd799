import { dataOf, type BodyOf, type QueryOf, type ResponseOf } from '@twinwire/api-client/client';
import type { ApiClient } from './api-client.ts';

/** A destination as the API answers it. */
export type WebhookView = ResponseOf<'getWebhook'>;
/** The answer to a create: the only time the signing secret is shown. */
export type CreatedWebhook = ResponseOf<'createWebhook'>;
export type WebhookInput = BodyOf<'createWebhook'>;
export type WebhookEventType = WebhookView['events'][number];

type PageQuery = Omit<QueryOf<'listWebhookDeliveries'>, 'destinationId'>;

const byId = (webhookId: string) => ({ params: { path: { webhookId } } });

export const webhooksApi = {
  list: (api: ApiClient, signal?: AbortSignal) =>
    dataOf(api.rest.GET('/api/v1/webhooks', { signal })),
  create: (api: ApiClient, input: WebhookInput) =>
    dataOf(api.rest.POST('/api/v1/webhooks', { body: input })),
  update: (api: ApiClient, id: string, patch: BodyOf<'updateWebhook'>) =>
    dataOf(api.rest.PATCH('/api/v1/webhooks/{webhookId}', { ...byId(id), body: patch })),
  remove: async (api: ApiClient, id: string) => {
    await api.rest.DELETE('/api/v1/webhooks/{webhookId}', byId(id));
  },
  deliveries: (api: ApiClient, id: string, query: PageQuery, signal?: AbortSignal) =>
    dataOf(
      api.rest.GET('/api/v1/webhooks/{webhookId}/deliveries', {
        params: { path: { webhookId: id }, query },
        signal,
      }),
    ),
  deadLetters: (api: ApiClient, destinationId: string, query: PageQuery, signal?: AbortSignal) =>
    dataOf(
      api.rest.GET('/api/v1/webhooks/dead-letters', {
        params: { query: { ...query, destinationId } },
        signal,
      }),
    ),
  resend: async (api: ApiClient, outboxId: number) => {
    await api.rest.POST('/api/v1/webhooks/dead-letters/{outboxId}/resend', {
      params: { path: { outboxId } },
    });
  },
};
