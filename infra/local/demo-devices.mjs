// The demo fleet's devices and their credentials: issued once, kept in
// .data/local-secrets.json beside the admin password, reused by every later `npm start`.
// A stored credential that no longer works (a fresh database, a revoke in the admin UI) is
// replaced; any other active credential of a demo device (left by earlier versions, which
// issued one per start) is revoked, so no pile of working secrets builds up.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { saveLocalSecrets } from './local-secrets.mjs';

async function call(apiUrl, token, method, path, body) {
  const response = await fetch(`${apiUrl}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

function expectStatus(result, statuses, what) {
  if (!statuses.includes(result.status))
    throw new Error(`${what}: the API answered ${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
}

/** `demo-0001` …, as the simulator names a fleet. */
export function demoDeviceIds(prefix, count) {
  const width = Math.max(4, String(count).length);
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(width, '0')}`);
}

/**
 * Makes sure the first `count` demo devices exist and have exactly one active credential,
 * the one kept in `secretsFile`; writes `[{ deviceId, secret }]` for the simulator's
 * `--credentials` (mode 0600) and returns its path.
 */
export async function provideDemoCredentials({
  apiUrl,
  admin,
  count,
  prefix,
  secretsFile,
  dataDir,
}) {
  const session = expectStatus(
    await call(apiUrl, undefined, 'POST', '/auth/login', admin),
    [200],
    'signing in as the admin',
  );
  const token = session.accessToken;
  const secrets = JSON.parse(readFileSync(secretsFile, 'utf8'));
  const kept = new Map((secrets.demoDevices ?? []).map((entry) => [entry.deviceId, entry]));
  const fleet = [];
  for (const deviceId of demoDeviceIds(prefix, count)) {
    expectStatus(
      await call(apiUrl, token, 'POST', '/devices', { id: deviceId, name: `Demo ${deviceId}` }),
      [201, 409],
      `creating ${deviceId}`,
    );
    const listed = expectStatus(
      await call(apiUrl, token, 'GET', `/devices/${deviceId}/credentials`),
      [200],
      `listing the credentials of ${deviceId}`,
    );
    const active = listed.items.filter((credential) => credential.revokedAt === null);
    let entry = kept.get(deviceId);
    if (!entry || !active.some((credential) => credential.id === entry.credentialId)) {
      const issued = expectStatus(
        await call(apiUrl, token, 'POST', `/devices/${deviceId}/credentials`),
        [201],
        `issuing a credential to ${deviceId}`,
      );
      entry = { deviceId, credentialId: issued.id, secret: issued.secret };
      kept.set(deviceId, entry);
    }
    for (const credential of active) {
      if (credential.id === entry.credentialId) continue;
      expectStatus(
        await call(apiUrl, token, 'DELETE', `/devices/${deviceId}/credentials/${credential.id}`),
        [204, 404],
        `revoking a leftover credential of ${deviceId}`,
      );
    }
    fleet.push({ deviceId, secret: entry.secret });
  }
  saveLocalSecrets(secretsFile, { ...secrets, demoDevices: [...kept.values()] });
  const file = join(dataDir, 'demo-credentials.json');
  writeFileSync(file, `${JSON.stringify(fleet, null, 2)}\n`, { mode: 0o600 });
  return file;
}
