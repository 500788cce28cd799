import { readFile } from 'node:fs/promises';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { expect, it } from 'vitest';
import { tlsFixtures } from './tls-fixtures.ts';

it('names PEM files that exist, the server and device certificates signed by the test CA', async () => {
  const certificate = async (path: string) => new X509Certificate(await readFile(path));
  const ca = await certificate(tlsFixtures.ca);
  const server = await certificate(tlsFixtures.cert);
  expect(server.verify(ca.publicKey)).toBe(true);
  expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
  expect((await certificate(tlsFixtures.deviceCert)).verify(ca.publicKey)).toBe(true);
  expect((await certificate(tlsFixtures.foreignDeviceCert)).verify(ca.publicKey)).toBe(false);
  const foreignCa = await certificate(tlsFixtures.foreignCa);
  expect((await certificate(tlsFixtures.foreignDeviceCert)).verify(foreignCa.publicKey)).toBe(true);
  for (const key of [
    tlsFixtures.key,
    tlsFixtures.caKey,
    tlsFixtures.deviceKey,
    tlsFixtures.foreignDeviceKey,
  ])
    expect(createPrivateKey(await readFile(key)).type).toBe('private');
  expect(server.checkPrivateKey(createPrivateKey(await readFile(tlsFixtures.key)))).toBe(true);
});
