import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@twinwire/db/testing';
import { startPlatform, type Platform } from '@twinwire/platform/start-platform';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';
import { CHROMIUM_ARGS } from './chromium.ts';
import { serveSite, type StaticSite } from './static-site.ts';

export const ADMIN = { username: 'admin', password: 'e2e-admin-password' };

export interface Harness {
  platform: Platform;
  site: StaticSite;
  page: Page;
  /** Uncaught exceptions in the page: a working UI has none. */
  pageErrors: string[];
  /** Full-page PNG under .reports/screenshots, to look at after the run. */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real thing end to end: a database of this file's own, the broker and the API on free
 * loopback ports, the built admin on a static server whose config.json points at that API,
 * and Chromium.
 */
export async function startHarness(): Promise<Harness> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer();
  };
  try {
    const database: TestDatabase = await createTestDatabase(inject('postgresUrl'));
    closers.push(() => database.drop());
    const site = await serveSite(inject('siteDir'));
    closers.push(() => site.close());
    const platform = await startPlatform({
      databaseUrl: database.url,
      corsOrigins: [site.origin],
      admin: ADMIN,
    });
    closers.push(() => platform.close());
    site.setConfig({ apiBaseUrl: platform.urls.api, mqttUrl: platform.urls.mqtt });

    const browser: Browser = await chromium.launch({
      executablePath: inject('chromiumPath'),
      args: CHROMIUM_ARGS,
    });
    closers.push(() => browser.close());
    const context: BrowserContext = await browser.newContext({
      viewport: { width: 1280, height: 860 },
      reducedMotion: 'reduce',
    });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const screenshotDir = inject('screenshotDir');
    return {
      platform,
      site,
      page,
      pageErrors,
      screenshot: async (name) => {
        await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
