import { expect, it } from 'vitest';
import { DeviceConnections } from './device-connections.ts';

it('tells the first connection of a device and its last', () => {
  const connections = new DeviceConnections<string>();
  expect(connections.add('d1', 'socket-a', 'cred-1')).toBe(true);
  expect(connections.add('d1', 'socket-b', 'cred-2')).toBe(false);
  expect(connections.add('d2', 'socket-c', undefined)).toBe(true);
  expect([...connections.connectionsOf('d1')]).toEqual([
    ['socket-a', 'cred-1'],
    ['socket-b', 'cred-2'],
  ]);
  expect(connections.remove('d1', 'socket-a')).toBe(false);
  expect(connections.remove('d1', 'socket-b')).toBe(true);
  expect(connections.remove('d1', 'socket-b')).toBe(false);
  expect(connections.deviceIds()).toEqual(['d2']);
  expect([...connections.connectionsOf('d1')]).toEqual([]);
});
