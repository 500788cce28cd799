/** What every scenario gets, and the facts scenarios leave for the claim verdicts. */
import type { ReportChart, ReportTable } from '@twinwire/schemas/lab-report';
import type { ApiClient } from '../api/api-client.ts';
import type { Peer } from './peer/peer.ts';
import type { ProfileName, ProfileSizes } from './profiles.ts';
import type { LatencySummary } from './stats.ts';
import type { LabTarget } from './target.ts';
import type { Endpoints, Transport } from './transports.ts';
import type { WireBytes } from './wire.ts';

export interface LabContext {
  profile: ProfileName;
  sizes: ProfileSizes;
  target: LabTarget;
  endpoints: Endpoints;
  api: ApiClient;
  /** The raw WebSocket baseline server's process. */
  wsServer: Peer;
  /** Unique per run: device ids and topics carry it, so runs never mix. */
  runId: string;
  /** `lab/<runId>`: the topics the lab's ACL rules open. */
  topicPrefix: string;
  /** Transports the target offers. */
  transports: Transport[];
  facts: LabFacts;
  /** Epoch ms by which the running scenario should wrap up. */
  deadline: number;
  progress(message: string): void;
}

export interface ScenarioOutput {
  method: string;
  tables: ReportTable[];
  charts: ReportChart[];
  notes: string[];
}

export interface Scenario {
  id: string;
  title: string;
  run(context: LabContext): Promise<ScenarioOutput>;
}

export type PerTransport<T> = Partial<Record<Transport, T>>;

/** The numbers the claim verdicts are computed from, filled in by the scenarios that ran. */
export interface LabFacts {
  latency?: { idle: PerTransport<LatencySummary>; load: PerTransport<LatencySummary> };
  wire?: {
    handshake: PerTransport<WireBytes>;
    /** Bytes the client wrote for one 16-byte payload, and the protocol's share of it. */
    smallMessage: PerTransport<{
      bytes: number;
      overhead: number;
      minimum: number;
      topicBytes: number;
    }>;
  };
  throughput?: PerTransport<{
    fixedMsgsPerSecond: number;
    cpuMicrosPerMessage: number;
    maxMsgsPerSecond: number;
  }>;
  connections?: {
    count: number;
    bytesPerConnection: PerTransport<number>;
  };
  fanOut?: {
    subscribers: number;
    ws: { p99: number; cpuMicrosPerDelivery: number; lost: number };
    mqtt: { p99: number; cpuMicrosPerDelivery: number; lost: number };
  }[];
  reliability?: {
    variant: 'ws-no-ack' | 'ws-acked' | 'mqtt-qos0' | 'mqtt-qos1' | 'mqtt-qos2';
    sent: number;
    lost: number;
    duplicates: number;
    /** The lane owed nothing when counted (false: the drain budget ran out first). */
    settled: boolean;
  }[];
  security?: {
    handshakeMs: PerTransport<number>;
    handshakeBytes: PerTransport<number>;
    aclNanosPerCheck: number;
    /** Broker CPU per routed message from the throughput scenario, when it ran. */
    brokerMicrosPerMessage: number | undefined;
    aclDenied: boolean;
    tlsWorked: boolean;
  };
  endToEnd?: {
    mqttDevice: { summary: LatencySummary; sent: number; lost: number };
    wsDevice: { summary: LatencySummary; sent: number; lost: number };
  };
}

/** The transports of `order` that have a value in `map`, each with its value. */
export function entriesOf<T>(map: PerTransport<T>, order: readonly Transport[]): [Transport, T][] {
  return order.flatMap((transport): [Transport, T][] => {
    const value = map[transport];
    return value === undefined ? [] : [[transport, value]];
  });
}
