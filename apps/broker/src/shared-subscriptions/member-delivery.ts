import type { AedesPublishPacket, Client } from 'aedes';
import { InFlight } from './in-flight.ts';
import { SHARED_GROUP, type SharedMessage } from './shared-message.ts';

/** What aedes keeps of a client's subscription (`client.subscriptions[filter]`). */
interface GrantedSubscription {
  qos: 0 | 1 | 2;
  /** Retain As Published. */
  rap?: boolean;
  /** Subscription Identifier. */
  si?: number;
}

/** The aedes client internals a delivery outside aedes' router uses (not in its types). */
export type MemberClient = Client & {
  subscriptions: Record<string, GrantedSubscription | undefined>;
  deliver0(packet: AedesPublishPacket, done: () => void): void;
  deliverQoS(packet: AedesPublishPacket, done: () => void): void;
};

export interface SessionQueue {
  outgoingEnqueue(subscription: { clientId: string }, packet: unknown): Promise<void>;
  outgoingClearMessageId(client: { id: string }, packet: { messageId: number }): Promise<unknown>;
}

const noop = () => undefined;

/**
 * Hands one message to one member the way aedes hands a routed message to a subscriber: QoS
 * capped by the subscription's, retain flag kept only with Retain As Published, the
 * Subscription Identifier echoed [MQTT-3.3.4-3], and for a persistent session the message
 * queued in its session first, so it is resent after a reconnect like any other.
 *
 * Deliveries carry a broker id of their own (`<broker>~shared`) with a counter: aedes drops a
 * packet whose counter it has seen from that broker id (its duplicate filter), and a shared
 * copy must reach a client that also got the message through a plain subscription. Deliveries
 * to a persistent session are chained per client, so the counters reach aedes in order.
 */
export function createMemberDelivery(deps: {
  brokerId: string;
  queue: SessionQueue;
  authorizeForward: (client: Client, packet: AedesPublishPacket) => AedesPublishPacket | null;
}) {
  const deliveryBrokerId = `${deps.brokerId}~shared`;
  let counter = 0;
  const inFlight = new InFlight<SharedMessage>();
  const chains = new WeakMap<Client, Promise<void>>();

  function packetFor(
    message: SharedMessage,
    group: string,
    qos: 0 | 1 | 2,
    subscription?: GrantedSubscription,
  ) {
    const properties =
      subscription?.si === undefined
        ? message.properties
        : { ...message.properties, subscriptionIdentifier: subscription.si };
    return {
      cmd: 'publish' as const,
      topic: message.topic,
      payload: message.payload,
      qos,
      retain: subscription?.rap === true ? message.retain : false,
      dup: false,
      brokerId: deliveryBrokerId,
      brokerCounter: 0,
      [SHARED_GROUP]: group,
      ...(properties ? { properties } : {}),
      ...(message.messageExpiry === undefined ? {} : { messageExpiry: message.messageExpiry }),
    } as AedesPublishPacket & { brokerCounter: number; messageId?: number };
  }

  return {
    inFlight,

    /**
     * Sends the message to a connected member. False when the member no longer holds the
     * subscription; 'withheld' when the ACL no longer lets it receive the topic.
     */
    toConnected(
      client: MemberClient,
      share: string,
      group: string,
      message: SharedMessage,
    ): boolean | 'withheld' {
      const subscription = client.subscriptions[share];
      if (!subscription) return false;
      const qos = Math.min(message.qos, subscription.qos) as 0 | 1 | 2;
      const packet = packetFor(message, group, qos, subscription);
      if (!deps.authorizeForward(client, packet)) return 'withheld';
      if (qos === 0) {
        packet.brokerCounter = ++counter;
        client.deliver0(packet, noop);
        return true;
      }
      packet.messageId = inFlight.add(client, { share, message });
      if (client.clean) {
        packet.brokerCounter = ++counter;
        client.deliverQoS(packet, noop);
        return true;
      }
      const previous = chains.get(client) ?? Promise.resolve();
      const next = previous.then(async () => {
        packet.brokerCounter = ++counter;
        await deps.queue.outgoingEnqueue({ clientId: client.id }, packet).catch(noop);
        client.deliverQoS(packet, noop);
      });
      chains.set(client, next);
      return true;
    },

    /** Queues a QoS 1/2 message in a persistent member's session while it is away. */
    async toAway(clientId: string, group: string, message: SharedMessage): Promise<void> {
      if (message.qos === 0) return;
      const packet = packetFor(message, group, message.qos);
      packet.brokerCounter = ++counter;
      await deps.queue.outgoingEnqueue({ clientId }, packet);
    },

    /** Forgets a message the member will not be sent again from its session. */
    async unqueue(clientId: string, messageId: number): Promise<void> {
      await deps.queue.outgoingClearMessageId({ id: clientId }, { messageId });
    },
  };
}
