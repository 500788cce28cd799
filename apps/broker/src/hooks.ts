import type { Acl } from '@twinwire/acl/acl';
import { parseSharedFilter, SHARE_PREFIX } from '@twinwire/acl/shared-subscription';
import { parseDeviceTopic } from '@twinwire/schemas/topics';
import { parseDeviceStatus } from '@twinwire/schemas/validate';
import type { AedesPublishPacket, Client, PublishPacket, Subscription } from 'aedes';
import {
  createRefusals,
  DROPPED_TOPIC,
  NOT_AUTHORIZED,
  PAYLOAD_FORMAT_INVALID,
  QUOTA_EXCEEDED,
  TOPIC_FILTER_INVALID,
  TOPIC_NAME_INVALID,
} from './access/refusal.ts';
import { topicLevels } from './access/topic-levels.ts';
import { TopicDecisions } from './access/topic-decisions.ts';
import type { NotifyDevice } from './device-errors.ts';
import type { TelemetryIngest } from './ingest/telemetry-ingest.ts';
import { PublishQuota } from './limits/publish-quota.ts';
import type { Logger } from './log.ts';
import type { BrokerMetrics } from './metrics.ts';
import type { Session, SessionRegistry } from './sessions.ts';
import { sharedGroupOf } from './shared-subscriptions/shared-message.ts';

function decisionsOf(session: Session): TopicDecisions {
  return (session.decisions ??= new TopicDecisions(session.principal));
}

export function createAccessHooks(deps: {
  acl: () => Acl;
  sessions: SessionRegistry;
  ingest: TelemetryIngest;
  notify: NotifyDevice;
  metrics: BrokerMetrics;
  log: Logger;
  /** MQTT_MAX_TOPIC_LEVELS */
  maxTopicLevels: number;
  /** MQTT_MAX_PUBLISH_RATE, 0 for none: what MQTT 5.0 clients are refused past. */
  maxPublishRate: number;
}) {
  const refuse = createRefusals(deps.notify);
  const quotaOf = (session: Session) =>
    (session.quota ??= new PublishQuota(deps.maxPublishRate, performance.now()));

  return {
    authorizePublish: (
      client: Client | null,
      packet: PublishPacket,
      callback: (error?: Error | null) => void,
    ): void => {
      // A will published after its client is gone was authorized when the client connected.
      if (!client) {
        callback(null);
        return;
      }
      const session = deps.sessions.get(client);
      if (!session) {
        callback(new Error('publish from a client without a session'));
        return;
      }
      const { principal } = session;
      deps.metrics.countPublishReceived(packet.qos);
      // aedes hands over topics deeper than its router takes, for an answer [MQTT-4.7.3].
      const levels = topicLevels(packet.topic);
      if (levels > deps.maxTopicLevels) {
        deps.metrics.topicsTooDeep.inc({ packet: 'publish' });
        deps.log.info({ clientId: client.id, levels }, 'publish refused: topic too deep');
        const message = `topic has ${levels} levels; at most ${deps.maxTopicLevels} are allowed`;
        refuse(
          client,
          session,
          packet,
          { code: 'TWW_TOPIC_TOO_DEEP', message, reasonCode: TOPIC_NAME_INVALID },
          callback,
        );
        return;
      }
      // `$share/...` names shared subscriptions [MQTT-4.8.2]: a message there would reach
      // aedes' own (idle) subscriptions to those filters, and be kept as retained for them.
      if (packet.topic.startsWith(SHARE_PREFIX)) {
        const message =
          'topics under $share/ name shared subscriptions; nothing is published there';
        refuse(
          client,
          session,
          packet,
          { code: 'TWW_TOPIC_RESERVED', message, reasonCode: TOPIC_NAME_INVALID },
          callback,
        );
        return;
      }
      // The API's service link carries every WebSocket device and every command: it is
      // trusted infrastructure, not one client, so the per-connection rate does not apply.
      if (client.version === 5 && deps.maxPublishRate > 0 && principal.kind !== 'service') {
        const verdict = quotaOf(session).take(performance.now());
        if (verdict !== 'within') {
          deps.metrics.publishesOverRate.inc();
          const message = `more than ${deps.maxPublishRate} publishes per second`;
          refuse(
            client,
            session,
            packet,
            { code: 'TWW_RATE_LIMITED', message, reasonCode: QUOTA_EXCEEDED },
            callback,
          );
          if (verdict === 'ignored') {
            deps.log.info({ clientId: client.id }, 'disconnecting: publish rate refusals ignored');
            client.disconnect({ reasonCode: QUOTA_EXCEEDED });
          }
          return;
        }
      }
      if (!decisionsOf(session).mayPublish(deps.acl(), packet.topic)) {
        deps.metrics.publishesDenied.inc();
        deps.log.debug({ clientId: client.id, topic: packet.topic }, 'publish denied');
        const message = 'you may not publish to this topic';
        refuse(
          client,
          session,
          packet,
          { code: 'TWW_ACL_DENIED', message, reasonCode: NOT_AUTHORIZED },
          callback,
        );
        return;
      }
      const target = principal.kind === 'device' ? parseDeviceTopic(packet.topic) : null;
      if (target?.kind === 'telemetry') {
        void deps.ingest(target.deviceId, packet.payload, packet.qos).then((outcome) => {
          if (typeof outcome === 'object') refuse(client, session, packet, outcome, callback);
          else callback(null);
        });
        return;
      }
      if (target?.kind === 'status') {
        const status = parseDeviceStatus(packet.payload);
        if (!status.ok) {
          const { code, message } = status.error;
          refuse(
            client,
            session,
            packet,
            { code, message, reasonCode: PAYLOAD_FORMAT_INVALID },
            callback,
          );
          return;
        }
      }
      callback(null);
    },

    authorizeSubscribe: (
      client: Client,
      subscription: Subscription,
      callback: (error: Error | null, subscription?: Subscription | null) => void,
    ): void => {
      const levels = topicLevels(subscription.topic);
      if (levels > deps.maxTopicLevels) {
        deps.metrics.topicsTooDeep.inc({ packet: 'subscribe' });
        deps.log.info({ clientId: client.id, levels }, 'subscription refused: filter too deep');
        // [MQTT-3.9.3] SUBACK 0x80 for this filter (MQTT 5.0: 0x8F Topic Filter invalid).
        const error = new Error(`filter has ${levels} levels; at most ${deps.maxTopicLevels}`);
        callback(Object.assign(error, { reasonCode: TOPIC_FILTER_INVALID }));
        return;
      }
      const shared = parseSharedFilter(subscription.topic);
      if (shared === 'invalid') {
        deps.log.info({ clientId: client.id, filter: subscription.topic }, 'shared filter invalid');
        // [MQTT-4.8.2-1] [MQTT-4.8.2-2] SUBACK 0x80 (MQTT 5.0: 0x8F Topic Filter invalid).
        const error = new Error('a shared subscription is $share/{group}/{filter}');
        callback(Object.assign(error, { reasonCode: TOPIC_FILTER_INVALID }));
        return;
      }
      if (shared && (subscription as { nl?: boolean }).nl === true) {
        // [MQTT-3.8.3-4] No Local on a shared subscription is a Protocol Error: aedes closes.
        callback(new Error('No Local set on a shared subscription'));
        return;
      }
      const session = deps.sessions.get(client);
      if (session && deps.acl().authorizeSubscribe(session.principal, subscription.topic)) {
        // No retained message is sent for a shared subscription (MQTT 5.0 §4.8.2): aedes looks
        // them up under `$share/...`, where nothing may be published.
        callback(null, subscription);
        return;
      }
      deps.metrics.subscriptionsDenied.inc();
      deps.log.debug({ clientId: client.id, filter: subscription.topic }, 'subscription denied');
      // [MQTT-3.9.3] a null subscription is answered with SUBACK 0x80 (MQTT 5.0: 0x87).
      callback(null, null);
    },

    /**
     * Rules may change after a subscription was granted: every delivery is re-checked. (Retained
     * messages sent on SUBSCRIBE were checked against their publishers' rights already, in
     * retained-sources.ts.)
     */
    authorizeForward: (client: Client, packet: AedesPublishPacket): AedesPublishPacket | null => {
      if (packet.topic === DROPPED_TOPIC) return null;
      const session = deps.sessions.get(client);
      // A shared subscription's delivery is held to the rules that granted it: they may name
      // its group (`$share/{group}/...`).
      const group = sharedGroupOf(packet);
      const topic = group === undefined ? packet.topic : `${SHARE_PREFIX}${group}/${packet.topic}`;
      if (!session || !decisionsOf(session).mayReceive(deps.acl(), topic)) return null;
      return packet;
    },
  };
}
