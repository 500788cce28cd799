import type { TelemetryWriter } from '@twinwire/db/telemetry-writer';
import { createIngest } from '@twinwire/devices/ingest';
import { isTaken } from '@twinwire/devices/outcomes';
import type { Client, PublishPacket } from 'aedes';
import type { Refuse } from '../access/refusal.ts';
import type { Logger } from '../log.ts';
import type { BrokerMetrics } from '../metrics.ts';
import type { Session } from '../sessions.ts';
import { mqttRefusal } from './mqtt-outcomes.ts';

/**
 * MQTT devices' telemetry into the device core's ingest, and its outcome back as MQTT: a
 * QoS 1/2 PUBLISH is acknowledged (PUBACK/PUBREC) only once the reading is committed, and
 * while the database is down the acknowledgement waits (back-pressure); QoS 0 goes to the
 * bounded buffer. A refusal is answered as refusal.ts says (reason code, or the errors topic).
 */
export function createMqttIngest(deps: {
  writer: TelemetryWriter;
  refuse: Refuse;
  metrics: BrokerMetrics;
  log: Logger;
}) {
  const { metrics } = deps;
  const ingest = createIngest({
    writer: deps.writer,
    log: deps.log,
    observe: {
      invalid: (code) => {
        metrics.telemetryInvalid.inc({ code });
      },
      dropped: () => {
        metrics.telemetryQos0Dropped.inc();
      },
      committed: (readings) => {
        metrics.telemetryCommitted.inc(readings);
      },
      commitSeconds: (seconds) => {
        metrics.commitSeconds.observe(seconds);
      },
    },
  });

  return {
    /** A device's PUBLISH to its own telemetry topic; `decide` is aedes' authorizePublish callback. */
    accept(
      client: Client,
      session: Session,
      packet: PublishPacket,
      deviceId: string,
      decide: (error?: Error | null) => void,
    ): void {
      const delivery = packet.qos === 0 ? 'buffered' : 'durable';
      void ingest.accept(deviceId, packet.payload, delivery).then((outcome) => {
        if (isTaken(outcome)) decide(null);
        else deps.refuse(client, session, packet, mqttRefusal(outcome), decide);
      });
    },
  };
}

export type MqttIngest = ReturnType<typeof createMqttIngest>;
