import type { Principal } from '@twinwire/acl/rules';
import { isValidTopicFilter } from '@twinwire/acl/topic-filter';
import type { Database } from '@twinwire/db/client';
import type { AclStore } from '@twinwire/db/acl-store';
import { TopicDecisions } from '@twinwire/devices/topic-decisions';
import { parseDeviceTopic } from '@twinwire/schemas/topics';
import { parseDashboardFrame } from '@twinwire/schemas/validate';
import type { SubscribeFrame } from '@twinwire/schemas/ws-frames';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from '@fastify/websocket';
import type { RawData } from 'ws';
import type { BrokerLink, BrokerMessage, BrokerSubscription } from '../broker-link.ts';
import type { LiveFrameCounts } from '../plugins/metrics.ts';
import { errorFrame, requestIdOf, toBuffer } from './frames.ts';
import { readRecentReadings } from './history.ts';
import { readingsOf } from '@twinwire/schemas/telemetry';
import { encodeMessage, historyFrame, readingKey } from './message-frames.ts';
import { Outbound, type SlowConsumerLimits } from './outbound.ts';

/** Subscriptions one dashboard socket may hold. */
const MAX_SUBSCRIPTIONS = 64;
/** Live messages held per subscription while its history is read. */
const MAX_SEAM_BUFFER = 10_000;
/**
 * Topics whose delivery decision a socket remembers (per ACL version), in the device core's
 * memo: a dashboard streams many devices' topics, and there are few dashboard sockets.
 */
const MAX_CACHED_TOPICS = 4_096;

interface LiveSubscription {
  id: string;
  filter: string;
  handle: BrokerSubscription;
  /** False while history is being read: live messages wait in `buffer`. */
  live: boolean;
  buffer: BrokerMessage[];
  overflowed: number;
  /** (ts, seq) of the readings sent as history: never sent again live. */
  historyKeys: Set<string> | undefined;
}

export interface LiveSessionDeps {
  socket: WebSocket;
  link: BrokerLink;
  acl: AclStore;
  db: Database;
  principal: Principal;
  limits: SlowConsumerLimits;
  /** The app's live-frame metrics, shared by every dashboard socket. */
  frameCounts: LiveFrameCounts;
  log: FastifyBaseLogger;
  onSlowClose: (dropped: number) => void;
}

/**
 * One dashboard connection on `/ws/live`.
 *
 * History then live, with no gap and no duplicate: the broker subscription is made and
 * granted (SUBACK) before history is read, and live messages arriving meanwhile are held.
 * Telemetry acked at QoS 1 (and every WebSocket device reading) is committed before the
 * broker routes it, so a reading is either in the history query or arrives live after the
 * SUBACK, possibly both: readings already sent as history are skipped by (ts, seq).
 * `subscribed` follows the history, so every message before it is history.
 */
export class LiveSession {
  private readonly subscriptions = new Map<string, LiveSubscription>();
  private readonly outbound: Outbound;
  /** One broker message matching two of this socket's filters is sent once. */
  private lastDelivered: BrokerMessage | undefined;
  private readonly decisions: TopicDecisions;
  private closed = false;

  constructor(private readonly deps: LiveSessionDeps) {
    this.decisions = new TopicDecisions(deps.principal, { maxTopics: MAX_CACHED_TOPICS });
    this.outbound = new Outbound(deps.socket, deps.limits, deps.frameCounts, () => {
      deps.onSlowClose(this.outbound.stats.dropped);
    });
    deps.socket.on('message', (data) => {
      this.onFrame(data);
    });
    deps.socket.on('close', () => {
      this.close();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.outbound.dispose();
    for (const subscription of this.subscriptions.values()) subscription.handle.close();
    this.subscriptions.clear();
  }

  private onFrame(data: RawData): void {
    const bytes = toBuffer(data);
    const parsed = parseDashboardFrame(bytes);
    if (!parsed.ok) {
      this.outbound.sendControl(
        errorFrame(parsed.error.code, parsed.error.message, requestIdOf(bytes)),
      );
      return;
    }
    const frame = parsed.value;
    switch (frame.type) {
      case 'subscribe':
        void this.subscribe(frame);
        break;
      case 'unsubscribe': {
        const subscription = this.subscriptions.get(frame.filter);
        if (subscription) {
          this.subscriptions.delete(frame.filter);
          subscription.handle.close();
        }
        // Unsubscribing from a filter not held is not an error: the outcome is the same.
        this.outbound.sendControl(JSON.stringify({ type: 'ack', id: frame.id }));
        break;
      }
    }
  }

  private refuse(id: string, code: string, message: string): void {
    this.outbound.sendControl(errorFrame(code, message, id));
  }

  private async subscribe(frame: SubscribeFrame): Promise<void> {
    const { id, filter } = frame;
    const { principal } = this.deps;
    if (!isValidTopicFilter(filter)) {
      this.refuse(id, 'TWW_INVALID_FILTER', `${filter} is not a valid MQTT topic filter`);
      return;
    }
    if (this.subscriptions.has(filter)) {
      this.refuse(id, 'TWW_ALREADY_SUBSCRIBED', `this connection already streams ${filter}`);
      return;
    }
    if (this.subscriptions.size >= MAX_SUBSCRIPTIONS) {
      this.refuse(
        id,
        'TWW_TOO_MANY_SUBSCRIPTIONS',
        `a connection may hold ${MAX_SUBSCRIPTIONS} subscriptions; unsubscribe from one first`,
      );
      return;
    }
    if (!this.deps.acl.current().authorizeSubscribe(principal, filter)) {
      this.refuse(
        id,
        'TWW_ACL_DENIED',
        `the access rules do not let ${principal.username ?? principal.id} (${principal.role}) subscribe to ${filter}`,
      );
      return;
    }
    const target = frame.history ? parseDeviceTopic(filter) : null;
    if (frame.history && target?.kind !== 'telemetry') {
      // A wildcard could match thousands of devices; history is per device by design.
      this.refuse(
        id,
        'TWW_HISTORY_UNSUPPORTED',
        `history is available for one device's telemetry (devices/<id>/telemetry), not ${filter}; subscribe without history or per device`,
      );
      return;
    }

    const subscription: LiveSubscription = {
      id,
      filter,
      live: false,
      buffer: [],
      overflowed: 0,
      historyKeys: undefined,
      handle: this.deps.link.listen(filter, (message) => {
        this.onMessage(subscription, message);
      }),
    };
    this.subscriptions.set(filter, subscription);
    const current = () => !this.closed && this.subscriptions.get(filter) === subscription;

    try {
      await subscription.handle.ready;
    } catch (error) {
      this.deps.log.warn({ err: error, filter }, 'live subscription refused by the broker');
      if (!current()) return;
      this.subscriptions.delete(filter);
      subscription.handle.close();
      this.refuse(
        id,
        'TWW_BROKER_UNAVAILABLE',
        'the message broker refused or lost the subscription; retry',
      );
      return;
    }
    if (frame.history && target?.kind === 'telemetry') {
      try {
        const rows = await readRecentReadings(this.deps.db, target.deviceId, frame.history);
        if (!current()) return;
        subscription.historyKeys = new Set();
        for (const row of rows) {
          subscription.historyKeys.add(readingKey(row));
          this.outbound.sendControl(historyFrame(filter, row));
        }
      } catch (error) {
        this.deps.log.error({ err: error, filter }, 'history query failed');
        if (!current()) return;
        this.subscriptions.delete(filter);
        subscription.handle.close();
        this.refuse(id, 'TWW_HISTORY_UNAVAILABLE', 'history could not be read right now; retry');
        return;
      }
    }
    if (!current()) return;
    this.outbound.sendControl(JSON.stringify({ type: 'subscribed', id, filter }));
    subscription.live = true;
    const held = subscription.buffer;
    subscription.buffer = [];
    for (const message of held) this.deliver(subscription, message);
    if (subscription.overflowed > 0) {
      this.refuse(
        id,
        'TWW_MESSAGES_DROPPED',
        `${subscription.overflowed} messages arriving while history was read were dropped`,
      );
    }
  }

  private onMessage(subscription: LiveSubscription, message: BrokerMessage): void {
    if (subscription.live) {
      this.deliver(subscription, message);
    } else if (subscription.buffer.length < MAX_SEAM_BUFFER) {
      subscription.buffer.push(message);
    } else {
      subscription.overflowed += 1;
      this.deps.frameCounts.dropped += 1;
    }
  }

  private deliver(subscription: LiveSubscription, message: BrokerMessage): void {
    if (message === this.lastDelivered) return;
    // Rules may have changed since the subscription was granted: decide per delivered topic.
    if (!this.mayReceive(message.topic)) return;
    this.lastDelivered = message;
    const encoded = encodeMessage(message);
    const historyKeys = subscription.historyKeys;
    if (historyKeys && historyKeys.size > 0) {
      const readings = readingsOf(encoded.json);
      const fresh = readings.filter((reading) => !historyKeys.has(readingKey(reading)));
      if (readings.length > 0 && fresh.length === 0) return;
      if (fresh.length < readings.length) {
        this.outbound.sendLive(
          Buffer.from(
            JSON.stringify({
              type: 'message',
              topic: message.topic,
              payload: { points: fresh },
              ts: message.receivedAt,
            }),
          ),
        );
        return;
      }
    }
    this.outbound.sendLive(encoded.frame);
  }

  private mayReceive(topic: string): boolean {
    return this.decisions.mayReceive(this.deps.acl.current(), topic);
  }
}
