import {
  pickFrom,
  type Choice,
  type GroupStore,
  type MemberState,
  type MessageRef,
  type SharedStrategy,
} from './group-store.ts';

/** Decisions remembered per group: long enough for every late reader of one broker. */
const MAX_DECISIONS = 65_536;

interface Group {
  members: Map<string, MemberState>;
  turn: number;
  decisions: Map<string, string>;
  sticky: Map<string, string>;
}

/** The groups of a broker without a cluster: every member is this broker's. */
export class MemoryGroupStore implements GroupStore {
  readonly #groups = new Map<string, Group>();
  readonly #brokerId: string;
  readonly #strategy: SharedStrategy;

  constructor(brokerId: string, strategy: SharedStrategy) {
    this.#brokerId = brokerId;
    this.#strategy = strategy;
  }

  #group(share: string): Group {
    let group = this.#groups.get(share);
    if (!group) {
      group = { members: new Map(), turn: 0, decisions: new Map(), sticky: new Map() };
      this.#groups.set(share, group);
    }
    return group;
  }

  join(share: string, clientId: string): Promise<void> {
    this.#group(share).members.set(clientId, {
      brokerId: this.#brokerId,
      live: true,
      expiresAt: 0,
    });
    return Promise.resolve();
  }

  away(share: string, clientId: string, expiresAt: number): Promise<void> {
    const member = this.#groups.get(share)?.members.get(clientId);
    if (member) Object.assign(member, { live: false, expiresAt });
    return Promise.resolve();
  }

  leave(share: string, clientId: string): Promise<void> {
    const group = this.#groups.get(share);
    group?.members.delete(clientId);
    if (group?.members.size === 0) this.#groups.delete(share);
    return Promise.resolve();
  }

  choose(share: string, message: MessageRef, instead?: string): Promise<Choice | null> {
    const group = this.#groups.get(share);
    if (!group) return Promise.resolve(null);
    const decided = group.decisions.get(message.key);
    if (decided !== undefined && decided !== instead) {
      const member = group.members.get(decided);
      return Promise.resolve(member ? { clientId: decided, ...member, decided: false } : null);
    }
    const now = Date.now();
    const live: string[] = [];
    const away: string[] = [];
    for (const [clientId, member] of group.members) {
      if (clientId === instead) continue;
      if (member.live) live.push(clientId);
      else if (member.expiresAt === 0 || member.expiresAt > now) away.push(clientId);
    }
    const pool = (live.length > 0 ? live : away).sort();
    const pick = pickFrom(
      pool,
      this.#strategy,
      () => group.turn++,
      group.sticky.get(message.publisher),
      message.publisher,
    );
    if (pick === undefined) return Promise.resolve(null);
    if (this.#strategy === 'sticky') group.sticky.set(message.publisher, pick);
    group.decisions.set(message.key, pick);
    if (group.decisions.size > MAX_DECISIONS) {
      const oldest = group.decisions.keys().next().value;
      if (oldest !== undefined) group.decisions.delete(oldest);
    }
    const member = group.members.get(pick);
    return Promise.resolve(member ? { clientId: pick, ...member, decided: true } : null);
  }

  close(): Promise<void> {
    this.#groups.clear();
    return Promise.resolve();
  }
}
