import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { expectText, login, useBrowser } from './browser';

const ALL_PAGES = ['home', 'referrals', 'patients', 'institutions', 'members', 'users', 'audit', 'profile'];
const CLINICAL = ['home', 'referrals', 'patients', 'profile'];
const ADMIN = ['home', 'institutions', 'members', 'users', 'audit', 'profile'];

const ACCOUNTS: { username: string; menu: string[] }[] = [
  { username: 'specialist', menu: CLINICAL },
  { username: 'convener', menu: CLINICAL },
  { username: 'county-doctor', menu: CLINICAL },
  { username: 'chc-doctor', menu: CLINICAL },
  { username: 'admin', menu: ADMIN },
];

interface MeBody {
  displayName: string;
  roles: string[];
  institution?: { name: string };
}

async function expectMenu(page: Page, visible: string[]) {
  for (const key of visible) await page.getByTestId(`menu-${key}`).waitFor({ state: 'visible' });
  for (const key of ALL_PAGES.filter((k) => !visible.includes(k))) {
    expect(await page.getByTestId(`menu-${key}`).count(), `menu-${key} should be hidden`).toBe(0);
  }
}

describe('sign-in', () => {
  const b = useBrowser();

  for (const account of ACCOUNTS) {
    it(`${account.username} signs in and sees its name and menu`, async () => {
      const page = b.page();
      const res = await login(page, account.username);
      expect(res.status()).toBe(200);
      const me = (await (await page.request.get('/api/v1/me')).json()) as MeBody;
      expect(me.displayName).toBeTruthy();

      await expectText(page.getByTestId('header-user-name'), me.displayName);
      if (me.institution?.name) await expectText(page.getByTestId('header-institution'), me.institution.name);
      await expectText(page.getByTestId('home-welcome').locator('h3'), `欢迎，${me.displayName}`);
      await expectMenu(page, account.menu);
    });
  }

  it('a wrong password shows the server message and stays on the login page', async () => {
    const page = b.page();
    const res = await login(page, 'county-doctor', 'not-the-password');
    expect(res.status()).toBe(401);
    const error = page.getByTestId('login-error');
    await error.waitFor({ state: 'visible' });
    expect((await error.innerText()).trim().length).toBeGreaterThan(0);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.getByTestId('header-user-name').count()).toBe(0);
  });

  it('logging out returns to the login page, and a lost session (401) does too', async () => {
    const page = b.page();
    await login(page, 'admin');
    await page.getByTestId('logout-button').click();
    await page.getByTestId('login-submit').waitFor({ state: 'visible' });
    expect(new URL(page.url()).pathname).toBe('/login');

    await login(page, 'admin');
    await page.getByTestId('menu-home').waitFor();
    await page.context().clearCookies(); // the server now answers 401
    await page.getByTestId('menu-institutions').click();
    await page.getByTestId('login-submit').waitFor({ state: 'visible' });
    expect(new URL(page.url()).pathname).toBe('/login');
  });
});
