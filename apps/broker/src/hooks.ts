import type { Acl } from '@twinwire/acl/acl';
import { parseSharedFilter, SHARE_PREFIX } from '@twinwire/acl/shared-subscription';
import { parseDeviceTopic } from '@twinwire/schemas/topics';
import { parseDeviceStatus } from '@twinwire/schemas/validate';
import type { AedesPublishPacket, Client, PublishPacket, Subscription } from 'aedes';
import type { RefusePublish } from './access/publish-access.ts';
import { DROPPED_TOPIC, TOPIC_FILTER_INVALID, type Refuse } from './access/refusal.ts';
import { topicLevels } from './access/topic-levels.ts';
import type { MqttIngest } from './ingest/mqtt-ingest.ts';
import { mqttRefusal } from './ingest/mqtt-outcomes.ts';
import type { Logger } from './log.ts';
import type { BrokerMetrics } from './metrics.ts';
import { decisionsOf, type SessionRegistry } from './sessions.ts';
import { sharedGroupOf } from './shared-subscriptions/shared-message.ts';

/**
 * aedes' hooks, where the broker's policy comes in. A PUBLISH is checked for access
 * (access/publish-access.ts), then what it carries is taken: a device's telemetry goes to the
 * device core's ingest (ingest/mqtt-ingest.ts) and is acknowledged as its outcome says;
 * aedes offers no other place that can hold the acknowledgement until the commit.
 */
export function createBrokerHooks(deps: {
  acl: () => Acl;
  sessions: SessionRegistry;
  refusePublish: RefusePublish;
  ingest: MqttIngest;
  refuse: Refuse;
  metrics: BrokerMetrics;
  log: Logger;
  /** MQTT_MAX_TOPIC_LEVELS */
  maxTopicLevels: number;
}) {
  const { refuse } = deps;

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
      deps.metrics.countPublishReceived(packet.qos);
      const refused = deps.refusePublish(client, session, packet);
      if (refused) {
        refuse(client, session, packet, refused.refusal, callback);
        if (refused.disconnect !== undefined) client.disconnect({ reasonCode: refused.disconnect });
        return;
      }
      const target = session.principal.kind === 'device' ? parseDeviceTopic(packet.topic) : null;
      if (target?.kind === 'telemetry') {
        deps.ingest.accept(client, session, packet, target.deviceId, callback);
        return;
      }
      if (target?.kind === 'status') {
        const status = parseDeviceStatus(packet.payload);
        if (!status.ok) {
          const refusal = mqttRefusal({ kind: 'invalid', reason: status.error });
          refuse(client, session, packet, refusal, callback);
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
