import { readFile, writeFile } from 'node:fs/promises';
import { isValidDeviceId } from '@twinwire/schemas/topics';
import { ApiResponseError } from '@twinwire/api-client/client';
import { ApiClient, type AdminCredentials } from './api/api-client.ts';

export interface DeviceCredential {
  deviceId: string;
  secret: string;
}

/** `prefix-0001` … : zero-padded so the ids sort in creation order. */
function deviceIds(prefix: string, count: number): string[] {
  const width = Math.max(4, String(count).length);
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(width, '0')}`);
}

/**
 * Registers `count` devices named `{prefix}-0001`… through the REST API and issues each a
 * credential. A device that already exists (an earlier run with the same prefix) is reused
 * and gets a fresh credential. At most `concurrency` requests run at once.
 */
export async function provisionDevices(
  apiUrl: string,
  adminCredentials: AdminCredentials,
  count: number,
  prefix: string,
  options: { concurrency?: number } = {},
): Promise<DeviceCredential[]> {
  const ids = deviceIds(prefix, count);
  const invalid = ids.find((id) => !isValidDeviceId(id));
  if (invalid !== undefined)
    throw new RangeError(
      `device id "${invalid}" is not valid: use a prefix of A-Z a-z 0-9 _ . : - (at most 64 characters in all)`,
    );
  const api = await ApiClient.login(apiUrl, adminCredentials);
  const provision = async (deviceId: string): Promise<DeviceCredential> => {
    try {
      await api.createDevice(deviceId, `Simulated ${deviceId}`);
    } catch (error) {
      if (!(error instanceof ApiResponseError && error.status === 409)) throw error;
    }
    return { deviceId, secret: await api.issueCredential(deviceId) };
  };
  return mapLimit(ids, options.concurrency ?? 8, provision);
}

/** Runs `task` over `items` with at most `limit` running at once; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < items.length; index = next++) {
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Reads `[{ deviceId, secret }, …]` (what `--save-credentials` writes). */
export async function readCredentialsFile(path: string): Promise<DeviceCredential[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(
      `--credentials ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (!Array.isArray(parsed) || parsed.length === 0)
    throw new Error(
      `--credentials ${path}: expected a non-empty JSON array of { deviceId, secret }`,
    );
  return parsed.map((entry: unknown, index) => {
    const { deviceId, secret } = (entry ?? {}) as { deviceId?: unknown; secret?: unknown };
    if (typeof deviceId !== 'string' || !isValidDeviceId(deviceId) || typeof secret !== 'string')
      throw new Error(
        `--credentials ${path}: entry ${index} needs a valid "deviceId" and a "secret" string`,
      );
    return { deviceId, secret };
  });
}

/** Writes credentials for a later `--credentials`, readable by the owner only. */
export async function writeCredentialsFile(
  path: string,
  credentials: readonly DeviceCredential[],
): Promise<void> {
  await writeFile(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
}
