/**
 * Entry of the lab's peer processes, so that what is measured runs in a process of its
 * own: `ws-server` (the raw WebSocket baseline) or `helper` (MQTT echo + TLS terminator).
 * Started by peer.ts with its config as the last argument; driven over the IPC channel;
 * exits when the parent goes away.
 */
import { startHelper } from './helper.ts';
import type { PeerConfig, PeerMessage, PeerRequest } from './protocol.ts';
import { startWsBaseline, type WsBaseline } from './ws-baseline.ts';

function send(message: PeerMessage): void {
  process.send?.(message);
}

const config = JSON.parse(process.argv.at(-1) ?? '{}') as PeerConfig;
let close: () => Promise<void> = () => Promise.resolve();
let baseline: WsBaseline | undefined;

try {
  if (config.role === 'ws-server') {
    baseline = await startWsBaseline(config.tls);
    close = () => baseline?.close() ?? Promise.resolve();
    send({ type: 'ready', ready: { ports: baseline.ports } });
  } else {
    const helper = await startHelper(config);
    close = () => helper.close();
    send({ type: 'ready', ready: { ports: { tls: helper.terminatorPort } } });
  }
} catch (error) {
  send({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}

function answer(request: PeerRequest): unknown {
  switch (request.op) {
    case 'gc':
      // --expose-gc is passed by the parent, so memory is read without garbage.
      globalThis.gc?.();
      return null;
    case 'sink':
      return baseline?.sink(request.stream);
    case 'totals':
      return baseline?.totals();
    case 'connections':
      return baseline?.connections() ?? 0;
    case 'stop':
      void close().finally(() => {
        send({ type: 'reply', id: request.id, value: null });
        process.disconnect();
        process.exit(0);
      });
      return undefined;
  }
}

process.on('message', (request: PeerRequest) => {
  const value = answer(request);
  if (request.op !== 'stop') send({ type: 'reply', id: request.id, value: value ?? null });
});
process.on('disconnect', () => {
  void close().finally(() => process.exit(0));
});
