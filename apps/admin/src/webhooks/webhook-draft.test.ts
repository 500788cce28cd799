import { describe, expect, it } from 'vitest';
import { emptyWebhookDraft, webhookFromDraft } from './webhook-draft.ts';

describe('webhookFromDraft', () => {
  const draft = { ...emptyWebhookDraft, name: ' ops ', url: ' https://hooks.example.com/tw ' };

  it('trims the name and URL and lists the events in the form’s order', () => {
    expect(webhookFromDraft({ ...draft, events: new Set(['telemetry', 'alarm.raised']) })).toEqual({
      webhook: {
        name: 'ops',
        url: 'https://hooks.example.com/tw',
        events: ['alarm.raised', 'telemetry'],
        enabled: true,
      },
    });
  });

  it('names what is missing or wrong', () => {
    expect(webhookFromDraft({ ...draft, name: ' ' })).toEqual({
      problem: 'Give the destination a name.',
    });
    expect(webhookFromDraft({ ...draft, url: 'hooks.example.com' })).toEqual({
      problem: 'Enter a full URL, e.g. https://hooks.example.com/twinwire.',
    });
    expect(webhookFromDraft({ ...draft, url: 'ftp://hooks.example.com/' })).toEqual({
      problem: 'Use an http or https URL.',
    });
    expect(webhookFromDraft({ ...draft, url: 'https://user:pw@hooks.example.com/' })).toEqual({
      problem: 'Leave credentials out of the URL; verify the Twinwire-Signature header instead.',
    });
    expect(webhookFromDraft({ ...draft, events: new Set() })).toEqual({
      problem: 'Choose at least one event.',
    });
  });
});
