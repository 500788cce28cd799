import { ApiClient, type AdminCredentials } from '../api/api-client.ts';
import { mapLimit } from '../provision.ts';
import {
  accountDevice,
  accountGroups,
  accountTotal,
  type Counts,
  type DeliveryMode,
  type DeviceAccount,
  type GroupAccount,
} from './accounting.ts';
import type { ReadingLedger } from './ledger.ts';

export interface VerifiedDevice {
  ledger: ReadingLedger;
  mode: DeliveryMode;
}

export interface Verification {
  devices: DeviceAccount[];
  groups: GroupAccount[];
  total: Counts;
}

export interface VerifyOptions {
  /** Whether a subscriber counted deliveries (else `duplicated` is null). */
  monitored: boolean;
  /**
   * How long to keep looking while readings are missing: the broker commits QoS 0 readings
   * from a buffer on a timer, so they can land a moment after the run. Default 3 s.
   */
  settleMs?: number;
  concurrency?: number;
}

/**
 * The end-of-run check: reads every device's stored readings through the API (the
 * database is the source of truth) and compares them with what each device sent and had
 * acknowledged. Devices still missing readings are read again every half second until none
 * is missing or `settleMs` has passed.
 */
export async function verifyFleet(
  apiUrl: string,
  credentials: AdminCredentials,
  devices: readonly VerifiedDevice[],
  options: VerifyOptions,
): Promise<Verification> {
  const api = await ApiClient.login(apiUrl, credentials);
  const check = async (device: VerifiedDevice): Promise<DeviceAccount> => {
    const range = device.ledger.timeRange();
    const stored = range
      ? await api.readingKeys(device.ledger.deviceId, { from: range.from, to: range.to + 1 })
      : [];
    return accountDevice(device.ledger, device.mode, stored, options.monitored);
  };
  const concurrency = options.concurrency ?? 8;
  const accounts = await mapLimit(devices, concurrency, check);
  const deadline = Date.now() + (options.settleMs ?? 3_000);
  let missing = indexesMissing(accounts);
  while (missing.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    await mapLimit(missing, concurrency, async (index) => {
      const device = devices[index];
      if (device) accounts[index] = await check(device);
    });
    missing = indexesMissing(accounts);
  }
  const groups = accountGroups(accounts);
  return { devices: accounts, groups, total: accountTotal(groups) };
}

function indexesMissing(accounts: readonly DeviceAccount[]): number[] {
  const indexes: number[] = [];
  accounts.forEach((account, index) => {
    if (account.lost > account.notTransmitted) indexes.push(index);
  });
  return indexes;
}
