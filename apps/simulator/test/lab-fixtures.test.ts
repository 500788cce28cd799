import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { tlsFixtures } from '@twinwire/testing/tls-fixtures';
import { expect, it } from 'vitest';

// The lab serves its own copy of the test certificate at run time (src/lab/fixtures travels
// with the simulator; @twinwire/testing is for tests only). Tests and the lab must agree on it.
const lab = (name: string) =>
  fileURLToPath(new URL(`../src/lab/fixtures/${name}`, import.meta.url));

it("the lab's TLS fixtures are the shared test fixtures", async () => {
  for (const [name, shared] of [
    ['ca.pem', tlsFixtures.ca],
    ['server.pem', tlsFixtures.cert],
    ['server-key.pem', tlsFixtures.key],
  ] as const) {
    expect(await readFile(lab(name), 'utf8'), name).toBe(await readFile(shared, 'utf8'));
  }
});
