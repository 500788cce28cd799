import { fileURLToPath } from 'node:url';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));

/**
 * Absolute paths of the test-only TLS certificates and keys in `fixtures/tls` (how they were
 * made: `fixtures/tls/README.md`). Never use them outside tests.
 */
export const tlsFixtures = {
  /** The test CA (`TLS_CA`). */
  ca: fixture('ca.pem'),
  caKey: fixture('ca-key.pem'),
  /** The server certificate for 127.0.0.1 and localhost, signed by the test CA. */
  cert: fixture('server.pem'),
  key: fixture('server-key.pem'),
  /** A device client certificate, CN `tls-device`, signed by the test CA. */
  deviceCert: fixture('device.pem'),
  deviceKey: fixture('device-key.pem'),
  /** Another CA, and the same CN signed by it: a broker trusting the test CA refuses it. */
  foreignCa: fixture('foreign-ca.pem'),
  foreignDeviceCert: fixture('foreign-device.pem'),
  foreignDeviceKey: fixture('foreign-device-key.pem'),
} as const;
