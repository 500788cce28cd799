import type { TelemetryReading } from '@twinwire/schemas/telemetry';
import type { DeliveryMode } from '../verify/accounting.ts';
import type { ReadingLedger } from '../verify/ledger.ts';

/** What a device counted about its connection; the fleet sums these for the progress line. */
export interface DeviceCounters {
  /** Successful connects (CONNACK accepted, WebSocket open), the first included. */
  connects: number;
  /** Connections lost after they were up. */
  disconnects: number;
  /** Connection attempts that failed, protocol errors, refused messages. */
  errors: number;
  /** MQTT reconnects where the broker still held the device's session. */
  sessionsResumed: number;
  commandsAnswered: number;
  /** Messages (not readings) written to the wire, resends included. */
  messagesSent: number;
}

export function emptyCounters(): DeviceCounters {
  return {
    connects: 0,
    disconnects: 0,
    errors: 0,
    sessionsResumed: 0,
    commandsAnswered: 0,
    messagesSent: 0,
  };
}

/** TLS settings for `mqtts://` and `wss://`. */
export interface ClientTls {
  /** PEM of the CA that signed the server certificate, when it is not a public one. */
  ca?: string | Buffer;
  /** false accepts any certificate (`--insecure`). Default true. */
  rejectUnauthorized?: boolean;
  /** The name to verify the certificate against when connecting through a proxy. */
  servername?: string;
}

/** Answers a command: the `result` of its ack. */
export type CommandHandler = (name: string, args: Readonly<Record<string, unknown>>) => unknown;

/**
 * One simulated device, whatever its protocol. It connects on `start()` and keeps
 * reconnecting with back-off until `stop()`; `send()` never blocks: readings wait for the
 * connection, and the ledger records what happened to each.
 */
export interface VirtualDevice {
  readonly deviceId: string;
  readonly mode: DeliveryMode;
  readonly ledger: ReadingLedger;
  readonly counters: DeviceCounters;
  readonly connected: boolean;
  /** The last error, for the summary. */
  readonly lastError: string | undefined;
  start(): void;
  /** Sends readings (taken from the ledger) as one message: one reading, or a batch. */
  send(readings: readonly TelemetryReading[]): void;
  /** Readings not yet settled: unacked (QoS 1/2, WebSocket) or not yet written (QoS 0). */
  pending(): number;
  /** Disconnects cleanly and stops reconnecting. */
  stop(): Promise<void>;
}

/** The payload of one telemetry message: a reading, or `{ points }` for several. */
export function telemetryPayload(
  readings: readonly TelemetryReading[],
): TelemetryReading | { points: TelemetryReading[] } {
  const [only] = readings;
  return readings.length === 1 && only !== undefined ? only : { points: [...readings] };
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' || typeof code === 'number'
      ? `${code}: ${error.message}`
      : error.message;
  }
  return String(error);
}
