import type { Acl } from '@twinwire/acl/acl';
import { parseDeviceTopic } from '@twinwire/schemas/topics';
import { parseDeviceStatus } from '@twinwire/schemas/validate';
import type { AedesPublishPacket, Client, PublishPacket, Subscription } from 'aedes';
import { TopicDecisions } from './access/topic-decisions.ts';
import type { NotifyDevice } from './device-errors.ts';
import type { TelemetryIngest } from './ingest/telemetry-ingest.ts';
import type { Logger } from './log.ts';
import type { BrokerMetrics } from './metrics.ts';
import type { Session, SessionRegistry } from './sessions.ts';

/**
 * Where refused publishes go. [MQTT-3.3.5-2] a server that does not authorize a PUBLISH must
 * acknowledge it or close the connection; we acknowledge (the device stays connected and is
 * told why on its errors topic) and route the packet to a topic no rule lets anyone
 * subscribe to. Rewriting the packet, rather than flagging it in memory, keeps it dropped on
 * every broker of a cluster.
 */
export const DROPPED_TOPIC = '$twinwire/dropped';

function drop(packet: PublishPacket): void {
  packet.topic = DROPPED_TOPIC;
  packet.payload = Buffer.alloc(0);
  packet.retain = false;
}

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
}) {
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
      if (!decisionsOf(session).mayPublish(deps.acl(), packet.topic)) {
        deps.metrics.publishesDenied.inc();
        deps.log.debug({ clientId: client.id, topic: packet.topic }, 'publish denied');
        if (principal.kind === 'device') {
          deps.notify(
            principal.id,
            { code: 'TWW_ACL_DENIED', message: 'you may not publish to this topic' },
            packet.topic,
          );
        }
        drop(packet);
        callback(null);
        return;
      }
      const target = principal.kind === 'device' ? parseDeviceTopic(packet.topic) : null;
      if (target?.kind === 'telemetry') {
        void deps
          .ingest(target.deviceId, packet.topic, packet.payload, packet.qos)
          .then((outcome) => {
            if (outcome === 'refused') drop(packet);
            callback(null);
          });
        return;
      }
      if (target?.kind === 'status') {
        const status = parseDeviceStatus(packet.payload);
        if (!status.ok) {
          deps.notify(
            target.deviceId,
            { code: status.error.code, message: status.error.message },
            packet.topic,
          );
          drop(packet);
        }
      }
      callback(null);
    },

    authorizeSubscribe: (
      client: Client,
      subscription: Subscription,
      callback: (error: Error | null, subscription?: Subscription | null) => void,
    ): void => {
      const session = deps.sessions.get(client);
      if (session && deps.acl().authorizeSubscribe(session.principal, subscription.topic)) {
        callback(null, subscription);
        return;
      }
      deps.metrics.subscriptionsDenied.inc();
      deps.log.debug({ clientId: client.id, filter: subscription.topic }, 'subscription denied');
      // [MQTT-3.9.3] a null subscription is answered with SUBACK return code 0x80 (failure).
      callback(null, null);
    },

    /** Rules may change after a subscription was granted: every delivery is re-checked. */
    authorizeForward: (client: Client, packet: AedesPublishPacket): AedesPublishPacket | null => {
      if (packet.topic === DROPPED_TOPIC) return null;
      const session = deps.sessions.get(client);
      return session && decisionsOf(session).mayReceive(deps.acl(), packet.topic) ? packet : null;
    },
  };
}
