import type { Database } from '@twinwire/db/client';
import type { AclStore } from '@twinwire/db/acl-store';
import type { FastifyPluginAsync } from 'fastify';
import { connectedLink } from '../broker-link.ts';
import { BrokerUnavailable } from '../errors.ts';
import { LiveSession } from './live-session.ts';
import { defaultSlowConsumerLimits, type SlowConsumerLimits } from './outbound.ts';

export interface LiveOptions {
  /** How far a dashboard may fall behind; defaults suit browsers on ordinary networks. */
  slowConsumer?: Partial<SlowConsumerLimits>;
  /** Told when a dashboard is closed for reading too slowly (e.g. to count it in a metric). */
  onSlowConsumerClosed?: (info: { userId: string; dropped: number }) => void;
}

/**
 * `/ws/live`: dashboards stream broker topics. Registered inside the protected context, so
 * the token (`?access_token=`) and the Origin are checked before the upgrade.
 */
export const liveRoutes: FastifyPluginAsync<{
  db: Database;
  acl: AclStore;
  live?: LiveOptions | undefined;
}> = async (app, options) => {
  const limits = { ...defaultSlowConsumerLimits, ...options.live?.slowConsumer };
  const sessions = new Set<LiveSession>();
  app.metrics.watchSessions('live', () => sessions.size);

  const requireBroker = async () => {
    if (!connectedLink(app)) throw new BrokerUnavailable();
  };

  app.get('/ws/live', { websocket: true, onRequest: requireBroker }, (socket, request) => {
    const link = connectedLink(app);
    if (!link) {
      socket.close(1011, 'the message broker is unreachable; retry');
      return;
    }
    const { sub, username, role } = request.user;
    const session = new LiveSession({
      socket,
      link,
      acl: options.acl,
      db: options.db,
      principal: { kind: 'user', id: sub, username, role },
      limits,
      frameCounts: app.metrics.liveFrames,
      log: request.log,
      onSlowClose: (dropped) => {
        request.log.warn({ userId: sub, dropped }, 'dashboard closed: reads too slowly');
        options.live?.onSlowConsumerClosed?.({ userId: sub, dropped });
      },
    });
    sessions.add(session);
    socket.on('close', () => sessions.delete(session));
  });

  app.addHook('preClose', async () => {
    for (const session of sessions) session.close();
    sessions.clear();
  });
};
