/**
 * What apps/api answers, as the admin reads it. The API's route schemas are the source
 * (apps/api/src/*\/schemas.ts, served as /openapi.json); an app cannot import another app,
 * so the shapes the UI uses are restated here.
 */
import type { CommandAck } from '@twinwire/schemas/messages';

export type UserRole = 'admin' | 'operator' | 'viewer';

export interface UserView {
  id: string;
  username: string;
  role: UserRole;
}

export interface SessionResponse {
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  refreshToken: string;
  user: UserView;
}

export interface DeviceView {
  id: string;
  name: string;
  metadata: Record<string, unknown>;
  online: boolean;
  /** `mqtt`, `mqtt-ws`, `mqtt-tls` or `websocket`: how it last connected. */
  lastProtocol: string | null;
  lastSeenAt: string | null;
  createdAt: string;
  tags: string[];
  /** How it is connected now (when the API answered); null when offline. */
  connection: DeviceConnection | null;
}

export interface DeviceConnection {
  /** `mqtt`: an MQTT client of a broker; `websocket`: the API's device WebSocket (no MQTT). */
  transport: 'mqtt' | 'websocket';
  /** CONNECT protocol level: 4 is MQTT 3.1.1, 5 is MQTT 5.0; null over the device WebSocket. */
  protocolVersion: number | null;
  /** The broker listener: `mqtt`, `mqtt-tls` or `mqtt-ws`; null over the device WebSocket. */
  listener: 'mqtt' | 'mqtt-tls' | 'mqtt-ws' | null;
}

export interface DeviceUpdate {
  name?: string;
  metadata?: Record<string, unknown>;
  tags?: string[];
}

export interface DevicePage {
  items: DeviceView[];
  nextCursor: string | null;
  hasMore: boolean;
}

export interface CredentialView {
  id: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface IssuedCredential {
  id: string;
  deviceId: string;
  secret: string;
  createdAt: string;
  connect: {
    mqtt: { clientId: string; username: string; password: string };
    websocket: {
      url: '/ws/device';
      headers: { authorization: string };
      query: { device_id: string; secret: string };
    };
  };
}

export type MetricValue = number | boolean | string;

export interface StoredReading {
  ts: number;
  seq: number;
  metrics: Record<string, MetricValue>;
}

export interface ReadingPage {
  items: StoredReading[];
  nextCursor: string | null;
  hasMore: boolean;
}

interface BucketPoint {
  t: number;
  count: number;
  avg: number | null;
  min: number | null;
  max: number | null;
  last: MetricValue;
}

export interface BucketsResponse {
  bucketMs: number;
  series: { metric: string; points: BucketPoint[] }[];
}

export interface CommandResult {
  id: string;
  /** Present when the request waited and the device answered. */
  ack?: CommandAck;
}

type RuleEffect = 'allow' | 'deny';
export type RuleAction = 'publish' | 'subscribe';
export type RuleRole = 'device' | 'viewer' | 'operator' | 'admin' | 'service';
export type PrincipalKind = 'device' | 'user' | 'service';

export interface RuleCore {
  id: string;
  effect: RuleEffect;
  action: RuleAction;
  topic: string;
  role: RuleRole | null;
  principal: { kind: PrincipalKind; id: string } | null;
  description: string | null;
  builtIn: boolean;
}

export interface RuleView extends RuleCore {
  createdAt: string | null;
  updatedAt: string | null;
}

export interface RuleDraft {
  effect: RuleEffect;
  action: RuleAction;
  topic: string;
  role?: RuleRole;
  principal?: { kind: PrincipalKind; id: string };
  description?: string | null;
}

export interface ExplainRequest {
  principal: { kind: PrincipalKind; id: string; role: RuleRole; username?: string };
  action: RuleAction;
  topic: string;
}

export interface ExplainResult {
  allowed: boolean;
  decidingRule: RuleCore | null;
  reason: string;
  matchedRules: RuleCore[];
}

export type ClientState = 'connected' | 'offline' | 'stale';

export interface ClientView {
  clientId: string;
  state: ClientState;
  brokerId: string;
  principal: { kind: PrincipalKind; id: string; username: string | null; role: string };
  /** The listener: `mqtt`, `mqtt-tls` or `mqtt-ws`. */
  protocol: string;
  /** CONNECT protocol level: 4 is MQTT 3.1.1, 5 is MQTT 5.0. */
  protocolVersion: number;
  remoteAddress: string | null;
  keepaliveS: number;
  cleanSession: boolean;
  sessionExpiryS: number | null;
  connectedAt: string;
  disconnectedAt: string | null;
  subscriptions: { filter: string; qos: number }[];
  subscriptionCount: number;
  inflight: number | null;
  queued: number | null;
  updatedAt: string;
}

export interface ClientPage {
  items: ClientView[];
  nextCursor: string | null;
  hasMore: boolean;
  counts: Record<ClientState, number>;
}

export interface BrokerView {
  brokerId: string;
  live: boolean;
  sharedSessions: boolean;
  startedAt: string;
  heartbeatAt: string;
  connected: number;
  offline: number;
}

export interface ManagedUser {
  id: string;
  username: string;
  role: UserRole;
  disabled: boolean;
  disabledAt: string | null;
  createdAt: string;
  updatedAt: string;
}
