import { Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { tuneSocket } from './tcp.ts';

describe('tuneSocket', () => {
  it('turns Nagle off and leaves liveness to MQTT keepalive', () => {
    const socket = new Socket();
    const setNoDelay = vi.spyOn(socket, 'setNoDelay');
    const setKeepAlive = vi.spyOn(socket, 'setKeepAlive');
    tuneSocket(socket);
    expect(setNoDelay).toHaveBeenCalledWith(true);
    expect(setKeepAlive).toHaveBeenCalledWith(false);
    socket.destroy();
  });
});
