import type { Acl } from '@twinwire/acl/acl';
import { matchesFilter } from '@twinwire/acl/topic-filter';
import type { Database } from '@twinwire/db/client';
import {
  forgetRetained,
  recordRetained,
  retainedPublishersUnder,
  type RetainedRecord,
} from '@twinwire/db/retained-messages';
import { Readable } from 'node:stream';
import type { Aedes, AedesPublishPacket, Client, PublishPacket } from 'aedes';
import type { Logger } from '../log.ts';
import type { BrokerMetrics } from '../metrics.ts';
import type { SessionRegistry } from '../sessions.ts';
import { keepOwnBytes } from './own-bytes.ts';

/** The part of aedes' persistence this module uses. */
interface RetainedStore {
  storeRetained(packet: { topic: string; payload: Buffer }): Promise<void>;
  /** The retained messages under some filters: what aedes sends after a SUBACK. */
  createRetainedStreamCombi(patterns: string[]): NodeJS.ReadableStream;
}

/** What a new subscription may not be sent from the retained store. */
interface Withheld {
  /** Topics whose publisher may no longer publish there. */
  topics: Set<string>;
  /** Filters whose publishers could not be checked (database away): nothing retained under them. */
  unchecked: string[];
}

/**
 * Who published each retained message, kept in PostgreSQL (`retained_messages`), so that a
 * retained message is delivered to a new subscriber only while its publisher may still publish
 * it, on every broker: the device exists and its credential is not revoked, the user is not
 * disabled, and the ACL still allows the publish (Mosquitto's `check_retain_source`, its fix
 * for CVE-2018-12546). Publishers are written behind the publish, batched per event-loop turn.
 *
 * The check filters the stream of retained messages aedes sends after a SUBACK, so it holds up
 * only those: the subscription is registered and acknowledged at once, and a message published
 * a moment after the SUBSCRIBE reaches it, as it would on a broker with no such check. (Checking
 * in `authorizeSubscribe` delayed the subscription itself by a database round trip.)
 */
export function createRetainedSources(deps: {
  aedes: Aedes;
  db: Database;
  /** '' when the retained store is shared by every broker (Redis), else this broker's id. */
  storeId: string;
  /** This broker's id: the publisher of what it publishes itself. */
  brokerId: string;
  sessions: SessionRegistry;
  acl: () => Acl;
  metrics: BrokerMetrics;
  log: Logger;
}) {
  /** Per topic, the newest publisher to record, or null: the message is gone. */
  let pending = new Map<string, RetainedRecord | null>();
  let writing: Promise<void> = Promise.resolve();
  let scheduled = false;
  const store = (deps.aedes as unknown as { persistence: RetainedStore }).persistence;

  async function write(batch: Map<string, RetainedRecord | null>): Promise<void> {
    const records = [...batch.values()].filter((record) => record !== null);
    const gone = [...batch].filter(([, record]) => record === null).map(([topic]) => topic);
    try {
      await recordRetained(deps.db, records);
      await forgetRetained(deps.db, deps.storeId, gone);
    } catch (error) {
      // Unrecorded publishers only mean those messages are not checked: logged, not retried.
      deps.log.warn({ err: error, topics: batch.size }, 'could not record retained publishers');
    }
  }

  function flushSoon(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      const batch = pending;
      pending = new Map();
      writing = writing.then(() => write(batch));
    });
  }

  /** Which retained messages under `filters` have publishers that may no longer publish them. */
  async function withheldUnder(filters: string[]): Promise<Withheld> {
    const withheld: Withheld = { topics: new Set(), unchecked: [] };
    const acl = deps.acl();
    for (const filter of filters) {
      try {
        const publishers = await retainedPublishersUnder(deps.db, deps.storeId, filter);
        for (const { topic, publisher, active } of publishers) {
          const mayPublish =
            publisher.kind === 'broker' ||
            acl.authorizePublish({ ...publisher, kind: publisher.kind }, topic);
          if (!active || !mayPublish) withheld.topics.add(topic);
        }
      } catch (error) {
        deps.log.warn({ err: error, filter }, 'retained publishers unchecked: withholding them');
        withheld.unchecked.push(filter);
      }
    }
    return withheld;
  }

  async function* checked(
    filters: string[],
    open: (filters: string[]) => NodeJS.ReadableStream,
  ): AsyncGenerator<AedesPublishPacket> {
    const withheld = await withheldUnder(filters);
    for await (const packet of open(filters) as AsyncIterable<AedesPublishPacket>) {
      const denied =
        withheld.topics.has(packet.topic) ||
        withheld.unchecked.some((filter) => matchesFilter(filter, packet.topic));
      if (denied) deps.metrics.retainedWithheld.inc();
      else yield packet;
    }
  }

  keepOwnBytes(store);
  const open = store.createRetainedStreamCombi.bind(store);
  store.createRetainedStreamCombi = (filters) => Readable.from(checked(filters, open));

  return {
    /** aedes' `publish` event: a retained message was stored (or cleared) by this broker. */
    published(packet: AedesPublishPacket | PublishPacket, client: Client | null): void {
      if (!packet.retain || packet.topic.startsWith('$')) return;
      const session = client ? deps.sessions.get(client) : undefined;
      if (client && !session) return;
      pending.set(
        packet.topic,
        packet.payload.length === 0
          ? null
          : {
              topic: packet.topic,
              brokerId: deps.storeId,
              publisher: session
                ? { ...session.principal, credentialId: session.credentialId }
                : { kind: 'broker', id: deps.brokerId, role: 'service' },
              qos: packet.qos,
              payloadBytes: packet.payload.length,
              publishedAt: new Date(),
            },
      );
      flushSoon();
    },

    /** An operator's removal (NOTIFY retained_actions): gone from this broker's store. */
    async remove(topic: string): Promise<void> {
      await store.storeRetained({ topic, payload: Buffer.alloc(0) });
      pending.delete(topic);
      await writing;
      await forgetRetained(deps.db, deps.storeId, [topic]);
      deps.log.info({ topic }, 'retained message removed by an operator');
    },

    /** Writes what is pending (at shutdown). */
    async flush(): Promise<void> {
      const batch = pending;
      pending = new Map();
      writing = writing.then(() => write(batch));
      await writing;
    },
  };
}

export type RetainedSources = ReturnType<typeof createRetainedSources>;
