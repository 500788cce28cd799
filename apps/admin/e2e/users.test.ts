// The Users page in Chromium: an admin creates a user, changes the role, disables and enables
// them and resets the password; each is checked by signing in through the API.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signIn, startHarness, type Harness } from './helpers/harness.ts';

const browserAvailable = inject('chromiumPath') !== '';
const wait = { timeout: 15_000 };

interface ManagedUser {
  username: string;
  role: string;
  disabled: boolean;
}

describe.skipIf(!browserAvailable)('the Users page in Chromium', () => {
  let harness: Harness;
  const page = () => harness.page;
  const row = () => page().locator('tr[data-username="ops-ada"]');
  const login = async (password: string) =>
    (
      await fetch(`${harness.platform.urls.api}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'ops-ada', password }),
      })
    ).status;
  const stored = async () =>
    (await harness.api<{ items: ManagedUser[] }>('GET', '/users')).body.items.find(
      (user) => user.username === 'ops-ada',
    );

  beforeAll(async () => {
    harness = await startHarness();
    await signIn(harness);
    await page()
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Users' })
      .click();
    await page().getByRole('heading', { level: 1, name: 'Users' }).waitFor(wait);
  });
  afterAll(async () => {
    await harness.close();
  });

  it('flags a topic-like name and a short password in the browser, then creates the user', async () => {
    const form = page().getByRole('form', { name: 'New user' });
    await form.getByLabel('Username').fill('ops/+');
    await form.getByText('without / + # or control characters').waitFor(wait);
    await form.getByLabel('Initial password').fill('short');
    await form.getByText('Use at least 12 characters.').waitFor(wait);
    expect(await form.getByRole('button', { name: 'Create user' }).isDisabled()).toBe(true);
    await harness.screenshot('40-users-invalid');
    await form.getByLabel('Username').fill('ops-ada');
    await form.getByLabel('Role').selectOption('viewer');
    await form.getByLabel('Initial password').fill('ada-first-password');
    await form.getByRole('button', { name: 'Create user' }).click();
    await form.getByText('ops-ada can now sign in as viewer.').waitFor(wait);
    await row().waitFor(wait);
    expect(await login('ada-first-password')).toBe(200);
  });

  it('shows the API’s refusal of a taken name and keeps the form usable', async () => {
    const form = page().getByRole('form', { name: 'New user' });
    await form.getByLabel('Username').fill('ops-ada');
    await form.getByLabel('Initial password').fill('another-password');
    await form.getByRole('button', { name: 'Create user' }).click();
    await form.getByText("a user named 'ops-ada' already exists").waitFor(wait);
    await harness.screenshot('41-users-taken');
    await form.getByLabel('Username').fill('ops-bo');
    expect(await form.getByText('already exists').count()).toBe(0);
    await form.getByRole('button', { name: 'Create user' }).click();
    await form.getByText('ops-bo can now sign in as viewer.').waitFor(wait);
  });

  it('changes the role', async () => {
    await row().getByLabel('Role of ops-ada').selectOption('operator');
    await row().getByText('Role changed to operator.').waitFor(wait);
    expect((await stored())?.role).toBe('operator');
  });

  it('disables the user (who can no longer sign in) and enables them again', async () => {
    await row().getByRole('button', { name: 'Disable' }).click();
    await row().getByRole('button', { name: 'Disable ops-ada' }).click();
    await row().getByText('disabled', { exact: true }).waitFor(wait);
    expect((await stored())?.disabled).toBe(true);
    expect(await login('ada-first-password')).toBe(401);
    await harness.screenshot('42-users-disabled');
    await row().getByRole('button', { name: 'Enable' }).click();
    await row().getByText('active', { exact: true }).waitFor(wait);
    expect(await login('ada-first-password')).toBe(200);
  });

  it('resets the password', async () => {
    await row().getByRole('button', { name: 'Reset password' }).click();
    const form = page().getByRole('form', { name: 'New password for ops-ada' });
    await form.getByLabel('New password').fill('ada-second-password');
    await form.getByRole('button', { name: 'Set password' }).click();
    await row().getByText('New password set for ops-ada').waitFor(wait);
    expect(await login('ada-first-password')).toBe(401);
    expect(await login('ada-second-password')).toBe(200);
    await harness.screenshot('43-users');
  });

  it('refuses to demote the last admin, with the API’s reason', async () => {
    const me = page().locator('tr[data-username="admin"]');
    await me.getByLabel('Role of admin').selectOption('viewer');
    await me.getByText('this is the last enabled admin').waitFor(wait);
    expect(
      (await harness.api<{ items: ManagedUser[] }>('GET', '/users')).body.items.find(
        (user) => user.username === 'admin',
      )?.role,
    ).toBe('admin');
    expect(harness.pageErrors).toEqual([]);
  });
});
