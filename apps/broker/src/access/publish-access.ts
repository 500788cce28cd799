import type { Acl } from '@twinwire/acl/acl';
import { SHARE_PREFIX } from '@twinwire/acl/shared-subscription';
import type { Client, PublishPacket } from 'aedes';
import { mqttRefusal } from '../ingest/mqtt-outcomes.ts';
import { PublishQuota } from '../limits/publish-quota.ts';
import type { Logger } from '../log.ts';
import type { BrokerMetrics } from '../metrics.ts';
import { decisionsOf, type Session } from '../sessions.ts';
import { QUOTA_EXCEEDED, TOPIC_NAME_INVALID, type Refusal } from './refusal.ts';
import { topicLevels } from './topic-levels.ts';

/** Why a PUBLISH is refused, and for a client that ignores its refusals, the disconnect. */
export interface PublishRefusal {
  refusal: Refusal;
  /** MQTT 5.0 reason code of a DISCONNECT to send after the refusal. */
  disconnect?: number;
}

/**
 * May this client publish this PUBLISH at all, whatever the topic carries: topic depth, the
 * `$share/` names, the MQTT 5.0 publish rate, and the ACL (through the client's decision memo).
 * Run before anything is done with the message (ingest, routing).
 */
export function createPublishAccess(deps: {
  acl: () => Acl;
  metrics: BrokerMetrics;
  log: Logger;
  /** MQTT_MAX_TOPIC_LEVELS */
  maxTopicLevels: number;
  /** MQTT_MAX_PUBLISH_RATE, 0 for none: what MQTT 5.0 clients are refused past. */
  maxPublishRate: number;
}) {
  const quotaOf = (session: Session) =>
    (session.quota ??= new PublishQuota(deps.maxPublishRate, performance.now()));

  return function refusePublish(
    client: Client,
    session: Session,
    packet: PublishPacket,
  ): PublishRefusal | undefined {
    const { principal } = session;
    // aedes hands over topics deeper than its router takes, for an answer [MQTT-4.7.3].
    const levels = topicLevels(packet.topic);
    if (levels > deps.maxTopicLevels) {
      deps.metrics.topicsTooDeep.inc({ packet: 'publish' });
      deps.log.info({ clientId: client.id, levels }, 'publish refused: topic too deep');
      const message = `topic has ${levels} levels; at most ${deps.maxTopicLevels} are allowed`;
      return {
        refusal: { code: 'TWW_TOPIC_TOO_DEEP', message, reasonCode: TOPIC_NAME_INVALID },
      };
    }
    // `$share/...` names shared subscriptions [MQTT-4.8.2]: a message there would reach
    // aedes' own (idle) subscriptions to those filters, and be kept as retained for them.
    if (packet.topic.startsWith(SHARE_PREFIX)) {
      const message = 'topics under $share/ name shared subscriptions; nothing is published there';
      return {
        refusal: { code: 'TWW_TOPIC_RESERVED', message, reasonCode: TOPIC_NAME_INVALID },
      };
    }
    // The API's service link carries every WebSocket device and every command: it is
    // trusted infrastructure, not one client, so the per-connection rate does not apply.
    if (client.version === 5 && deps.maxPublishRate > 0 && principal.kind !== 'service') {
      const verdict = quotaOf(session).take(performance.now());
      if (verdict !== 'within') {
        deps.metrics.publishesOverRate.inc();
        const ignored = verdict === 'ignored';
        const refusal = mqttRefusal({
          kind: 'rate-limited',
          perSecond: deps.maxPublishRate,
          ignored,
        });
        if (!ignored) return { refusal };
        deps.log.info({ clientId: client.id }, 'disconnecting: publish rate refusals ignored');
        return { refusal, disconnect: QUOTA_EXCEEDED };
      }
    }
    if (!decisionsOf(session).mayPublish(deps.acl(), packet.topic)) {
      deps.metrics.publishesDenied.inc();
      deps.log.debug({ clientId: client.id, topic: packet.topic }, 'publish denied');
      return { refusal: mqttRefusal({ kind: 'denied' }) };
    }
    return undefined;
  };
}

export type RefusePublish = ReturnType<typeof createPublishAccess>;
