import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { matchesFilter } from '@twinwire/acl/topic-filter';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import mqtt, { type IClientPublishOptions, type ISubscriptionMap, type MqttClient } from 'mqtt';
import { BrokerUnavailable } from './errors.ts';
import { createInflightWindow, MAX_RECEIVE_MAXIMUM } from './inflight-window.ts';
import { createQuotaPause, QUOTA_EXCEEDED, QUOTA_PAUSE_MS } from './quota-pause.ts';

/** One message from the broker, shared by every local listener it is delivered to. */
export interface BrokerMessage {
  topic: string;
  payload: Buffer;
  retain: boolean;
  /** When the API received it, epoch ms. */
  receivedAt: number;
  /** MQTT 5 Correlation Data, when the publisher set it (a response to a request). */
  correlationData?: Buffer;
}

export interface BrokerPublishOptions {
  qos: 0 | 1;
  retain?: boolean;
  /**
   * MQTT 5 request/response [MQTT-4.10]: where the receiver should answer and the bytes it
   * echoes back. Dropped by the broker for MQTT 3.1.1 receivers, which never see them.
   */
  request?: { responseTopic: string; correlationData: Buffer };
}

export type BrokerListener = (message: BrokerMessage) => void;

export interface BrokerSubscription {
  /** Resolves once the broker granted the filter (SUBACK), so nothing published after is missed. */
  readonly ready: Promise<void>;
  /** Stops this listener; the broker subscription ends with its last listener. */
  close(): void;
}

export interface BrokerLink {
  /** True while the MQTT connection is up. */
  readonly connected: boolean;
  /** Resolves on the first successful connection; rejects after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
  /** Calls `listener` for every message on a topic matching `filter` (MQTT wildcards allowed). */
  listen(filter: string, listener: BrokerListener): BrokerSubscription;
  /** Resolves when the broker has the message (PUBACK for QoS 1). */
  publish(topic: string, payload: string | Buffer, options: BrokerPublishOptions): Promise<void>;
  close(): Promise<void>;
}

export interface BrokerLinkOptions {
  url: string;
  /** The service principal's password (the broker's SERVICE_SECRET). */
  secret: string;
  log: FastifyBaseLogger;
  reconnectPeriodMs?: number;
  /**
   * How long a filter stays subscribed after its last listener leaves, so a dashboard that
   * unsubscribes and subscribes again (a page remount) reuses it. Default 2 s.
   */
  lingerMs?: number;
}

interface FilterEntry {
  filter: string;
  wildcard: boolean;
  listeners: Set<BrokerListener>;
  ready: Promise<void>;
  /** Set while the entry has no listener and waits out `lingerMs` before unsubscribing. */
  idle?: NodeJS.Timeout;
}

/**
 * The API's one MQTT connection, as the service principal, speaking MQTT 5.0 (commands carry
 * Response Topic and Correlation Data). Local listeners fan in: the broker sees one
 * subscription per distinct filter however many dashboards or devices want it, and each
 * delivered message is dispatched synchronously to every listener whose filter matches.
 */
export function createBrokerLink(options: BrokerLinkOptions): BrokerLink {
  const { log } = options;
  const client: MqttClient = mqtt.connect(options.url, {
    clientId: `service/api-${randomBytes(6).toString('hex')}`,
    protocolVersion: 5,
    username: 'service',
    password: options.secret,
    clean: true,
    keepalive: 30,
    reconnectPeriod: options.reconnectPeriodMs ?? 1_000,
    connectTimeout: 5_000,
    // mqtt.js resubscribes the filters still held after a reconnect (the session is clean).
    resubscribe: true,
  });
  const entries = new Map<string, FilterEntry>();
  const wildcards = new Set<FilterEntry>();
  /**
   * UNSUBSCRIBEs not yet acknowledged, by filter. aedes handles one client's packets
   * concurrently, so a SUBSCRIBE sent right after an UNSUBSCRIBE of the same filter can be
   * undone by it: a new subscription to the filter waits for the UNSUBACK.
   */
  const unsubscribing = new Map<string, Promise<void>>();
  const lingerMs = options.lingerMs ?? 2_000;
  let everConnected = false;
  let connectedWaiters: (() => void)[] = [];
  // The broker's Receive Maximum bounds our unacknowledged QoS 1 publishes [MQTT-4.9.0-2]
  // (the broker disconnects with 0x93 past it); mqtt.js does not enforce it on its side.
  const inflight = createInflightWindow();
  const quota = createQuotaPause();

  client.on('connect', (connack) => {
    inflight.resize(connack.properties?.receiveMaximum ?? MAX_RECEIVE_MAXIMUM);
    // Small frames (telemetry, acks) must not wait for Nagle's algorithm.
    (client.stream as Partial<Socket>).setNoDelay?.(true);
    if (!everConnected) log.info('connected to the broker');
    else log.info('reconnected to the broker');
    everConnected = true;
    for (const wake of connectedWaiters) wake();
    connectedWaiters = [];
  });
  client.on('offline', () => {
    log.warn('broker connection lost; reconnecting');
  });
  client.on('error', (error) => {
    log.warn({ err: error }, 'broker connection error');
  });

  function dispatch(entry: FilterEntry, message: BrokerMessage): void {
    for (const listener of entry.listeners) {
      try {
        listener(message);
      } catch (error) {
        log.error({ err: error, filter: entry.filter }, 'broker listener failed');
      }
    }
  }

  client.on('message', (topic, payload, packet) => {
    const message: BrokerMessage = {
      topic,
      payload,
      retain: packet.retain,
      receivedAt: Date.now(),
    };
    const correlationData = packet.properties?.correlationData;
    if (correlationData) message.correlationData = correlationData;
    const exact = entries.get(topic);
    if (exact && !exact.wildcard) dispatch(exact, message);
    for (const entry of wildcards) {
      if (matchesFilter(entry.filter, topic)) dispatch(entry, message);
    }
  });

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
    get connected() {
      return client.connected;
    },
    ready(timeoutMs = 10_000) {
      if (client.connected) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`no broker connection to ${options.url} after ${timeoutMs} ms`));
        }, timeoutMs);
        connectedWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    listen(filter, listener) {
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
    async publish(topic, payload, publishOptions) {
      const { qos, request } = publishOptions;
      const packetOptions: IClientPublishOptions = { qos, retain: publishOptions.retain ?? false };
      if (request) packetOptions.properties = { ...request };
      if (qos === 0) {
        await client.publishAsync(topic, payload, packetOptions);
        return;
      }
      for (;;) {
        await inflight.acquire();
        try {
          // After taking a place: publishes queued for one must also wait out a pause.
          await quota.clear();
          await client.publishAsync(topic, payload, packetOptions);
          return;
        } catch (error) {
          if ((error as { code?: unknown }).code !== QUOTA_EXCEEDED) throw error;
          quota.pause(QUOTA_PAUSE_MS);
        } finally {
          inflight.release();
        }
      }
    },
    async close() {
      for (const wake of connectedWaiters) wake();
      connectedWaiters = [];
      for (const entry of entries.values()) clearTimeout(entry.idle);
      entries.clear();
      wildcards.clear();
      // A graceful end waits for in-flight QoS 1 publishes; a broker that is gone cannot ack them.
      let timer: NodeJS.Timeout | undefined;
      const forced = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          client.end(true, () => {
            resolve();
          });
        }, 2_000);
      });
      await Promise.race([client.endAsync(false), forced]);
      clearTimeout(timer);
    },
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The service MQTT connection; null when the API runs without a broker (REST only). */
    brokerLink: BrokerLink | null;
  }
}

/** Decorates the app with the broker link and closes it when the app closes. */
export const brokerLinkPlugin = fp(
  async (app: FastifyInstance, options: { link: BrokerLink | undefined }) => {
    app.decorate('brokerLink', options.link ?? null);
    app.addHook('onClose', async () => {
      await options.link?.close();
    });
  },
  { name: 'broker-link' },
);

/** The link when it is connected; routes answer 503 TWW_BROKER_UNAVAILABLE otherwise. */
export function connectedLink(app: FastifyInstance): BrokerLink | null {
  const link = app.brokerLink;
  return link?.connected ? link : null;
}

/**
 * The body of a 503 when the broker is unreachable, for the WebSocket upgrade that sends it
 * itself; routes throw {@link BrokerUnavailable} to the error handler instead.
 */
export const brokerUnavailable = (({ code, message }) => ({ code, message }))(
  new BrokerUnavailable(),
);
