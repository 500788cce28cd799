// The local platform's secrets, made once and kept beside the data (mode 0600), so a second
// start signs in with the same admin password, keeps tokens valid and reuses everything.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const token = (bytes) => randomBytes(bytes).toString('base64url');

export function loadLocalSecrets(file) {
  if (existsSync(file)) return { ...JSON.parse(readFileSync(file, 'utf8')), created: false };
  const secrets = {
    adminUsername: 'admin',
    adminPassword: token(12),
    jwtSecret: token(32),
    serviceSecret: token(24),
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return { ...secrets, created: true };
}

/** Writes the secrets back (mode 0600), e.g. after issuing the demo devices' credentials. */
export function saveLocalSecrets(file, secrets) {
  const { created: _created, ...kept } = secrets;
  writeFileSync(file, `${JSON.stringify(kept, null, 2)}\n`, { mode: 0o600 });
}
