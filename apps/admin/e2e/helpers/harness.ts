import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@twinwire/db/testing';
import { startPlatform, type Platform } from '@twinwire/platform/start-platform';
import {
  provisionDevice,
  type ProvisionedDevice,
  type ProvisionOptions,
} from '@twinwire/testing/provision';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';
import { CHROMIUM_ARGS } from './chromium.ts';
import { serveSite, type StaticSite } from './static-site.ts';

export const ADMIN = { username: 'admin', password: 'e2e-admin-password' };

export interface Harness {
  platform: Platform;
  site: StaticSite;
  page: Page;
  /** The REST API as the admin, from Node: how a test checks what the UI did. */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the body it expects
  api<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  /** A device with one credential, straight in the harness's database. */
  provision(
    id: string,
    options?: Pick<ProvisionOptions, 'name' | 'tags'>,
  ): Promise<ProvisionedDevice>;
  /** Uncaught exceptions in the page: a working UI has none. */
  pageErrors: string[];
  /** Full-page PNG under .reports/screenshots, to look at after the run. */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

async function login(apiUrl: string): Promise<string> {
  const response = await fetch(`${apiUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  return ((await response.json()) as { accessToken: string }).accessToken;
}

/** Signs in through the UI as the admin and waits for the overview. */
export async function signIn(harness: Harness, user = ADMIN): Promise<void> {
  const page = harness.page;
  await page.goto(harness.site.origin);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor({ timeout: 15_000 });
}

/**
 * The real thing end to end: a database of this file's own, the broker and the API on free
 * loopback ports, the built admin on a static server whose config.json points at that API,
 * and Chromium. `apiEnv` adds API settings (e.g. fast webhook retries).
 */
export async function startHarness(
  options: { apiEnv?: Record<string, string> } = {},
): Promise<Harness> {
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
      ...(options.apiEnv ? { apiEnv: options.apiEnv } : {}),
    });
    closers.push(() => platform.close());
    // As deployed: the UI and the API on different origins, so every call is a CORS request
    // (a preflight for each PATCH, DELETE and JSON POST).
    if (new URL(site.origin).origin === new URL(platform.urls.api).origin)
      throw new Error('the e2e site and the API must be on different origins');
    site.setConfig({
      apiBaseUrl: platform.urls.api,
      mqttUrl: platform.urls.mqtt,
      mqttWsUrl: platform.urls.mqttWs,
      deviceWsUrl: `${platform.urls.apiWs}/ws/device`,
    });

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
    let token: string | undefined;
    const api: Harness['api'] = async (method, path, body) => {
      token ??= await login(platform.urls.api);
      const response = await fetch(`${platform.urls.api}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as never };
    };
    return {
      platform,
      site,
      page,
      api,
      provision: (id, provisionOptions) => provisionDevice(database.db, id, provisionOptions),
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
