import { matchesFilter } from '@twinwire/acl/topic-filter';
import type { FastifyBaseLogger } from 'fastify';
import type { ISubscriptionMap, MqttClient } from 'mqtt';
import type { BrokerListener, BrokerMessage, BrokerSubscription } from '../broker-link.ts';

interface FilterEntry {
  filter: string;
  wildcard: boolean;
  listeners: Set<BrokerListener>;
  ready: Promise<void>;
  /** Set while the entry has no listener and waits out `lingerMs` before unsubscribing. */
  idle?: NodeJS.Timeout;
}

/**
 * Local listeners fan in: the broker sees one subscription per distinct filter however many
 * dashboards or devices want it, and each delivered message is dispatched synchronously to
 * every listener whose filter matches.
 */
export function createFilterFanIn(deps: {
  client: MqttClient;
  log: FastifyBaseLogger;
  /** How long a filter stays subscribed after its last listener leaves. */
  lingerMs: number;
}) {
  const { client, log, lingerMs } = deps;
  const entries = new Map<string, FilterEntry>();
  const wildcards = new Set<FilterEntry>();
  /**
   * UNSUBSCRIBEs not yet acknowledged, by filter. aedes handles one client's packets
   * concurrently, so a SUBSCRIBE sent right after an UNSUBSCRIBE of the same filter can be
   * undone by it: a new subscription to the filter waits for the UNSUBACK.
   */
  const unsubscribing = new Map<string, Promise<void>>();

  function dispatchTo(entry: FilterEntry, message: BrokerMessage): void {
    for (const listener of entry.listeners) {
      try {
        listener(message);
      } catch (error) {
        log.error({ err: error, filter: entry.filter }, 'broker listener failed');
      }
    }
  }

  function subscribe(filter: string): Promise<void> {
    // `resubscribe: true` makes mqtt.js always send the SUBSCRIBE: otherwise it skips a filter
    // it still remembers, which it does while an UNSUBSCRIBE for it waits in its queue (a
    // filter closed and listened to again at once), and the broker then ends up with none.
    const request = { [filter]: { qos: 1 } } as ISubscriptionMap;
    request.resubscribe = true;
    return client.subscribeAsync(request).then((granted) => {
      // 0x80 and above: refused (3.1.1's 128, MQTT 5's reason codes such as 0x87).
      if (granted.some((grant) => grant.qos >= 0x80))
        throw new Error(`the broker refused the subscription to ${filter}`);
    });
  }

  function unsubscribeIdle(entry: FilterEntry): void {
    if (entry.listeners.size > 0 || entries.get(entry.filter) !== entry) return;
    entries.delete(entry.filter);
    wildcards.delete(entry);
    if (client.disconnecting) return;
    const done = client.unsubscribeAsync(entry.filter).then(
      () => undefined,
      (error: unknown) => {
        log.debug({ err: error, filter: entry.filter }, 'broker unsubscribe failed');
      },
    );
    unsubscribing.set(entry.filter, done);
    void done.then(() => {
      if (unsubscribing.get(entry.filter) === done) unsubscribing.delete(entry.filter);
    });
  }

  return {
    /** Hands a message from the broker to every local listener whose filter matches. */
    dispatch(message: BrokerMessage): void {
      const exact = entries.get(message.topic);
      if (exact && !exact.wildcard) dispatchTo(exact, message);
      for (const entry of wildcards) {
        if (matchesFilter(entry.filter, message.topic)) dispatchTo(entry, message);
      }
    },

    listen(filter: string, listener: BrokerListener): BrokerSubscription {
      let entry = entries.get(filter);
      if (!entry) {
        const ready = (unsubscribing.get(filter) ?? Promise.resolve()).then(() =>
          subscribe(filter),
        );
        // Callers that never await `ready` must not leave an unhandled rejection behind.
        ready.catch((error: unknown) => {
          log.warn({ err: error, filter }, 'broker subscription failed');
        });
        entry = {
          filter,
          wildcard: filter.includes('+') || filter.includes('#'),
          listeners: new Set(),
          ready,
        };
        entries.set(filter, entry);
        if (entry.wildcard) wildcards.add(entry);
      }
      const held = entry;
      clearTimeout(held.idle);
      held.idle = undefined;
      held.listeners.add(listener);
      let closed = false;
      return {
        ready: held.ready,
        close() {
          if (closed) return;
          closed = true;
          held.listeners.delete(listener);
          if (held.listeners.size > 0 || entries.get(filter) !== held) return;
          held.idle = setTimeout(() => {
            unsubscribeIdle(held);
          }, lingerMs);
          held.idle.unref();
        },
      };
    },

    /** Forgets every filter and its linger timer (the connection is ending). */
    close(): void {
      for (const entry of entries.values()) clearTimeout(entry.idle);
      entries.clear();
      wildcards.clear();
    },
  };
}
