import { describe, expect, it } from 'vitest';
import { SentTopics } from './sent-topics.ts';

describe('SentTopics', () => {
  it('resolves an empty topic through the alias an earlier PUBLISH set (MQTT 5.0 §3.3.2.3.4)', () => {
    const sent = new SentTopics();
    expect(sent.resolve({ topic: 'a/b', properties: { topicAlias: 1 } })).toBe('a/b');
    expect(sent.resolve({ topic: '', properties: { topicAlias: 1 } })).toBe('a/b');
    expect(sent.resolve({ topic: 'c/d' })).toBe('c/d');
  });

  it('follows an alias reassigned to another topic, and forgets every alias on reset', () => {
    const sent = new SentTopics();
    sent.resolve({ topic: 'a/b', properties: { topicAlias: 1 } });
    sent.resolve({ topic: 'c/d', properties: { topicAlias: 1 } });
    expect(sent.resolve({ topic: '', properties: { topicAlias: 1 } })).toBe('c/d');
    sent.reset();
    expect(sent.resolve({ topic: '', properties: { topicAlias: 1 } })).toBeUndefined();
  });
});
