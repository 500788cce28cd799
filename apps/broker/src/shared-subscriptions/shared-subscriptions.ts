import { parseSharedFilter, SHARE_PREFIX } from '@twinwire/acl/shared-subscription';
import type { Aedes, AedesPublishPacket, Client } from 'aedes';
import type { Logger } from '../log.ts';
import type { BrokerMetrics } from '../metrics.ts';
import type { GroupStore } from './group-store.ts';
import { createMemberDelivery, type MemberClient, type SessionQueue } from './member-delivery.ts';
import { sharedMessageOf, type SharedMessage } from './shared-message.ts';

/** The emitter every broker of a cluster shares (aedes' `mq`, not in its types). */
interface Emitter {
  on(topic: string, listener: Listener, done?: () => void): void;
  removeListener(topic: string, listener: Listener, done?: () => void): void;
  emit(packet: object, done?: (error?: Error) => void): void;
}
type Listener = (packet: AedesPublishPacket, done: () => void) => void;

/** A group as this broker holds it: its members connected here, and those whose session went away here. */
interface LocalGroup {
  group: string;
  filter: string;
  members: Map<string, MemberClient>;
  away: Set<string>;
  listener: Listener;
  /** Resolves once the emitter delivers the filter's messages here. */
  listening: Promise<void>;
  /** Set while the group has no member here: the listener stays a while (see `release`). */
  releaseTimer?: NodeJS.Timeout;
}

/** A message decided for a member here just before it left still reaches this broker this long. */
const LISTENER_GRACE_MS = 30_000;
/**
 * Decisions made again for one message before it is given up: each names another member, and
 * members that left but whose departure is not processed yet could otherwise be chosen in turn.
 */
const MAX_REDECISIONS = 16;
/** Deliveries remembered, so a message forwarded here and also read here goes out once. */
const RECENT_DELIVERIES = 65_536;

/**
 * Shared subscriptions [MQTT-4.8.2] across every broker sharing the emitter: each message
 * matching `$share/{group}/{filter}` goes to one member of each group, cluster-wide.
 *
 * aedes keeps the subscription (granted, persisted, restored with the session) and routes
 * nothing to it (a `$share/...` filter matches no topic a client may publish). This broker
 * listens on the filter while it holds a member; for each message it asks the group store which
 * member gets it (one atomic decision every broker reads alike) and delivers only when that
 * member is connected here. A member that is gone before delivery, or whose connection ends
 * with messages unacknowledged, has them decided again among the others and sent to the
 * broker of the new member [MQTT-4.8.2-5 and the paragraph after it].
 */
export function installSharedSubscriptions(deps: {
  aedes: Aedes;
  store: GroupStore;
  queue: SessionQueue;
  authorizeForward: (client: Client, packet: AedesPublishPacket) => AedesPublishPacket | null;
  metrics: BrokerMetrics;
  log: Logger;
}) {
  const { aedes, store, metrics, log } = deps;
  const mq = (aedes as Aedes & { mq: Emitter }).mq;
  const brokerId = aedes.id;
  const delivery = createMemberDelivery({
    brokerId,
    queue: deps.queue,
    authorizeForward: deps.authorizeForward,
  });
  const groups = new Map<string, LocalGroup>();
  const recent = new Set<string>();
  const forwardTopic = (to: string) => `$twinwire/shared/${to}`;

  const failed = (what: string) => (error: unknown) => {
    log.warn({ err: error }, `shared subscription ${what} failed`);
  };

  function localGroup(share: string): Promise<LocalGroup> | undefined {
    const existing = groups.get(share);
    if (existing) {
      clearTimeout(existing.releaseTimer);
      existing.releaseTimer = undefined;
      return existing.listening.then(() => existing);
    }
    const parsed = parseSharedFilter(share);
    if (parsed === null || parsed === 'invalid') return undefined;
    // [MQTT-4.7.2-1] a filter starting with a wildcard matches no topic starting with '$'.
    const skipsDollar = parsed.filter.startsWith('+') || parsed.filter.startsWith('#');
    const listener: Listener = (packet, done) => {
      done();
      if (skipsDollar && packet.topic.startsWith('$')) return;
      route(share, sharedMessageOf(packet)).catch(failed('dispatch'));
    };
    // Listening before joining: a message decided for the new member always reaches us.
    const listening = new Promise<void>((resolve) => {
      mq.on(parsed.filter, listener, () => {
        resolve();
      });
    });
    const local: LocalGroup = {
      ...parsed,
      members: new Map(),
      away: new Set(),
      listener,
      listening,
    };
    groups.set(share, local);
    return listening.then(() => local);
  }

  /** Stops listening once the group has had no member here for a while. */
  function release(share: string, local: LocalGroup): void {
    metrics.sharedMembers.set({ group: local.group, filter: local.filter }, local.members.size);
    if (local.members.size > 0 || local.away.size > 0 || local.releaseTimer) return;
    local.releaseTimer = setTimeout(() => {
      if (local.members.size > 0 || local.away.size > 0) return;
      groups.delete(share);
      mq.removeListener(local.filter, local.listener);
      metrics.sharedMembers.remove({ group: local.group, filter: local.filter });
    }, LISTENER_GRACE_MS);
    local.releaseTimer.unref();
  }

  async function join(client: Client, share: string): Promise<void> {
    const local = await localGroup(share);
    if (!local || client.closed) return;
    local.members.set(client.id, client as MemberClient);
    local.away.delete(client.id);
    metrics.sharedMembers.set({ group: local.group, filter: local.filter }, local.members.size);
    await store.join(share, client.id);
  }

  async function leave(client: Client, share: string): Promise<void> {
    const local = groups.get(share);
    if (local?.members.get(client.id) !== client) return;
    local.members.delete(client.id);
    release(share, local);
    await store.leave(share, client.id);
  }

  /**
   * Decides who gets a message (again, `instead` of a member that failed) and delivers it if
   * that member is here. True when some member other than `instead` has it or will.
   */
  async function route(
    share: string,
    message: SharedMessage,
    instead?: string,
    redecisions = 0,
  ): Promise<boolean> {
    if (redecisions > MAX_REDECISIONS) {
      log.warn(
        { share, message: message.key },
        'shared subscription message given up: no member took it',
      );
      return false;
    }
    const choice = await store.choose(share, message, instead);
    if (!choice) {
      if (instead === undefined) log.debug({ share }, 'shared subscription without members');
      return false;
    }
    const local = groups.get(share);
    if (!choice.live) {
      // Only the broker that decided queues it, once: every session's queue is shared.
      if (choice.decided && local) await delivery.toAway(choice.clientId, local.group, message);
      return true;
    }
    if (choice.brokerId !== brokerId) {
      // That broker reads the same decision from its own copy, unless the decision was made
      // again here (its copy was read already): then the message is sent there.
      if (instead !== undefined && choice.decided) {
        mq.emit({ topic: forwardTopic(choice.brokerId), share, member: choice.clientId, message });
      }
      return true;
    }
    return deliverHere(share, message, choice.clientId, instead !== undefined, redecisions);
  }

  async function deliverHere(
    share: string,
    message: SharedMessage,
    clientId: string,
    redelivery: boolean,
    redecisions = 0,
  ): Promise<boolean> {
    const local = groups.get(share);
    const client = local?.members.get(clientId);
    if (!local || !client || client.closed) return route(share, message, clientId, redecisions + 1);
    const once = `${share}\n${message.key}\n${clientId}`;
    if (recent.has(once)) return true;
    recent.add(once);
    if (recent.size > RECENT_DELIVERIES) {
      for (const oldest of recent) {
        recent.delete(oldest);
        break;
      }
    }
    const sent = delivery.toConnected(client, share, local.group, message);
    if (sent === false) return route(share, message, clientId, redecisions + 1);
    const labels = { group: local.group, filter: local.filter };
    if (sent === 'withheld') metrics.sharedWithheld.inc(labels);
    else if (redelivery) metrics.sharedRedelivered.inc(labels);
    else metrics.sharedDelivered.inc(labels);
    return true;
  }

  /**
   * A member's connection ended: it leaves (or, with a persistent session, waits away), and
   * what it had not acknowledged goes to another member. A persistent member's copy is taken
   * out of its session then, so the message is not delivered twice.
   */
  async function disconnected(client: Client): Promise<void> {
    const pending = delivery.inFlight.takeAll(client);
    const persistent = !client.clean;
    const expiresAt = sessionEnd(client);
    for (const [share, local] of groups) {
      if (local.members.get(client.id) !== client) continue;
      local.members.delete(client.id);
      if (persistent) local.away.add(client.id);
      release(share, local);
      await (persistent ? store.away(share, client.id, expiresAt) : store.leave(share, client.id));
    }
    for (const [messageId, { share, message }] of pending) {
      const moved = await route(share, message, client.id);
      if (moved && persistent) await delivery.unqueue(client.id, messageId);
    }
  }

  /** The member's session is over everywhere: it leaves every group it waited in here. */
  function sessionEnded(clientId: string): void {
    for (const [share, local] of groups) {
      if (!local.away.delete(clientId)) continue;
      release(share, local);
      store.leave(share, clientId).catch(failed('leave'));
    }
  }

  const sharesOf = (client: Client) =>
    Object.keys((client as MemberClient).subscriptions).filter((filter) =>
      filter.startsWith(SHARE_PREFIX),
    );

  aedes.on('subscribe', (subscriptions, client) => {
    for (const { topic, qos } of subscriptions) {
      // A refused filter is answered with a failure code (0x80 and up) in its place.
      if (topic.startsWith(SHARE_PREFIX) && qos < 0x80) join(client, topic).catch(failed('join'));
    }
  });
  // A resumed session's subscriptions are restored without a 'subscribe' event.
  aedes.on('clientReady', (client) => {
    for (const share of sharesOf(client)) join(client, share).catch(failed('join'));
  });
  aedes.on('unsubscribe', (filters, client) => {
    for (const filter of filters)
      if (filter.startsWith(SHARE_PREFIX)) leave(client, filter).catch(failed('leave'));
  });
  // Hand-overs still running when the broker closes finish before its Redis connection goes.
  const handingOver = new Set<Promise<void>>();
  aedes.on('clientDisconnect', (client) => {
    const work = disconnected(client).catch(failed('hand-over'));
    handingOver.add(work);
    void work.finally(() => handingOver.delete(work));
  });
  aedes.on('sessionExpired', (client) => {
    sessionEnded(client.id);
  });
  const forwarded: Listener = (packet, done) => {
    done();
    const { share, member, message } = packet as AedesPublishPacket & {
      share: string;
      member: string;
      message: SharedMessage;
    };
    deliverHere(share, message, member, true).catch(failed('hand-over'));
  };
  mq.on(forwardTopic(brokerId), forwarded);

  // A member away here that connects to another broker is that broker's now.
  const connectedElsewhere: Listener = (packet, done) => {
    done();
    if (packet.topic !== `$SYS/${brokerId}/new/clients`) sessionEnded(packet.payload.toString());
  };
  mq.on('$SYS/+/new/clients', connectedElsewhere);

  return {
    /** After aedes has closed (its clients' hand-overs have started): before Redis goes. */
    async close(): Promise<void> {
      await Promise.all(handingOver);
      mq.removeListener(forwardTopic(brokerId), forwarded);
      mq.removeListener('$SYS/+/new/clients', connectedElsewhere);
      for (const local of groups.values()) clearTimeout(local.releaseTimer);
      await store.close();
    },
  };
}

/** When a persistent session ends if its client does not return (epoch ms; 0 never). */
function sessionEnd(client: Client): number {
  if (client.version !== 5) return 0;
  const seconds = client.sessionExpiryInterval;
  return seconds >= 0xffff_ffff ? 0 : Date.now() + seconds * 1000;
}
