import { describe, expect, it } from 'vitest';
import type { DeviceView } from '../api/devices-api.ts';
import { onlineByProtocol } from './fleet-status.ts';

const device = (id: string, online: boolean, lastProtocol: string | null): DeviceView => ({
  id,
  name: id,
  metadata: {},
  online,
  lastProtocol,
  lastSeenAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  tags: [],
  connection: null,
});

describe('onlineByProtocol', () => {
  it('counts devices per last protocol, online and in all', () => {
    const result = onlineByProtocol(
      [
        device('a', true, 'mqtt'),
        device('b', false, 'mqtt'),
        device('c', true, 'websocket'),
        device('d', false, null),
      ],
      new Map(),
    );
    expect(result).toEqual({
      rows: [
        { protocol: 'mqtt', online: 1, total: 2 },
        { protocol: 'websocket', online: 1, total: 1 },
        { protocol: 'never connected', online: 0, total: 1 },
      ],
      online: 2,
      total: 4,
    });
  });

  it('lets live status messages override the listed state', () => {
    const result = onlineByProtocol(
      [device('a', true, 'mqtt'), device('b', false, null)],
      new Map([
        ['a', { online: false, protocol: 'mqtt' }],
        ['b', { online: true, protocol: 'websocket' }],
      ]),
    );
    expect(result.online).toBe(1);
    expect(result.rows).toEqual([
      { protocol: 'websocket', online: 1, total: 1 },
      { protocol: 'mqtt', online: 0, total: 1 },
    ]);
  });
});
