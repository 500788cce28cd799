import { accessSync, constants } from 'node:fs';

/** Where Debian and Ubuntu put Chromium; CHROMIUM_PATH overrides. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium'];

export function findChromium(override: string | undefined): string | undefined {
  for (const path of override ? [override] : CANDIDATES) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not here; try the next place.
    }
  }
  return undefined;
}

/** Flags for a sandboxed CI container with no network: nothing phones home. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export const SKIP_BANNER = `
================================================================================
  BROWSER TESTS SKIPPED: Chromium was not found (looked for /usr/bin/chromium,
  /usr/bin/chromium-browser, /snap/bin/chromium, or $CHROMIUM_PATH).
  The admin UI's end-to-end tests in apps/admin/e2e did not run.
  Enable them with:   apt-get install -y chromium
  (or set CHROMIUM_PATH to a Chromium or Chrome binary), then run
  pnpm --filter @twinwire/admin test
================================================================================
`;
