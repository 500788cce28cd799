import type { Ingest } from '@twinwire/devices/ingest';
import { isTaken } from '@twinwire/devices/outcomes';
import {
  commandAckTopic,
  deviceCommandsFilter,
  parseDeviceTopic,
  telemetryTopic,
} from '@twinwire/schemas/topics';
import { parseCommand, parseDeviceFrame } from '@twinwire/schemas/validate';
import {
  telemetryFrameReadings,
  type CommandAckFrame,
  type CommandFrame,
  type TelemetryFrame,
} from '@twinwire/schemas/ws-frames';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from '@fastify/websocket';
import type { RawData } from 'ws';
import type { BrokerLink, BrokerMessage, BrokerSubscription } from '../broker-link.ts';
import { errorFrame, requestIdOf, toBuffer } from '../live/frames.ts';
import { outcomeFrame } from './frame-outcomes.ts';

export interface DeviceSessionDeps {
  socket: WebSocket;
  deviceId: string;
  link: BrokerLink;
  /** The device core's ingest: validated frames' readings are stored through it. */
  ingest: Ingest;
  log: FastifyBaseLogger;
  /** Called for every frame the device sends (its last-seen time). */
  seen?: () => void;
  /** Telemetry frames being stored at once before the socket stops reading (back-pressure). */
  maxInFlightFrames?: number;
}

/**
 * One device on `/ws/device`. Telemetry is stored by the API itself through the device core's
 * ingest (the broker stores only what MQTT devices publish), answered as its outcome says
 * (frame-outcomes.ts): acked after commit, then republished into the broker as the
 * service principal so MQTT subscribers and dashboards see it: stored once, seen everywhere.
 * Commands for the device arrive through the broker while it is connected.
 */
export class DeviceSession {
  private readonly commands: BrokerSubscription;
  private readonly maxInFlight: number;
  private inFlight = 0;
  private paused = false;
  private closed = false;

  constructor(private readonly deps: DeviceSessionDeps) {
    this.maxInFlight = deps.maxInFlightFrames ?? 256;
    this.commands = deps.link.listen(deviceCommandsFilter(deps.deviceId), (message) => {
      this.onCommand(message);
    });
    deps.socket.on('message', (data) => {
      deps.seen?.();
      this.onFrame(data);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.commands.close();
  }

  private send(frame: string): void {
    if (this.deps.socket.readyState === this.deps.socket.OPEN) this.deps.socket.send(frame);
  }

  private onCommand(message: BrokerMessage): void {
    const target = parseDeviceTopic(message.topic);
    if (target?.kind !== 'command') return;
    const command = parseCommand(message.payload);
    if (!command.ok) {
      this.deps.log.warn(
        { deviceId: this.deps.deviceId, topic: message.topic, issue: command.error.message },
        'invalid command not delivered',
      );
      return;
    }
    const frame: CommandFrame = { type: 'command', name: target.name, command: command.value };
    this.send(JSON.stringify(frame));
  }

  private onFrame(data: RawData): void {
    const bytes = toBuffer(data);
    const parsed = parseDeviceFrame(bytes);
    if (!parsed.ok) {
      this.send(errorFrame(parsed.error.code, parsed.error.message, requestIdOf(bytes)));
      return;
    }
    const frame = parsed.value;
    switch (frame.type) {
      case 'hello':
        // Version 1 is the only one; the schema already refused any other.
        break;
      case 'telemetry':
        this.track(this.storeTelemetry(frame));
        break;
      case 'commandAck':
        this.track(this.forwardCommandAck(frame));
        break;
    }
  }

  /** Stops reading the socket while too many frames are being stored. */
  private track(work: Promise<void>): void {
    this.inFlight += 1;
    if (this.inFlight >= this.maxInFlight && !this.paused) {
      this.paused = true;
      this.deps.socket.pause();
    }
    void work.finally(() => {
      this.inFlight -= 1;
      if (this.paused && this.inFlight <= this.maxInFlight / 2) {
        this.paused = false;
        this.deps.socket.resume();
      }
    });
  }

  private async storeTelemetry(frame: TelemetryFrame): Promise<void> {
    const { deviceId, ingest, link, log } = this.deps;
    const outcome = await ingest.acceptReadings(deviceId, telemetryFrameReadings(frame), 'durable');
    this.send(outcomeFrame(outcome, frame.id));
    if (!isTaken(outcome)) return;
    const payload = 'points' in frame ? { points: frame.points } : frame.reading;
    try {
      await link.publish(telemetryTopic(deviceId), JSON.stringify(payload), { qos: 1 });
    } catch (error) {
      log.warn({ err: error, deviceId }, 'stored WebSocket telemetry not republished');
    }
  }

  private async forwardCommandAck(frame: CommandAckFrame): Promise<void> {
    try {
      await this.deps.link.publish(
        commandAckTopic(this.deps.deviceId, frame.commandName),
        JSON.stringify(frame.ack),
        { qos: 1 },
      );
    } catch (error) {
      this.deps.log.warn({ err: error, deviceId: this.deps.deviceId }, 'command ack not forwarded');
      this.send(
        errorFrame(
          'TWW_BROKER_UNAVAILABLE',
          `the ack of command ${frame.ack.id} could not be forwarded; send it again`,
        ),
      );
    }
  }
}
