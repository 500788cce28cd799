/**
 * Scenario 2, bytes on the wire: counted at the client's TCP socket (TLS records and
 * handshakes included; TCP/IP headers are below the socket and in neither column), for the
 * connection handshake and per message from 16 B to 64 KiB, beside each protocol's minimum.
 */
import {
  entriesOf,
  type LabContext,
  type PerTransport,
  type Scenario,
  type ScenarioOutput,
} from '../context.ts';
import { num } from '../stats.ts';
import { baseProtocol, isMqtt, isTls, TRANSPORT_LABELS, type Link } from '../transports.ts';
import { minimumMessageBytes, type MessageShape } from '../wire-math.ts';
import { wireDelta, type WireBytes } from '../wire.ts';
import { closeLinks, openEchoLink } from './links.ts';

interface SizeRow {
  payload: number;
  up: number;
  down: number;
  minUp: number;
  minDown: number;
}

/** Sends one message at a time and waits for its echo. */
function echoer(link: Link): (payload: Buffer) => Promise<void> {
  let echoed: (() => void) | undefined;
  link.onMessage(() => echoed?.());
  return (payload) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${link.transport}: echo lost`));
      }, 10_000);
      echoed = () => {
        clearTimeout(timer);
        resolve();
      };
      link.send(payload);
    });
}

function topicBytes(context: LabContext, name: string, end: 'ping' | 'pong'): number {
  return Buffer.byteLength(`${context.topicPrefix}/echo/${name}/${end}`);
}

/** mqtt.js writes one PUBLISH in several stream writes; over WebSocket each becomes a frame. */
function splitFrameNote(row: SizeRow | undefined): string[] {
  if (!row || row.up <= row.minUp) return [];
  const extra = row.up - row.minUp;
  return [
    `MQTT over WebSocket, device → broker, carries ${extra.toFixed(0)} B per message more than one frame per packet would: mqtt.js writes a PUBLISH in several pieces and its WebSocket stream sends each as a frame of its own (6 B header + mask each; with TLS each also a record of its own). The broker → device direction, one frame per packet, meets the minimum.`,
  ];
}

export const wireBytesScenario: Scenario = {
  id: 'wire-bytes',
  title: 'Bytes on the wire: handshake and per message',
  async run(context: LabContext): Promise<ScenarioOutput> {
    const { wire: sizes } = context.sizes;
    const handshake: PerTransport<WireBytes> = {};
    const perSize: PerTransport<SizeRow[]> = {};
    const notes: string[] = [];
    for (const transport of context.transports) {
      context.progress(`wire-bytes: ${transport}`);
      const name = `bytes-${transport}`;
      let link: Link | undefined;
      try {
        link = await openEchoLink(context, transport, name);
        handshake[transport] = link.handshakeBytes;
        // Let late handshake records (TLS 1.3 session tickets) arrive before counting.
        await new Promise((resolve) => setTimeout(resolve, 100));
        const roundTrip = echoer(link);
        const rows: SizeRow[] = [];
        for (const payloadBytes of sizes.payloads) {
          if (Date.now() >= context.deadline) break;
          const payload = Buffer.alloc(payloadBytes, 0x61);
          await roundTrip(payload);
          const before = link.wire();
          for (let n = 0; n < sizes.messages; n++) await roundTrip(payload);
          const delta = wireDelta(link.wire(), before);
          const shape = (direction: 'up' | 'down'): MessageShape => ({
            protocol: baseProtocol(transport),
            tls: isTls(transport),
            payloadBytes,
            topicBytes: topicBytes(context, name, direction === 'up' ? 'ping' : 'pong'),
            qos: 0,
            direction,
          });
          rows.push({
            payload: payloadBytes,
            up: delta.written / sizes.messages,
            down: delta.read / sizes.messages,
            minUp: minimumMessageBytes(shape('up')),
            minDown: minimumMessageBytes(shape('down')),
          });
        }
        perSize[transport] = rows;
      } catch (error) {
        notes.push(
          `${transport}: failed — ${error instanceof Error ? error.message : String(error)}`,
        );
      } finally {
        if (link) await closeLinks([link]);
      }
    }

    const measured = entriesOf(perSize, context.transports);
    const small: NonNullable<LabContext['facts']['wire']>['smallMessage'] = {};
    for (const [transport, [first]] of measured) {
      if (first) {
        small[transport] = {
          bytes: first.up,
          overhead: first.up - first.payload,
          minimum: first.minUp,
          topicBytes: isMqtt(transport) ? topicBytes(context, `bytes-${transport}`, 'ping') : 0,
        };
      }
    }
    context.facts.wire = { handshake, smallMessage: small };

    const rows = measured.flatMap(([transport, sized]) =>
      sized.map((r) => ({
        transport: TRANSPORT_LABELS[transport],
        payload: r.payload,
        up: num(r.up, 1),
        minUp: r.minUp,
        overheadUp: num(r.up - r.payload, 1),
        down: num(r.down, 1),
        minDown: r.minDown,
        overheadDown: num(r.down - r.payload, 1),
        ratio: num(r.up / r.minUp, 3),
      })),
    );
    const payloads = sizes.payloads.map((p) => (p >= 1024 ? `${p / 1024} KiB` : `${p} B`));
    return {
      method:
        `Each transport opens one connection and echoes ${sizes.messages} messages per payload size; bytes are the client TCP socket's bytesWritten (up) and bytesRead (down) over those round trips, divided by their number. ` +
        'Minimum: MQTT 3.1.1 PUBLISH QoS 0 (fixed header + remaining length + 2-byte topic length + topic + payload); MQTT 5 PUBLISH QoS 0 with a topic alias (the same with an empty topic, + 1-byte property length + 3-byte Topic Alias property); WebSocket frame header 2/4/10 B + 4-byte mask on client frames, MQTT over WebSocket one frame per packet, TLS 1.3 22 B per record of up to 16 KiB.',
      tables: [
        {
          title: 'Connection handshake (socket open → WebSocket open / CONNACK)',
          columns: [
            { key: 'transport', label: 'transport' },
            { key: 'up', label: 'client → server', unit: 'B' },
            { key: 'down', label: 'server → client', unit: 'B' },
            { key: 'total', label: 'total', unit: 'B' },
          ],
          rows: context.transports.flatMap((t) => {
            const bytes = handshake[t];
            return bytes
              ? [
                  {
                    transport: TRANSPORT_LABELS[t],
                    up: bytes.written,
                    down: bytes.read,
                    total: bytes.written + bytes.read,
                  },
                ]
              : [];
          }),
        },
        {
          title: 'Bytes per message, measured at the socket vs protocol minimum',
          columns: [
            { key: 'transport', label: 'transport' },
            { key: 'payload', label: 'payload', unit: 'B' },
            { key: 'up', label: 'up, measured', unit: 'B' },
            { key: 'minUp', label: 'up, minimum', unit: 'B' },
            { key: 'overheadUp', label: 'up overhead', unit: 'B' },
            { key: 'down', label: 'down, measured', unit: 'B' },
            { key: 'minDown', label: 'down, minimum', unit: 'B' },
            { key: 'overheadDown', label: 'down overhead', unit: 'B' },
            { key: 'ratio', label: 'up measured / minimum' },
          ],
          rows,
        },
      ],
      charts: [
        {
          title: 'Handshake bytes (both directions)',
          kind: 'bar',
          xLabel: 'transport',
          yLabel: 'bytes',
          series: [
            {
              name: 'handshake',
              points: context.transports.flatMap((t) => {
                const bytes = handshake[t];
                return bytes ? [{ x: t, y: bytes.written + bytes.read }] : [];
              }),
            },
          ],
        },
        {
          title: 'Per-message overhead, device → server (measured − payload)',
          kind: 'bar',
          xLabel: 'payload',
          yLabel: 'bytes',
          series: measured.map(([t, sized]) => ({
            name: t,
            points: sized.map((r, i) => ({
              x: payloads[i] ?? String(r.payload),
              y: num(r.up - r.payload, 1) ?? 0,
            })),
          })),
        },
      ],
      notes: [
        ...notes,
        ...(measured.some(([t]) => isMqtt(t))
          ? [
              'MQTT topics are this run’s `lab/<run>/echo/<name>/ping|pong` (about 30 bytes each); the topic is part of every PUBLISH, so a shorter topic makes MQTT leaner.',
            ]
          : []),
        ...(perSize.mqtt5
          ? [
              'MQTT 5/TCP (topic alias): the same broker over TCP with `protocolVersion: 5`; mqtt.js assigns the publish topic an alias within the broker’s Topic Alias Maximum (CONNACK), and the client’s own Topic Alias Maximum lets the broker alias the topic it delivers on. Each size is measured after one unrecorded round trip, so every counted PUBLISH carries an empty topic and the 2-byte alias instead of the topic.',
            ]
          : []),
        ...splitFrameNote(perSize['mqtt-ws']?.[0]),
        'WebSocket handshakes include the HTTP upgrade request and response; the `ws` client offers permessage-deflate, which the servers decline.',
      ],
    };
  },
};
