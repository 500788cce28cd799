/**
 * The AsyncAPI 3.0 description of every Twinwire channel, generated from the same TypeBox
 * schemas the validators use. `pnpm generate` writes it to `asyncapi.json`.
 */
import type { TSchema } from 'typebox';
import schemasPackage from '../package.json' with { type: 'json' };
import { formatJson } from './format-json.ts';
import type { JsonSchema } from './json-schema.ts';
import { toJsonSchema } from './json-schema.ts';
import { limits } from './limits.ts';
import { AlarmEvent } from './alarms.ts';
import { Command, CommandAck, DeviceError, DeviceStatus } from './messages.ts';
import { TelemetryPayload } from './telemetry.ts';
import {
  AckFrame,
  CommandAckFrame,
  CommandFrame,
  ErrorFrame,
  HelloFrame,
  MessageFrame,
  SubscribedFrame,
  SubscribeFrame,
  TelemetryFrame,
  UnsubscribeFrame,
} from './ws-frames.ts';

/** Every message: its key in `components`, schema and one-line summary. */
const messages = {
  telemetry: [TelemetryPayload, 'One reading `{ ts, seq, metrics }` or a batch `{ points }`.'],
  status: [DeviceStatus, 'Whether the device is online, since when and over which protocol.'],
  command: [
    Command,
    'A command for the device; `args` is free-form JSON. Also an MQTT 5.0 request: Response Topic and Correlation Data set.',
  ],
  commandAck: [
    CommandAck,
    "The device's answer to a command: matched by its MQTT 5.0 Correlation Data when it carries one, else by `id`.",
  ],
  deviceError: [DeviceError, 'Why the platform refused something the device sent.'],
  alarmEvent: [
    AlarmEvent,
    'An alarm was raised, acknowledged or cleared; the same body a webhook receives.',
  ],
  subscribe: [SubscribeFrame, 'Stream messages on topics matching an MQTT filter.'],
  unsubscribe: [UnsubscribeFrame, 'Stop a stream.'],
  subscribed: [SubscribedFrame, 'The subscription with this request id is active.'],
  message: [MessageFrame, 'One message from a subscribed topic.'],
  ack: [AckFrame, 'The frame with this id was handled; for telemetry: committed to storage.'],
  error: [ErrorFrame, 'A request failed (with its id) or the connection has a problem.'],
  hello: [HelloFrame, 'Optional first frame: the protocol version the device speaks.'],
  telemetryFrame: [TelemetryFrame, 'A reading or a batch, acked by id once committed.'],
  commandAckFrame: [CommandAckFrame, 'The answer to a command.'],
  commandFrame: [CommandFrame, 'A command for the device.'],
} satisfies Record<string, [TSchema, string]>;

type MessageKey = keyof typeof messages;

const commandCorrelation = {
  type: 'string',
  contentEncoding: 'utf-8',
  description:
    'MQTT 5.0 Correlation Data: the command id (`id` of the Command) as UTF-8 bytes. MQTT 3.1.1 receivers never see it.',
};

/**
 * MQTT 5.0 request/response on the command channel [MQTT-4.10]: every command carries the ack
 * topic as its Response Topic and its id as Correlation Data; a device answering over MQTT 5.0
 * publishes its ack there with that Correlation Data. MQTT 3.1.1 devices answer on the same
 * topic with the id in the payload.
 */
const messageExtras: Partial<Record<MessageKey, Record<string, unknown>>> = {
  command: {
    correlationId: {
      description:
        'The command id, in the payload for every device and as MQTT 5.0 Correlation Data for MQTT 5.0 devices.',
      location: '$message.payload#/id',
    },
    bindings: {
      mqtt: {
        responseTopic: 'devices/{deviceId}/commands/{name}/ack',
        correlationData: commandCorrelation,
        bindingVersion: '0.2.0',
      },
    },
  },
  commandAck: {
    correlationId: {
      description:
        'The command id: the payload `id`; over MQTT 5.0 the Correlation Data copied from the command decides, when present.',
      location: '$message.payload#/id',
    },
    bindings: { mqtt: { correlationData: commandCorrelation, bindingVersion: '0.2.0' } },
  },
};

const ref = (pointer: string): { $ref: string } => ({ $ref: pointer });
const mqttServers = [ref('#/servers/mqtt'), ref('#/servers/mqtt-tls'), ref('#/servers/mqtt-ws')];

function channel(
  address: string,
  title: string,
  keys: MessageKey[],
  servers: { $ref: string }[],
): Record<string, unknown> {
  const parameters = Object.fromEntries(
    [...address.matchAll(/\{(\w+)\}/g)].map(([, name = '']) => [
      name,
      ref(`#/components/parameters/${name}`),
    ]),
  );
  return {
    address,
    title,
    servers,
    ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
    messages: Object.fromEntries(keys.map((key) => [key, ref(`#/components/messages/${key}`)])),
  };
}

function operation(
  action: 'send' | 'receive',
  channelKey: string,
  summary: string,
  keys: MessageKey[],
  qos?: { qos: 0 | 1 | 2; retain: boolean },
): Record<string, unknown> {
  return {
    action,
    channel: ref(`#/channels/${channelKey}`),
    summary,
    messages: keys.map((key) => ref(`#/channels/${channelKey}/messages/${key}`)),
    ...(qos ? { bindings: { mqtt: { ...qos, bindingVersion: '0.2.0' } } } : {}),
  };
}

const topicLevelText = 'characters of A-Z a-z 0-9 _ . : -';

/** The AsyncAPI 3.0.0 document, as plain JSON. */
export function buildAsyncApiDocument(): Record<string, unknown> {
  const schemas: Record<string, JsonSchema> = {};
  const messageComponents: Record<string, unknown> = {};
  for (const [key, [schema, summary]] of Object.entries(messages)) {
    const name = key.charAt(0).toUpperCase() + key.slice(1);
    schemas[name] = toJsonSchema(schema);
    messageComponents[key] = {
      name,
      title: name,
      summary,
      contentType: 'application/json',
      payload: ref(`#/components/schemas/${name}`),
      ...messageExtras[key as MessageKey],
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Twinwire',
      // This package's version: the document changes only with these schemas.
      version: schemasPackage.version,
      description: [
        'Device telemetry over MQTT and WebSocket, described from the platform side.',
        'Timestamps are integer epoch milliseconds (UTC).',
        'Telemetry is idempotent by (device id, ts, seq); QoS 1/2 publishes and acked',
        'WebSocket frames are acknowledged only after the reading is committed.',
        `Payloads are UTF-8 JSON of at most ${limits.maxPayloadBytes} bytes; invalid ones are`,
        'answered on `devices/{deviceId}/errors` or with an error frame.',
        'The broker speaks MQTT 3.1.1 and 5.0 on every listener. MQTT 5.0 clients are told',
        'refusals with the reason code of their PUBACK/PUBREC instead (invalid payload 0x99,',
        'with a reason string naming the field; not authorized 0x87; over the publish rate',
        '0x97), except at QoS 0; response topic, correlation data and user properties pass',
        'through untouched. Shared subscriptions ($share/{group}/{filter}, 3.1.1 too) give each',
        'message to one member of each group across every broker; enhanced authentication is',
        'not offered.',
        'Commands are MQTT 5.0 requests: the ack topic is their Response Topic and the command',
        'id their Correlation Data; an MQTT 5.0 device answers there with that Correlation Data,',
        'an MQTT 3.1.1 device (which never sees the properties) with the id in the payload.',
      ].join(' '),
    },
    defaultContentType: 'application/json',
    servers: {
      mqtt: {
        host: 'localhost:1883',
        protocol: 'mqtt',
        description: 'apps/broker: MQTT 3.1.1 and 5.0 over TCP (MQTT_PORT).',
        security: [ref('#/components/securitySchemes/deviceCredentials')],
      },
      'mqtt-tls': {
        host: 'localhost:8883',
        protocol: 'secure-mqtt',
        description:
          'apps/broker: MQTT 3.1.1 and 5.0 over TLS, when a certificate is configured (MQTT_TLS_PORT).',
        security: [ref('#/components/securitySchemes/deviceCredentials')],
      },
      'mqtt-ws': {
        host: 'localhost:8083',
        pathname: '/mqtt',
        protocol: 'ws',
        description:
          'apps/broker: MQTT 3.1.1 and 5.0 over WebSocket, subprotocol `mqtt` (MQTT_WS_PORT).',
        security: [ref('#/components/securitySchemes/deviceCredentials')],
      },
      api: {
        host: 'localhost:3000',
        protocol: 'ws',
        description: 'apps/api: WebSocket endpoints for dashboards and devices (API_PORT).',
      },
    },
    channels: {
      telemetry: channel('devices/{deviceId}/telemetry', 'Telemetry', ['telemetry'], mqttServers),
      status: channel('devices/{deviceId}/status', 'Status (retained)', ['status'], mqttServers),
      command: channel('devices/{deviceId}/commands/{name}', 'Command', ['command'], mqttServers),
      commandAck: channel(
        'devices/{deviceId}/commands/{name}/ack',
        'Command acknowledgement',
        ['commandAck'],
        mqttServers,
      ),
      errors: channel('devices/{deviceId}/errors', 'Errors', ['deviceError'], mqttServers),
      alarms: channel('alarms/{deviceId}', 'Alarm transitions', ['alarmEvent'], mqttServers),
      live: channel(
        '/ws/live',
        'Dashboard live stream',
        ['subscribe', 'unsubscribe', 'subscribed', 'message', 'ack', 'error'],
        [ref('#/servers/api')],
      ),
      device: channel(
        '/ws/device',
        'Device over WebSocket',
        ['hello', 'telemetryFrame', 'commandAckFrame', 'ack', 'commandFrame', 'error'],
        [ref('#/servers/api')],
      ),
    },
    operations: {
      receiveTelemetry: operation('receive', 'telemetry', 'Devices publish readings.', [
        'telemetry',
      ]),
      sendStatus: operation('send', 'status', 'The platform keeps the device status.', ['status'], {
        qos: 1,
        retain: true,
      }),
      sendCommand: {
        ...operation('send', 'command', 'The platform commands a device.', ['command'], {
          qos: 1,
          retain: false,
        }),
        // The answer comes on the ack channel: the command's Response Topic [MQTT-4.10].
        reply: {
          channel: ref('#/channels/commandAck'),
          messages: [ref('#/channels/commandAck/messages/commandAck')],
        },
      },
      receiveCommandAck: operation('receive', 'commandAck', 'Devices answer commands.', [
        'commandAck',
      ]),
      sendDeviceError: operation('send', 'errors', 'The platform reports refused input.', [
        'deviceError',
      ]),
      sendAlarmEvent: operation(
        'send',
        'alarms',
        'The platform announces alarm transitions (published once, by the instance that made it).',
        ['alarmEvent'],
        { qos: 1, retain: false },
      ),
      receiveDashboardFrames: operation('receive', 'live', 'Dashboards (un)subscribe.', [
        'subscribe',
        'unsubscribe',
      ]),
      sendDashboardFrames: operation('send', 'live', 'The platform streams to dashboards.', [
        'subscribed',
        'message',
        'ack',
        'error',
      ]),
      receiveDeviceFrames: operation('receive', 'device', 'WebSocket devices send.', [
        'hello',
        'telemetryFrame',
        'commandAckFrame',
      ]),
      sendDeviceFrames: operation('send', 'device', 'The platform acks and commands.', [
        'ack',
        'commandFrame',
        'error',
      ]),
    },
    components: {
      schemas,
      messages: messageComponents,
      parameters: {
        deviceId: {
          description: `Device id: ${limits.deviceId.minLength}-${limits.deviceId.maxLength} ${topicLevelText}.`,
        },
        name: {
          description: `Command name: ${limits.commandName.minLength}-${limits.commandName.maxLength} ${topicLevelText}.`,
        },
      },
      securitySchemes: {
        deviceCredentials: {
          type: 'userPassword',
          description: 'MQTT username is the device id, password the device secret.',
        },
      },
    },
  };
}

/** The document as the text of `asyncapi.json`. */
export function renderAsyncApiJson(): string {
  return formatJson(buildAsyncApiDocument());
}
