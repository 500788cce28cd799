import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient, type Packet } from 'mqtt';
import type { TelemetryReading } from '@twinwire/schemas/telemetry';
import {
  commandAckTopic,
  deviceCommandsFilter,
  parseDeviceTopic,
  telemetryTopic,
} from '@twinwire/schemas/topics';
import { parseCommand } from '@twinwire/schemas/validate';
import type { MqttVersion, QoS } from '../verify/accounting.ts';
import { ReadingLedger } from '../verify/ledger.ts';
import { Backoff, type BackoffOptions } from './backoff.ts';
import { SentTopics } from './sent-topics.ts';
import { neverLeftTheClient } from './never-sent.ts';
import { seqsOfPayload } from './payload-seqs.ts';
import {
  describeError,
  emptyCounters,
  telemetryPayload,
  type ClientTls,
  type CommandHandler,
  type VirtualDevice,
} from './virtual-device.ts';

export interface MqttDeviceOptions {
  /** `mqtt://`, `mqtts://` or `ws(s)://…/mqtt`. */
  url: string;
  deviceId: string;
  secret: string;
  qos: QoS;
  /** '3.1.1' (the default) or '5': MQTT 5 publishes telemetry under a topic alias. */
  mqttVersion?: MqttVersion;
  /** false (the default for QoS 1/2): the broker keeps the session across reconnects. */
  cleanSession?: boolean;
  tls?: ClientTls;
  keepaliveS?: number;
  connectTimeoutMs?: number;
  backoff?: BackoffOptions;
  onCommand?: CommandHandler;
  ledger?: ReadingLedger;
}

/**
 * A persistent MQTT 5 session outlives the connection only for its Session Expiry Interval
 * (0 by default, ending it at once) [MQTT-3.1.2-23]; a day is ample for any simulator run.
 */
const PERSISTENT_SESSION_EXPIRY_S = 86_400;

/**
 * A device over MQTT 3.1.1 or 5 (mqtt.js): client id = username = device id, password = secret.
 * Reconnects with exponential back-off and full jitter rather than mqtt.js's fixed period,
 * keeping the same message stores across reconnects so unacknowledged QoS 1/2 publishes are
 * sent again; with a persistent session the broker keeps its subscriptions and queued
 * commands. Answers every command on `devices/{id}/commands/+` with `{ id, ok: true, result }`:
 * on the command's Response Topic with its Correlation Data when an MQTT 5 command carries
 * them [MQTT-4.10], else on `devices/{id}/commands/{name}/ack`.
 *
 * MQTT 5 devices publish under topic aliases: mqtt.js gives each topic an alias within the
 * broker's Topic Alias Maximum (CONNACK), the first PUBLISH carrying topic + alias and later
 * ones an empty topic + alias (MQTT 5.0 §3.3.2.3.4); when the broker advertises none (0 or
 * absent) every PUBLISH carries its topic.
 */
export class MqttDevice implements VirtualDevice {
  readonly deviceId: string;
  readonly mode;
  readonly ledger: ReadingLedger;
  readonly counters = emptyCounters();
  lastError: string | undefined;
  private client: MqttClient | undefined;
  private commandsGranted = false;
  private readonly backoff: Backoff;
  private readonly stores = { incomingStore: new mqtt.Store(), outgoingStore: new mqtt.Store() };
  private readonly topic: string;
  private readonly version: MqttVersion;
  private readonly sentTopics = new SentTopics();
  private retryTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private handed = 0;
  private settled = 0;

  constructor(private readonly options: MqttDeviceOptions) {
    this.deviceId = options.deviceId;
    this.version = options.mqttVersion ?? '3.1.1';
    this.mode = { protocol: 'mqtt', qos: options.qos, mqttVersion: this.version } as const;
    this.ledger = options.ledger ?? new ReadingLedger(options.deviceId);
    this.backoff = new Backoff(options.backoff);
    this.topic = telemetryTopic(options.deviceId);
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  /** Connected with its command subscription granted (SUBACK): commands reach it from now. */
  get listeningForCommands(): boolean {
    return this.connected && this.commandsGranted;
  }

  start(): void {
    if (this.client) return;
    const { options } = this;
    const clean = options.cleanSession ?? options.qos === 0;
    const clientOptions: IClientOptions = {
      clientId: options.deviceId,
      username: options.deviceId,
      password: options.secret,
      ...(this.version === '5'
        ? {
            protocolVersion: 5,
            autoAssignTopicAlias: true,
            ...(clean
              ? {}
              : { properties: { sessionExpiryInterval: PERSISTENT_SESSION_EXPIRY_S } }),
          }
        : { protocolVersion: 4 }),
      clean,
      keepalive: options.keepaliveS ?? 30,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      // Reconnects are ours (back-off with jitter), and so are resubscriptions.
      reconnectPeriod: 0,
      resubscribe: false,
      queueQoSZero: true,
      ...this.stores,
      ...(options.tls ?? {}),
    };
    const client = mqtt.connect(options.url, clientOptions);
    this.client = client;
    // 'close' also follows every failed attempt; only a connection that was up is a disconnect.
    let up = false;
    client.on('connect', (connack) => {
      up = true;
      this.backoff.reset();
      this.counters.connects += 1;
      // A resumed session keeps the subscription it had.
      this.commandsGranted = connack.sessionPresent;
      if (connack.sessionPresent) this.counters.sessionsResumed += 1;
      else this.subscribeCommands(client);
    });
    client.on('close', () => {
      // Aliases live as long as the network connection [MQTT-3.3.2-7]. Not on 'connect':
      // mqtt.js replays unacknowledged PUBLISHes, setting up aliases anew, before emitting it.
      this.sentTopics.reset();
      if (up && !this.stopping) this.counters.disconnects += 1;
      up = false;
      this.scheduleReconnect(client);
    });
    client.on('error', (error) => {
      this.counters.errors += 1;
      this.lastError = describeError(error);
    });
    client.on('packetsend', (packet: Packet) => {
      this.onPacketSent(packet);
    });
    client.on('message', (topic, payload, packet) => {
      this.onMessage(client, topic, payload, packet);
    });
  }

  send(readings: readonly TelemetryReading[]): void {
    const client = this.client;
    if (!client || this.stopping || readings.length === 0) return;
    const seqs = readings.map((reading) => reading.seq);
    const payload = Buffer.from(JSON.stringify(telemetryPayload(readings)));
    this.handed += seqs.length;
    this.publish(client, payload, seqs);
  }

  private publish(client: MqttClient, payload: Buffer, seqs: readonly number[]): void {
    const { qos } = this.options;
    client.publish(this.topic, payload, { qos }, (error) => {
      // The client object survives our reconnects, so this lands in its store for the next
      // one. Deferred: mqtt.js fails these while draining a queue it would append them to.
      if (qos > 0 && neverLeftTheClient(error) && !this.stopping) {
        setImmediate(() => {
          this.publish(client, payload, seqs);
        });
        return;
      }
      this.settled += seqs.length;
      if (error) {
        this.lastError = describeError(error);
        return;
      }
      // QoS 0: written to the socket, never acknowledged. QoS 1/2: PUBACK or PUBCOMP.
      if (qos > 0) for (const seq of seqs) this.ledger.acked(seq);
    });
  }

  pending(): number {
    return this.handed - this.settled;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    const client = this.client;
    if (!client) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        client.end(true, {}, () => {
          resolve();
        });
      }, 2_000);
      client.end(false, {}, () => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  private scheduleReconnect(client: MqttClient): void {
    if (this.stopping || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      // reconnect() would otherwise start from empty stores and forget unacked publishes.
      if (!this.stopping) client.reconnect(this.stores);
    }, this.backoff.next());
  }

  private subscribeCommands(client: MqttClient): void {
    client.subscribe(deviceCommandsFilter(this.deviceId), { qos: 1 }, (error, granted) => {
      if (error || granted?.some((grant) => grant.qos === 128)) {
        this.counters.errors += 1;
        this.lastError = error ? describeError(error) : 'command subscription refused';
      } else {
        this.commandsGranted = true;
      }
    });
  }

  private onPacketSent(packet: Packet): void {
    if (packet.cmd !== 'publish') return;
    if (this.sentTopics.resolve(packet) !== this.topic) return;
    this.counters.messagesSent += 1;
    for (const seq of seqsOfPayload(packet.payload)) this.ledger.transmitted(seq);
  }

  private onMessage(
    client: MqttClient,
    topic: string,
    payload: Buffer,
    packet: IPublishPacket,
  ): void {
    const target = parseDeviceTopic(topic);
    if (target?.kind !== 'command' || target.deviceId !== this.deviceId) return;
    const command = parseCommand(payload);
    if (!command.ok) {
      this.counters.errors += 1;
      this.lastError = `invalid command on ${topic}: ${command.error.message}`;
      return;
    }
    const result = this.options.onCommand?.(target.name, command.value.args) ?? null;
    const ack = JSON.stringify({ id: command.value.id, ok: true, result });
    // MQTT 5 request/response [MQTT-4.10]: the answer goes to the Response Topic, carrying
    // the request's Correlation Data unchanged; without one, the 3.1.1 ack topic.
    const responseTopic = packet.properties?.responseTopic;
    const correlationData = packet.properties?.correlationData;
    if (this.version === '5' && responseTopic !== undefined && responseTopic !== '') {
      client.publish(responseTopic, ack, {
        qos: 1,
        ...(correlationData === undefined ? {} : { properties: { correlationData } }),
      });
    } else {
      client.publish(commandAckTopic(this.deviceId, target.name), ack, { qos: 1 });
    }
    this.counters.commandsAnswered += 1;
  }
}
