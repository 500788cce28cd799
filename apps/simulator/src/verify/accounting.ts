import type { ReadingLedger } from './ledger.ts';

type DeviceProtocolName = 'mqtt' | 'ws';
export type QoS = 0 | 1 | 2;
export type MqttVersion = '3.1.1' | '5';

/** How a device delivers: MQTT at a QoS, or the API's WebSocket protocol (acked frames). */
export interface DeliveryMode {
  protocol: DeviceProtocolName;
  /** MQTT QoS; null for the WebSocket device protocol, where every frame is acked. */
  qos: QoS | null;
  /** MQTT only; absent means 3.1.1. */
  mqttVersion?: MqttVersion;
}

export interface Counts {
  /** Readings the devices handed to their transport. */
  sent: number;
  /** Of those, acknowledged by the platform (never for MQTT QoS 0). */
  acked: number;
  /** Of those, found in the database: the source of truth. */
  stored: number;
  /** Sent but not in the database. */
  lost: number;
  /** Acknowledged but not in the database: the delivery guarantee says this is always 0. */
  lostAcked: number;
  /** Sent but never put on the wire (still queued when the run ended). */
  notTransmitted: number;
  /** Put on the wire more than once by the device (resent after a reconnect). */
  resent: number;
  /** Delivered by the platform more than once, as a subscriber saw; null when not watched. */
  duplicated: number | null;
  /** Rows in the run's time window that match no reading this run sent. */
  unexpected: number;
}

export interface DeviceAccount extends Counts {
  deviceId: string;
  mode: DeliveryMode;
}

export interface GroupAccount extends Counts {
  mode: DeliveryMode;
  devices: number;
}

export interface StoredKey {
  ts: number;
  seq: number;
}

export function modeLabel(mode: DeliveryMode): string {
  if (mode.protocol === 'ws') return 'ws';
  return `${mode.mqttVersion === '5' ? 'mqtt5' : 'mqtt'} qos${mode.qos}`;
}

/**
 * Compares what one device sent with the rows the database holds for it. The database
 * cannot hold a reading twice ((device, ts, seq) is its key), so a row is matched to the
 * reading with its seq and ts; a second row for the same reading would be reported as
 * unexpected, never as stored twice.
 */
export function accountDevice(
  ledger: ReadingLedger,
  mode: DeliveryMode,
  stored: Iterable<StoredKey>,
  monitored: boolean,
): DeviceAccount {
  const found = new Uint8Array(ledger.taken);
  let unexpected = 0;
  for (const row of stored) {
    const index = row.seq - 1;
    if (ledger.tsOf(row.seq) === row.ts && found[index] === 0) found[index] = 1;
    else unexpected += 1;
  }
  const counts = emptyCounts(monitored);
  counts.unexpected = unexpected;
  for (let seq = 1; seq <= ledger.taken; seq++) {
    const isStored = found[seq - 1] === 1;
    const isAcked = ledger.isAcked(seq);
    const transmissions = ledger.transmissionsOf(seq);
    counts.sent += 1;
    if (isAcked) counts.acked += 1;
    if (isStored) counts.stored += 1;
    else {
      counts.lost += 1;
      if (isAcked) counts.lostAcked += 1;
    }
    if (transmissions === 0) counts.notTransmitted += 1;
    if (transmissions > 1) counts.resent += 1;
    if (counts.duplicated !== null && ledger.observationsOf(seq) > 1) counts.duplicated += 1;
  }
  return { deviceId: ledger.deviceId, mode, ...counts };
}

/** Sums device accounts per delivery mode, in a stable order (mqtt by QoS, then ws). */
export function accountGroups(devices: readonly DeviceAccount[]): GroupAccount[] {
  const groups = new Map<string, GroupAccount>();
  for (const device of devices) {
    const key = modeLabel(device.mode);
    let group = groups.get(key);
    if (!group) {
      group = { mode: device.mode, devices: 0, ...emptyCounts(device.duplicated !== null) };
      groups.set(key, group);
    }
    group.devices += 1;
    addCounts(group, device);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, group]) => group);
}

/** Every group added up. */
export function accountTotal(groups: readonly GroupAccount[]): Counts {
  const total = emptyCounts(groups.every((group) => group.duplicated !== null));
  for (const group of groups) addCounts(total, group);
  return total;
}

function emptyCounts(monitored: boolean): Counts {
  return {
    sent: 0,
    acked: 0,
    stored: 0,
    lost: 0,
    lostAcked: 0,
    notTransmitted: 0,
    resent: 0,
    duplicated: monitored ? 0 : null,
    unexpected: 0,
  };
}

function addCounts(into: Counts, from: Counts): void {
  into.sent += from.sent;
  into.acked += from.acked;
  into.stored += from.stored;
  into.lost += from.lost;
  into.lostAcked += from.lostAcked;
  into.notTransmitted += from.notTransmitted;
  into.resent += from.resent;
  into.unexpected += from.unexpected;
  if (into.duplicated !== null) into.duplicated += from.duplicated ?? 0;
}
