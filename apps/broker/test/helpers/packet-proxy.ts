// Test support: a TCP proxy that reads MQTT 3.1.1 packets in both directions and lets a rule
// forward, drop or hold each one, or cut the connection at that exact packet.
import net from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';

export type Direction = 'to-broker' | 'to-client';

/**
 * What becomes of a packet: `hold` keeps it until `release`, `cut` drops it and resets both
 * sides, `forward-then-cut` resets both sides once the packet has been written on.
 */
type Verdict = 'forward' | 'drop' | 'hold' | 'cut' | 'forward-then-cut';

interface ProxiedConnection {
  /** 1 for the first connection through the proxy, 2 for the next, and so on. */
  readonly id: number;
  /** Writes on the packets held in `direction`, in the order they arrived. */
  release(direction: Direction): void;
}

export type PacketRule = (
  packet: Packet,
  direction: Direction,
  connection: ProxiedConnection,
) => Verdict;

interface SeenPacket {
  connection: number;
  direction: Direction;
  packet: Packet;
  verdict: Verdict;
}

export interface PacketProxy {
  url: string;
  /** Every packet that reached the proxy, in order, with the rule's verdict. */
  seen: SeenPacket[];
  /** Connections the proxy cut. */
  cuts(): number;
  /** Resets every open connection now. */
  cutAll(): void;
  setRule(rule: PacketRule): void;
  close(): Promise<void>;
}

export async function startPacketProxy(target: number, rule: PacketRule): Promise<PacketProxy> {
  const open = new Map<() => void, () => void>();
  const seen: SeenPacket[] = [];
  let connections = 0;
  let cuts = 0;

  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: target });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const socketTo = (direction: Direction) => (direction === 'to-broker' ? upstream : client);
    const held: { direction: Direction; packet: Packet }[] = [];
    let alive = true;
    const cut = () => {
      if (!alive) return;
      alive = false;
      cuts += 1;
      // A reset, not a FIN: both ends see the connection die as on a real network.
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    };
    const end = () => {
      alive = false;
      open.delete(end);
      client.destroy();
      upstream.destroy();
    };
    open.set(end, cut);
    const write = (direction: Direction, packet: Packet, then?: () => void) => {
      if (alive) socketTo(direction).write(mqttPacket.generate(packet), then);
    };
    const connection: ProxiedConnection = {
      id: (connections += 1),
      release(direction) {
        for (const entry of held.filter((h) => h.direction === direction)) {
          held.splice(held.indexOf(entry), 1);
          write(direction, entry.packet);
        }
      },
    };
    for (const [direction, from] of [
      ['to-broker', client],
      ['to-client', upstream],
    ] as const) {
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      parser.on('packet', (packet) => {
        if (!alive) return;
        const verdict = rule(packet, direction, connection);
        seen.push({ connection: connection.id, direction, packet, verdict });
        if (verdict === 'forward') write(direction, packet);
        else if (verdict === 'hold') held.push({ direction, packet });
        else if (verdict === 'cut') cut();
        else if (verdict === 'forward-then-cut') write(direction, packet, () => setImmediate(cut));
      });
      from.on('data', (chunk: Buffer) => parser.parse(chunk));
    }
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP port');

  return {
    url: `mqtt://127.0.0.1:${address.port}`,
    seen,
    cuts: () => cuts,
    cutAll() {
      for (const cut of [...open.values()]) cut();
    },
    setRule(next) {
      rule = next;
    },
    close() {
      for (const end of [...open.keys()]) end();
      return new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
