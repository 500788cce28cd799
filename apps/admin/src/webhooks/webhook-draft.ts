import type { WebhookEventType, WebhookInput, WebhookView } from '../api/webhooks-api.ts';

/** Every event a destination can ask for, in the order the form lists them. */
export const WEBHOOK_EVENTS: readonly { value: WebhookEventType; label: string }[] = [
  { value: 'alarm.raised', label: 'alarm raised' },
  { value: 'alarm.acknowledged', label: 'alarm acknowledged' },
  { value: 'alarm.cleared', label: 'alarm cleared' },
  { value: 'device.online', label: 'device online' },
  { value: 'device.offline', label: 'device offline' },
  { value: 'telemetry', label: 'every reading (telemetry)' },
];

/** The destination form as typed, before it becomes a `WebhookInput`. */
export interface WebhookDraft {
  name: string;
  url: string;
  events: ReadonlySet<WebhookEventType>;
  enabled: boolean;
}

export const emptyWebhookDraft: WebhookDraft = {
  name: '',
  url: '',
  events: new Set(['alarm.raised', 'alarm.cleared']),
  enabled: true,
};

export function draftOf(webhook: WebhookView): WebhookDraft {
  return {
    name: webhook.name,
    url: webhook.url,
    events: new Set(webhook.events),
    enabled: webhook.enabled,
  };
}

/**
 * What the browser can tell about a URL before the API's SSRF guard judges its address:
 * http(s), no credentials in it.
 */
function urlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return 'Enter a full URL, e.g. https://hooks.example.com/twinwire.';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'Use an http or https URL.';
  if (url.username !== '' || url.password !== '')
    return 'Leave credentials out of the URL; verify the Twinwire-Signature header instead.';
  return undefined;
}

/** The destination, or what is wrong with the draft (in words, naming the field). */
export function webhookFromDraft(
  draft: WebhookDraft,
): { webhook: WebhookInput } | { problem: string } {
  if (draft.name.trim() === '') return { problem: 'Give the destination a name.' };
  const problem = urlProblem(draft.url);
  if (problem) return { problem };
  if (draft.events.size === 0) return { problem: 'Choose at least one event.' };
  return {
    webhook: {
      name: draft.name.trim(),
      url: draft.url.trim(),
      // In the form's order, so an unchanged selection compares equal.
      events: WEBHOOK_EVENTS.map((event) => event.value).filter((event) => draft.events.has(event)),
      enabled: draft.enabled,
    },
  };
}
