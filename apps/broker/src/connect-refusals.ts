import type { Aedes, Client, ConnectPacket } from 'aedes';
import type { Logger } from './log.ts';
import type { BrokerMetrics } from './metrics.ts';

/** aedes' own CONNECT refusals (lib/handlers/connect.js) by message, as metric reasons. */
const REASONS: Readonly<Record<string, string>> = {
  'keep alive limit exceeded': 'keepalive',
  'identifier rejected': 'client_id_required',
  'unacceptable protocol version': 'protocol_version',
  'Receive Maximum must not be 0': 'protocol_error',
  'authentication data without authentication method': 'protocol_error',
  'bad authentication method': 'authentication_method',
};

/**
 * Logs and counts the CONNECTs aedes refuses before the authenticate hook sees them: a
 * keepalive of 0 or above MQTT_MAX_KEEPALIVE_S from an MQTT 3.1.1 client (CONNACK 2, as
 * Mosquitto answers), a zero-length client id with a persistent session [MQTT-3.1.3-8], an
 * unknown protocol level, MQTT 5.0 enhanced authentication. aedes marks them with the
 * CONNACK code it sent (`errorCode`, or `reasonCode` for MQTT 5.0).
 */
export function watchConnectRefusals(deps: {
  aedes: Aedes;
  connectPackets: WeakMap<Client, ConnectPacket>;
  maxKeepaliveS: number;
  metrics: BrokerMetrics;
  log: Logger;
}): void {
  deps.aedes.on('connectionError', (client, error) => {
    const marked = error as Error & { errorCode?: number; reasonCode?: number };
    if (marked.errorCode === undefined && marked.reasonCode === undefined) return;
    const reason = REASONS[error.message] ?? 'refused_by_broker';
    const connect = deps.connectPackets.get(client);
    deps.metrics.authFailures.inc({ reason });
    deps.log.info(
      {
        clientId: connect?.clientId,
        reason,
        message: error.message,
        ...(reason === 'keepalive'
          ? { keepalive: connect?.keepalive, limit: deps.maxKeepaliveS }
          : {}),
      },
      'connection refused',
    );
  });
}
