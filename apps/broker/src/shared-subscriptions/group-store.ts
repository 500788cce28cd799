/** How a group picks the member that gets a message (SHARED_SUBSCRIPTION_STRATEGY). */
export type SharedStrategy = 'round-robin' | 'sticky';

/** One message as every broker of the cluster names it: the publishing broker's id and counter. */
export interface MessageRef {
  key: string;
  /** The publishing client's id ('' for the broker's own messages), for the sticky strategy. */
  publisher: string;
}

/** The member a message of a group goes to, and whether this call decided it. */
export interface Choice {
  clientId: string;
  /** The broker holding the member's connection (live) or where its session went away. */
  brokerId: string;
  /** Connected now; otherwise a persistent session away, whose queue takes the message. */
  live: boolean;
  /** True for the one call that made the decision (the others read it). */
  decided: boolean;
}

/**
 * The members of every shared subscription ("group": `$share/{group}/{filter}`), and the one
 * decision per message and group that every broker of a cluster reads alike: the message goes
 * to exactly one member, whichever broker asks first [MQTT-4.8.2].
 */
export interface GroupStore {
  /** A connected client on this broker is a member. */
  join(share: string, clientId: string): Promise<void>;
  /**
   * A member's connection ended but its persistent session stays (until `expiresAt`, epoch ms,
   * or forever with 0): it is chosen only while no member is connected. Ignored when the member
   * is no longer this broker's (it reconnected elsewhere first).
   */
  away(share: string, clientId: string, expiresAt: number): Promise<void>;
  /** The member is gone (unsubscribed, clean session ended); ignored when it is not this broker's. */
  leave(share: string, clientId: string): Promise<void>;
  /**
   * The member this message goes to: the decision already made, or a new one. With `instead`,
   * the member the decision named failed to take it (gone before delivery or before its
   * acknowledgement): another one is chosen, unless the decision has moved on already.
   * Null when the group has no member (left).
   */
  choose(share: string, message: MessageRef, instead?: string): Promise<Choice | null>;
  close(): Promise<void>;
}

/** A member's state as the stores keep it. */
export interface MemberState {
  brokerId: string;
  live: boolean;
  /** Away members: when the session expires (epoch ms), 0 for never. */
  expiresAt: number;
}

/**
 * The pick both stores make, from members sorted by id: connected ones first, persistent ones
 * away only when none is connected. Round-robin turns a counter; sticky keeps the member a
 * publisher had while it is still in the pool, and otherwise hashes the publisher onto the pool.
 */
export function pickFrom(
  pool: readonly string[],
  strategy: SharedStrategy,
  turn: () => number,
  held: string | undefined,
  publisher: string,
): string | undefined {
  if (pool.length === 0) return undefined;
  if (strategy === 'sticky') {
    if (held !== undefined && pool.includes(held)) return held;
    return pool[stringHash(publisher) % pool.length];
  }
  return pool[turn() % pool.length];
}

/** FNV-1a: a stable spread of publishers over members. */
function stringHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
