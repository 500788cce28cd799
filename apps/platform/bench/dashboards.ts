/**
 * The dashboards of the fan-out benchmark, in a process of their own so that parsing
 * 100k frames/s does not compete with the API on the same event loop. Driven over IPC by
 * fanout.bench.ts: `connect` → `ready`; `measure` → counts frames; `report` → percentiles.
 */
import { WebSocket } from 'ws';

interface ConnectOrder {
  type: 'connect';
  url: string;
  topic: string;
  count: number;
}
type Order = ConnectOrder | { type: 'measure' } | { type: 'report' };

const sockets: WebSocket[] = [];
const latencies: number[] = [];
let measuring = false;
let delivered = 0;
const send = (message: unknown) => process.send?.(message);

async function connect({ url, topic, count }: ConnectOrder): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => {
        resolve();
      });
      socket.once('error', reject);
    });
    const subscribed = new Promise<void>((resolve) => {
      socket.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString('utf8')) as {
          type: string;
          payload?: { ts: number };
        };
        if (frame.type === 'subscribed') resolve();
        if (frame.type !== 'message' || !measuring || !frame.payload) return;
        delivered += 1;
        latencies.push(Date.now() - frame.payload.ts);
      });
    });
    socket.send(JSON.stringify({ type: 'subscribe', id: 's', filter: topic }));
    await subscribed;
    sockets.push(socket);
  }
}

function report() {
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? null;
  return { delivered, p50: pct(0.5), p99: pct(0.99), max: latencies.at(-1) ?? null };
}

process.on('message', (order: Order) => {
  switch (order.type) {
    case 'connect':
      void connect(order).then(() => send({ type: 'ready' }));
      break;
    case 'measure':
      measuring = true;
      break;
    case 'report':
      measuring = false;
      send({ type: 'report', ...report() });
      for (const socket of sockets) socket.terminate();
      process.disconnect();
      break;
  }
});
