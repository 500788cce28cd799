/**
 * The six ways a device reaches a server in the lab — raw WebSocket to the lab's baseline
 * server, MQTT over TCP and MQTT over WebSocket to Twinwire's broker, each with and without
 * TLS — plus MQTT 5 over TCP with topic aliases beside 3.1.1, behind one small interface,
 * with every byte counted at the socket.
 */
import { performance } from 'node:perf_hooks';
import mqtt, { MqttClient, type IClientOptions } from 'mqtt';
import WebSocket from 'ws';
import { openCountedSocket, targetOf, WireMeter, type WireBytes } from './wire.ts';

export const TRANSPORTS = ['ws', 'wss', 'mqtt', 'mqtt5', 'mqtts', 'mqtt-ws', 'mqtt-wss'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/**
 * MQTT 5 over TCP to the same broker: a row of its own only where the protocol version
 * changes what is measured (bytes per message, latency, throughput); the other scenarios
 * leave it out.
 */
export const MQTT5_TRANSPORT = 'mqtt5' satisfies Transport;

/** The transports minus MQTT 5, for the scenarios that compare transports, not versions. */
export function withoutMqtt5(transports: readonly Transport[]): Transport[] {
  return transports.filter((transport) => transport !== MQTT5_TRANSPORT);
}

export function isMqtt(transport: Transport): boolean {
  return transport.startsWith('mqtt');
}

export function isTls(transport: Transport): boolean {
  return transport === 'wss' || transport === 'mqtts' || transport === 'mqtt-wss';
}

/** The protocol without its TLS: what the theoretical overhead is computed for. */
export function baseProtocol(transport: Transport): 'ws' | 'mqtt' | 'mqtt5' | 'mqtt-ws' {
  if (transport === 'ws' || transport === 'wss') return 'ws';
  if (transport === 'mqtt5') return 'mqtt5';
  return transport === 'mqtt' || transport === 'mqtts' ? 'mqtt' : 'mqtt-ws';
}

export const TRANSPORT_LABELS: Record<Transport, string> = {
  ws: 'WebSocket',
  wss: 'WebSocket + TLS',
  mqtt: 'MQTT/TCP',
  mqtt5: 'MQTT 5/TCP (topic alias)',
  mqtts: 'MQTT/TCP + TLS',
  'mqtt-ws': 'MQTT/WebSocket',
  'mqtt-wss': 'MQTT/WebSocket + TLS',
};

/** Where each transport connects; a missing URL means the target does not offer it. */
export interface Endpoints {
  /** The raw WebSocket baseline server, e.g. `ws://127.0.0.1:port`. */
  ws: string;
  wss: string;
  mqtt: string;
  mqtts: string | undefined;
  mqttWs: string;
  mqttWss: string | undefined;
  /** CA the TLS endpoints are signed by. */
  ca: Buffer | undefined;
}

export function endpointFor(endpoints: Endpoints, transport: Transport): string | undefined {
  switch (transport) {
    case 'ws':
      return endpoints.ws;
    case 'wss':
      return endpoints.wss;
    case 'mqtt':
    case 'mqtt5':
      return endpoints.mqtt;
    case 'mqtts':
      return endpoints.mqtts;
    case 'mqtt-ws':
      return endpoints.mqttWs;
    case 'mqtt-wss':
      return endpoints.mqttWss;
  }
}

interface MqttLinkOptions {
  clientId: string;
  username?: string | undefined;
  password?: string | undefined;
  publishTopic: string;
  subscribeTopic?: string;
  qos?: 0 | 1 | 2;
}

export interface LinkOptions {
  transport: Transport;
  endpoints: Endpoints;
  /** Raw WebSocket: path on the baseline server (`/echo`, `/sink`, …). */
  wsPath?: string;
  mqtt?: MqttLinkOptions;
  connectTimeoutMs?: number;
}

/** One device connection: send bytes, receive bytes, count the wire. */
export interface Link {
  readonly transport: Transport;
  /** Socket opened → protocol ready (WebSocket open / CONNACK; SUBACK not included). */
  readonly handshakeMs: number;
  /** Wire bytes when the protocol became ready. */
  readonly handshakeBytes: WireBytes;
  send(data: Buffer): void;
  onMessage(handler: (data: Buffer) => void): void;
  wire(): WireBytes;
  /** Bytes waiting in user space to be written (backpressure). */
  buffered(): number;
  close(): Promise<void>;
}

export async function openLink(options: LinkOptions): Promise<Link> {
  const url = endpointFor(options.endpoints, options.transport);
  if (url === undefined) throw new Error(`the target offers no ${options.transport} endpoint`);
  return isMqtt(options.transport)
    ? openMqttLink(options, url)
    : openWsLink(options, `${url}${options.wsPath ?? '/echo'}`);
}

function openWsLink(options: LinkOptions, url: string): Promise<Link> {
  const meter = new WireMeter();
  const started = performance.now();
  const socket = new WebSocket(url, {
    createConnection: () => openCountedSocket(targetOf(url, options.endpoints.ca), meter),
    maxPayload: 1024 * 1024,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`${options.transport}: no open within ${options.connectTimeoutMs}`));
    }, options.connectTimeoutMs ?? 30_000);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('open', () => {
      clearTimeout(timer);
      socket.on('error', () => undefined);
      const handshakeMs = performance.now() - started;
      const handshakeBytes = meter.bytes();
      resolve({
        transport: options.transport,
        handshakeMs,
        handshakeBytes,
        send: (data) => {
          socket.send(data, { binary: true });
        },
        onMessage: (handler) => {
          socket.on('message', (data: Buffer) => {
            handler(data);
          });
        },
        wire: () => meter.bytes(),
        buffered: () => socket.bufferedAmount,
        close: () => closeWs(socket),
      });
    });
  });
}

export function closeWs(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.terminate();
    }, 1_000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.close();
  });
}

/** An mqtt.js client whose sockets are counted, for any of the four MQTT transports. */
function connectCountedMqtt(
  transport: Transport,
  url: string,
  ca: Buffer | undefined,
  meter: WireMeter,
  options: IClientOptions,
): MqttClient {
  const base: IClientOptions = { reconnectPeriod: 0, connectTimeout: 30_000, keepalive: 120 };
  if (transport === 'mqtt-ws' || transport === 'mqtt-wss') {
    return mqtt.connect(url, {
      ...base,
      ...options,
      wsOptions: {
        createConnection: () => openCountedSocket(targetOf(url, ca), meter),
      },
    });
  }
  const target = targetOf(url, ca);
  return new MqttClient(() => openCountedSocket(target, meter), { ...base, ...options });
}

/**
 * MQTT 5 with topic aliases both ways: mqtt.js gives the publish topic an alias within the
 * broker's Topic Alias Maximum (the first PUBLISH carries topic + alias, later ones an
 * empty topic), and the client's own Topic Alias Maximum lets the broker do the same.
 */
const MQTT5_ALIASING: IClientOptions = {
  protocolVersion: 5,
  autoAssignTopicAlias: true,
  properties: { topicAliasMaximum: 10 },
};

async function openMqttLink(options: LinkOptions, url: string): Promise<Link> {
  const settings = options.mqtt;
  if (!settings) throw new Error('an MQTT link needs its client id and topics');
  const meter = new WireMeter();
  const started = performance.now();
  const client = connectCountedMqtt(options.transport, url, options.endpoints.ca, meter, {
    ...(options.transport === 'mqtt5' ? MQTT5_ALIASING : {}),
    clientId: settings.clientId,
    ...(settings.username === undefined ? {} : { username: settings.username }),
    ...(settings.password === undefined ? {} : { password: settings.password }),
    connectTimeout: options.connectTimeoutMs ?? 30_000,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => {
      resolve();
    });
    client.once('error', reject);
    client.once('close', () => {
      reject(new Error(`${options.transport}: closed before CONNACK (${settings.clientId})`));
    });
  });
  const handshakeMs = performance.now() - started;
  const handshakeBytes = meter.bytes();
  client.removeAllListeners('error');
  client.on('error', () => undefined);
  const qos = settings.qos ?? 0;
  if (settings.subscribeTopic !== undefined) {
    const [grant] = await client.subscribeAsync(settings.subscribeTopic, { qos });
    if (grant === undefined || grant.qos === 128) {
      await client.endAsync(true);
      throw new Error(`the broker refused the subscription to ${settings.subscribeTopic}`);
    }
  }
  return {
    transport: options.transport,
    handshakeMs,
    handshakeBytes,
    send: (data) => {
      client.publish(settings.publishTopic, data, { qos });
    },
    onMessage: (handler) => {
      client.on('message', (_topic, payload) => {
        handler(payload);
      });
    },
    wire: () => meter.bytes(),
    buffered: () => client.stream.writableLength,
    close: () => client.endAsync(true),
  };
}
