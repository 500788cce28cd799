import type { Acl } from '@twinwire/acl/acl';
import type { Principal } from '@twinwire/acl/rules';

/** Topics longer than this are decided every time: the memo holds short keys only. */
const MAX_TOPIC_LENGTH = 128;
/**
 * Decisions remembered per client and action. A full memo takes no more topics: a client
 * that uses more topics than this pays a failed lookup on the others, never a churn of
 * evictions (a subscriber to many devices' topics would otherwise miss on every message).
 */
const MAX_TOPICS = 32;

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

  constructor(principal: Principal) {
    this.#principal = principal;
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
      if (decisions.size < MAX_TOPICS) decisions.set(topic, allowed);
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
