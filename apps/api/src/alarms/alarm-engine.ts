import { createAlarmEvaluator, type AlarmEvaluator } from '@twinwire/alarms/evaluator';
import { sweepNoData } from '@twinwire/alarms/no-data-sweep';
import type { AlarmEvent } from '@twinwire/schemas/alarms';
import { alarmsTopic } from '@twinwire/schemas/topics';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type pg from 'pg';

interface AlarmEngine {
  /** Evaluates readings this instance committed (the WebSocket device ingest). */
  evaluator: AlarmEvaluator;
  /** Publishes a transition this instance made on MQTT `alarms/{deviceId}`. */
  published(event: AlarmEvent): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    alarms: AlarmEngine;
  }
}

/**
 * The API's part of alarms: the evaluator its WebSocket device ingest commits through, the
 * "no reading for N seconds" sweep on a timer, and MQTT publication of the transitions this
 * instance made (through the broker link; the instance that made a transition is the one
 * that publishes it, so each goes out once).
 */
export const alarmEngine = fp(
  async (
    app: FastifyInstance,
    options: { pool: pg.Pool; databaseUrl: string | undefined; noDataSweepMs: number },
  ) => {
    const published = (event: AlarmEvent) => {
      const link = app.brokerLink;
      if (!link?.connected) return;
      link
        .publish(alarmsTopic(event.data.deviceId), JSON.stringify(event), { qos: 1 })
        .catch((error: unknown) => {
          app.log.warn({ err: error, eventId: event.id }, 'alarm event not published on MQTT');
        });
    };
    const evaluator = createAlarmEvaluator({
      pool: options.pool,
      log: app.log,
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
      onEvent: published,
    });
    await evaluator.ready;
    app.decorate('alarms', { evaluator, published });

    let sweeping: Promise<void> = Promise.resolve();
    const timer =
      options.noDataSweepMs > 0
        ? setInterval(() => {
            sweeping = sweepNoData(options.pool).then(
              (events) => {
                for (const event of events) published(event);
              },
              (error: unknown) => {
                app.log.warn({ err: error }, 'no-data alarm sweep failed; will retry');
              },
            );
          }, options.noDataSweepMs)
        : undefined;
    timer?.unref();

    app.addHook('onClose', async () => {
      clearInterval(timer);
      await sweeping;
      await evaluator.close();
    });
  },
  { name: 'alarm-engine', dependencies: ['broker-link'] },
);
