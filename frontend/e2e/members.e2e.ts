import { describe, expect, it } from 'vitest';
import { chooseOption, login, useBrowser } from './browser';

describe('alliance administration', () => {
  const b = useBrowser();

  it('admin creates a CHC, adds it to the alliance, and it stays after a reload', async () => {
    const page = b.page();
    const name = `E2E社区卫生服务中心${Date.now().toString(36)}`;
    await login(page, 'admin');

    // 1. the institution
    await page.getByTestId('menu-institutions').click();
    await page.getByTestId('institutions-table').waitFor();
    await page.getByTestId('institution-add').click();
    await page.getByTestId('institution-name').fill(name);
    await chooseOption(page, 'institution-level', '社区卫生服务中心');
    await chooseOption(page, 'institution-kind', '社区卫生服务中心');
    await chooseOption(page, 'institution-region', /\S/);
    const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/institutions') && r.request().method() === 'POST');
    await page.getByTestId('institution-submit').click();
    expect((await created).status()).toBe(201);
    await page.getByTestId('institution-form').waitFor({ state: 'detached' });
    await page.getByTestId('institutions-table').getByRole('row', { name: new RegExp(name) }).waitFor();

    // 2. the membership
    await page.getByTestId('menu-members').click();
    await page.getByTestId('members-table').waitFor();
    await page.getByTestId('member-add').click();
    await chooseOption(page, 'member-institution', name, name);
    const added = page.waitForResponse((r) => /\/api\/v1\/alliances\/[^/]+\/members$/.test(r.url()) && r.request().method() === 'POST');
    await page.getByTestId('member-submit').click();
    expect((await added).status()).toBe(201);
    await page.getByTestId('member-form').waitFor({ state: 'detached' });
    const row = page.getByTestId('members-table').getByRole('row', { name: new RegExp(name) });
    await row.waitFor();
    expect(await row.innerText()).toContain('成员单位');

    // 3. still there after a reload (served by the SPA fallback, data from the server)
    await page.reload();
    await page.getByTestId('members-table').getByRole('row', { name: new RegExp(name) }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/members');
  });
});
