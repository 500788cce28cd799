/** Starts a peer process (peer-main.ts) and talks to it; its pid is what the lab measures. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tsxLoaderUrl } from '../node-child.ts';
import type { PeerConfig, PeerMessage, PeerReady, PeerRequest, SinkStats } from './protocol.ts';

export interface Peer {
  pid: number;
  ready: PeerReady;
  gc(): Promise<void>;
  sink(stream: string): Promise<SinkStats>;
  totals(): Promise<{ received: number }>;
  connections(): Promise<number>;
  stop(): Promise<void>;
}

type Request = PeerRequest extends infer R
  ? R extends PeerRequest
    ? Omit<R, 'id'>
    : never
  : never;

export async function startPeer(config: PeerConfig): Promise<Peer> {
  const main = fileURLToPath(new URL('./peer-main.ts', import.meta.url));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--expose-gc', '--import', tsxLoaderUrl(), main, JSON.stringify(config)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const pending = new Map<number, (value: unknown) => void>();
  let nextId = 1;
  const ready = await new Promise<PeerReady>((resolve, reject) => {
    child.once('exit', (code) => {
      reject(new Error(`lab ${config.role} exited with ${code} before it was ready`));
    });
    child.on('message', (message: PeerMessage) => {
      if (message.type === 'ready') resolve(message.ready);
      else if (message.type === 'failed') reject(new Error(`lab ${config.role}: ${message.error}`));
      else pending.get(message.id)?.(message.value);
    });
  });
  child.on('exit', () => {
    for (const resolve of pending.values()) resolve(null);
    pending.clear();
  });
  const request = <T>(body: Request): Promise<T> =>
    new Promise((resolve) => {
      if (!child.connected) {
        resolve(null as T);
        return;
      }
      const id = nextId++;
      pending.set(id, (value) => {
        pending.delete(id);
        resolve(value as T);
      });
      child.send({ ...body, id });
    });
  return {
    pid: child.pid ?? -1,
    ready,
    gc: () => request<null>({ op: 'gc' }).then(() => undefined),
    sink: (stream) => request<SinkStats>({ op: 'sink', stream }),
    totals: () => request<{ received: number }>({ op: 'totals' }),
    connections: () => request<number>({ op: 'connections' }),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) =>
        child.once('exit', () => {
          resolve();
        }),
      );
      await request<null>({ op: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
