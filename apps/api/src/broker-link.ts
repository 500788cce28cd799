import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { BrokerUnavailable } from './errors.ts';
import { CloserStack } from './broker-link/closer-stack.ts';
import { createFilterFanIn } from './broker-link/filter-fan-in.ts';
import { createLinkPublisher } from './broker-link/link-publisher.ts';
import { connectAsService } from './broker-link/service-connection.ts';

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

/**
 * The API's one MQTT connection to the broker (service-connection.ts), its local listeners
 * fanned in to one subscription per filter (filter-fan-in.ts), and its publishes kept within
 * the broker's limits (link-publisher.ts). What it opens is closed through one stack, by
 * `close()` and by a construction that fails half-way alike.
 */
export function createBrokerLink(options: BrokerLinkOptions): BrokerLink {
  const closers = new CloserStack();
  try {
    const connection = connectAsService({
      url: options.url,
      secret: options.secret,
      log: options.log,
      reconnectPeriodMs: options.reconnectPeriodMs ?? 1_000,
    });
    closers.push(() => connection.close());
    const publisher = createLinkPublisher(connection.client);
    // Before `ready` resolves (its waiters wake in a later microtask): the first publish
    // already sees the broker's Receive Maximum.
    connection.client.on('connect', (connack) => {
      publisher.connected(connack.properties?.receiveMaximum);
    });
    const filters = createFilterFanIn({
      client: connection.client,
      log: options.log,
      lingerMs: options.lingerMs ?? 2_000,
    });
    closers.push(() => {
      filters.close();
    });
    connection.client.on('message', (topic, payload, packet) => {
      const message: BrokerMessage = {
        topic,
        payload,
        retain: packet.retain,
        receivedAt: Date.now(),
      };
      const correlationData = packet.properties?.correlationData;
      if (correlationData) message.correlationData = correlationData;
      filters.dispatch(message);
    });
    const { client } = connection;
    return {
      get connected() {
        return client.connected;
      },
      ready: (timeoutMs = 10_000) => connection.ready(timeoutMs),
      listen: (filter, listener) => filters.listen(filter, listener),
      publish: (topic, payload, publishOptions) =>
        publisher.publish(topic, payload, publishOptions),
      close: () => closers.close(),
    };
  } catch (error) {
    void closers.close();
    throw error;
  }
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
