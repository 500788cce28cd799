import type { Acl } from '@twinwire/acl/acl';
import type { Principal } from '@twinwire/acl/rules';

/** Topics longer than this are decided every time: the memo holds short keys only. */
const MAX_TOPIC_LENGTH = 128;
/**
 * Decisions remembered per client and action, unless the adapter asks for more (a dashboard
 * socket streams many devices' topics; there are few of them). A full memo takes no more
 * topics: a client that uses more topics than this pays a failed lookup on the others, never
 * a churn of evictions. A client past the bound usually cycles through its topics (a
 * subscriber to many devices' telemetry): an LRU memo then evicts each topic before it comes
 * round again, and a memo cleared when full is cleared before it does, so both miss on every
 * message and allocate besides; a memo that keeps its first topics hits on them forever.
 */
const DEFAULT_MAX_TOPICS = 32;

/**
 * One client's ACL decisions by topic name, under the rules they were made with. A client
 * publishes to, and receives from, the same few topics over and over, and looking a
 * decision up costs a fraction of making it (the topic split into levels, two trie walks).
 * Bounded per client, so memory stays proportional to connections whatever topics a client
 * uses; forgotten whole when the rules are reloaded (`acl()` returns a new `Acl`).
 */
export class TopicDecisions {
  readonly #principal: Principal;
  #acl: Acl | null = null;
  #publish: Map<string, boolean> | null = null;
  #receive: Map<string, boolean> | null = null;

  readonly #maxTopics: number;

  constructor(principal: Principal, options: { maxTopics?: number } = {}) {
    this.#principal = principal;
    this.#maxTopics = options.maxTopics ?? DEFAULT_MAX_TOPICS;
  }

  /** `acl.authorizePublish` for this client's principal. */
  mayPublish(acl: Acl, topic: string): boolean {
    return this.#decide(acl, topic, true);
  }

  /** May a message published on `topic` be delivered to this client? */
  mayReceive(acl: Acl, topic: string): boolean {
    return this.#decide(acl, topic, false);
  }

  #decide(acl: Acl, topic: string, publishing: boolean): boolean {
    if (topic.length > MAX_TOPIC_LENGTH) return ask(acl, this.#principal, topic, publishing);
    if (acl !== this.#acl) this.#forget(acl);
    const decisions = publishing
      ? (this.#publish ??= new Map<string, boolean>())
      : (this.#receive ??= new Map<string, boolean>());
    let allowed = decisions.get(topic);
    if (allowed === undefined) {
      allowed = ask(acl, this.#principal, topic, publishing);
      if (decisions.size < this.#maxTopics) decisions.set(topic, allowed);
    }
    return allowed;
  }

  #forget(acl: Acl): void {
    this.#acl = acl;
    this.#publish?.clear();
    this.#receive?.clear();
  }
}

function ask(acl: Acl, principal: Principal, topic: string, publishing: boolean): boolean {
  return publishing
    ? acl.authorizePublish(principal, topic)
    : acl.authorizeSubscribe(principal, topic);
}
