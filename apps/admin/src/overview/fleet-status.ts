import type { DeviceView } from '../api/devices-api.ts';

export interface KnownState {
  online: boolean;
  protocol: string | null;
}

export interface ProtocolRow {
  protocol: string;
  online: number;
  total: number;
}

/**
 * Devices by the protocol they last used, online and in all: the REST list as the base,
 * overridden by live status messages that arrived since it was fetched.
 */
export function onlineByProtocol(
  devices: readonly DeviceView[],
  liveStatus: ReadonlyMap<string, KnownState>,
): { rows: ProtocolRow[]; online: number; total: number } {
  const rows = new Map<string, ProtocolRow>();
  let online = 0;
  for (const device of devices) {
    const live = liveStatus.get(device.id);
    const isOnline = live?.online ?? device.online;
    const protocol = live?.protocol ?? device.lastProtocol ?? 'never connected';
    let row = rows.get(protocol);
    if (!row) rows.set(protocol, (row = { protocol, online: 0, total: 0 }));
    row.total += 1;
    if (isOnline) {
      row.online += 1;
      online += 1;
    }
  }
  return {
    rows: [...rows.values()].sort(
      (a, b) => b.online - a.online || b.total - a.total || a.protocol.localeCompare(b.protocol),
    ),
    online,
    total: devices.length,
  };
}
