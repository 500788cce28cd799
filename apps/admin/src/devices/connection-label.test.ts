import { describe, expect, it } from 'vitest';
import { connectionLabel } from './connection-label.ts';

describe('connectionLabel', () => {
  it('names the MQTT version of a connected device', () => {
    expect(
      connectionLabel({ transport: 'mqtt', protocolVersion: 5, listener: 'mqtt-ws' }, undefined),
    ).toBe('MQTT 5.0');
    expect(connectionLabel({ transport: 'mqtt', protocolVersion: 4, listener: 'mqtt' }, true)).toBe(
      'MQTT 3.1.1',
    );
  });

  it('says the device WebSocket speaks no MQTT', () => {
    expect(
      connectionLabel({ transport: 'websocket', protocolVersion: null, listener: null }, true),
    ).toBe('device WebSocket (no MQTT)');
  });

  it('claims nothing for an offline device, or one the live status saw leave', () => {
    expect(connectionLabel(null, undefined)).toBe('—');
    expect(
      connectionLabel({ transport: 'mqtt', protocolVersion: 5, listener: 'mqtt' }, false),
    ).toBe('—');
  });
});
