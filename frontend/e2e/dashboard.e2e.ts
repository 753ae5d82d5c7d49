// The analytics issue's Done-when: a referral made in one browser context moves the
// administrator's dashboard open in another. Small cells are suppressed ("<N"), so the test
// lowers the alliance's threshold to 2 (the smallest allowed) through the analytics-settings
// API and watches the total of submitted referrals, which is shown by itself (not in a group):
// at threshold 2 every increment changes what it shows (0 → "<2" → 2 → 3 …). The threshold is
// put back afterwards.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chooseOption, login, useBrowser } from './browser';
import { chooseMulti, chooseReceiver, recordReferralConsent, registerPatient, waitStatus } from './clinical';

const CORE = '安徽省精神卫生中心';

/** Calls the API from inside the page (its session cookie and CSRF token). */
async function api<T>(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const csrf = /(?:^|; )lianxin_csrf=([^;]*)/.exec(document.cookie)?.[1];
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      if (csrf) headers['X-CSRF-Token'] = decodeURIComponent(csrf);
      const res = await fetch('/api/v1' + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : undefined };
    },
    { method, path, body },
  ) as Promise<{ status: number; json: T }>;
}

const figure = (page: Page, id: string) => page.getByTestId(`kpi-${id}`).innerText().then((s) => s.trim());
/** An InputNumber's <input>, whether the test id lands on it or on its wrapper. */
const numberInput = (page: Page, id: string) => page.locator(`input[data-testid="${id}"], [data-testid="${id}"] input`).first();
const asNumber = (s: string) => (/^\d+$/.test(s) ? Number(s) : s === '0' ? 0 : -1);

describe('analytics dashboard', () => {
  const b = useBrowser();

  it('a referral made by chc-doctor moves the admin dashboard open in another context; charts export CSV and PNG', async () => {
    const admin = b.page();
    await login(admin, 'admin');
    await admin.getByTestId('menu-dashboard').waitFor();

    // Lower the small-cell threshold for this alliance (restored at the end).
    const alliances = await api<{ items: { id: string }[] }>(admin, 'GET', '/alliances');
    expect(alliances.status).toBe(200);
    const allianceId = alliances.json.items[0].id;
    const before = await api<{ minCellSize: number }>(admin, 'GET', `/alliances/${allianceId}/analytics-settings`);
    expect(before.status).toBe(200);
    const set = await api<{ minCellSize: number }>(admin, 'PUT', `/alliances/${allianceId}/analytics-settings`, { minCellSize: 2 });
    expect(set.status, JSON.stringify(set.json)).toBe(200);

    try {
      // 1. admin opens the dashboard and notes the figures.
      await admin.getByTestId('menu-dashboard').click();
      await admin.getByTestId('dashboard').waitFor();
      await admin.getByTestId('kpi-submitted-total').waitFor();
      await admin.getByTestId('chart-volume').waitFor();
      const totalBefore = await figure(admin, 'submitted-total');
      expect(totalBefore).toMatch(/^(\d+|<2)$/);
      await admin.getByTestId('dash-scoreboard-table').waitFor();

      // Exports: the volume as CSV (built in the page) and the chart as PNG.
      const csv = admin.waitForEvent('download');
      await admin.getByTestId('dash-volume-csv').click();
      const csvFile = await csv;
      expect(csvFile.suggestedFilename()).toBe('volume.csv');
      const png = admin.waitForEvent('download');
      await admin.getByTestId('dash-volume-png').click();
      expect((await png).suggestedFilename()).toBe('volume.png');

      // 2. chc-doctor, in another context, makes an upward referral through the form.
      const chc = await b.newPage();
      await login(chc, 'chc-doctor');
      await chc.getByTestId('menu-referrals').click();
      await chc.getByTestId('referral-new').click();
      await chc.getByTestId('referral-form').waitFor();
      const patientName = `统计患者${Date.now().toString(36).slice(-5)}`;
      await registerPatient(chc, 'referral-register-patient', patientName);
      await expect.poll(() => chc.getByTestId('referral-patient').innerText()).toContain(patientName);
      await recordReferralConsent(chc, patientName);
      expect(await chc.locator('[data-testid="referral-direction"] input[value="up"]').isChecked()).toBe(true);
      await chooseReceiver(chc, CORE);
      await chc.getByTestId('referral-reason').fill('情绪低落加重，社区药物调整无效');
      await chc.getByTestId('referral-summary').fill('抑郁发作，近一月症状加重，建议上级医院评估。');
      await chooseMulti(chc, 'referral-diagnoses', /^F20 /, 'F20');
      await chooseOption(chc, 'referral-riskGrade', /^2 级/);
      const created = chc.waitForResponse((r) => r.url().endsWith('/api/v1/referrals') && r.request().method() === 'POST');
      await chc.getByTestId('referral-submit').click();
      expect((await created).status()).toBe(201);
      await waitStatus(chc, 'requested');

      // 3. the admin's dashboard shows the figure moved (refreshing until it does; no fixed sleeps).
      await expect
        .poll(
          async () => {
            const answered = admin.waitForResponse((r) => r.url().includes('/api/v1/analytics/kpis'));
            await admin.getByTestId('dash-refresh').click();
            await answered;
            await admin.locator('[data-testid="dash-refresh"]:not(.ant-btn-loading)').waitFor();
            return figure(admin, 'submitted-total');
          },
          { timeout: 20_000, interval: 500 },
        )
        .not.toBe(totalBefore);
      const totalAfter = await figure(admin, 'submitted-total');
      if (asNumber(totalBefore) >= 0 && asNumber(totalAfter) >= 0) expect(asNumber(totalAfter)).toBeGreaterThan(asNumber(totalBefore));
    } finally {
      await api(admin, 'PUT', `/alliances/${allianceId}/analytics-settings`, { minCellSize: before.json.minCellSize });
    }
  }, 120_000);

  it('an administrator sets, edits and deletes a member goal in the browser, and the scoreboard rates the member against it', async () => {
    const admin = b.page();
    await login(admin, 'admin');
    await admin.getByTestId('menu-dashboard').click();
    await admin.getByTestId('dash-scoreboard-table').waitFor();
    const year = Number(await numberInput(admin, 'dash-year').inputValue());
    const alliances = await api<{ items: { id: string }[] }>(admin, 'GET', '/alliances');
    const allianceId = alliances.json.items[0].id;
    const goalsNow = async () =>
      (await api<{ items: { id: string; measure: string; target: number; weight: number }[] }>(admin, 'GET', `/analytics/goals?alliance=${allianceId}&year=${year}`)).json.items;
    // A goal left behind by an earlier run would make "add" answer 409.
    for (const g of await goalsNow()) if (g.measure === 'ward_rounds_held') await api(admin, 'DELETE', `/analytics/goals/${g.id}`);

    await admin.getByTestId('dash-goals').click();
    await admin.getByTestId('goals-editor').waitFor();
    await chooseOption(admin, 'goal-member', CORE, CORE.slice(0, 4));
    await chooseOption(admin, 'goal-measure', '远程查房次数', '查房次数');
    await numberInput(admin, 'goal-target').fill('12');
    await numberInput(admin, 'goal-weight').fill('2');
    const created = admin.waitForResponse((r) => r.url().endsWith('/api/v1/analytics/goals') && r.request().method() === 'POST');
    await admin.getByTestId('goal-add').click();
    expect((await created).status()).toBe(201);
    await admin.getByTestId('goal-edit-ward_rounds_held').waitFor();
    expect((await goalsNow()).find((g) => g.measure === 'ward_rounds_held')).toMatchObject({ target: 12, weight: 2 });

    // Edit the target through the modal.
    await admin.getByTestId('goal-edit-ward_rounds_held').click();
    await numberInput(admin, 'goal-edit-target').fill('24');
    const patched = admin.waitForResponse((r) => r.url().includes('/api/v1/analytics/goals/') && r.request().method() === 'PATCH');
    await admin.getByTestId('goal-save').click();
    expect((await patched).status()).toBe(200);
    await expect.poll(async () => (await goalsNow()).find((g) => g.measure === 'ward_rounds_held')?.target).toBe(24);

    // The scoreboard (behind the drawer) now rates the core hospital against it.
    await admin.locator('.ant-drawer-close').click();
    const row = admin.getByTestId('dash-scoreboard-table').locator('tr', { hasText: CORE }).first();
    await row.waitFor();
    await row.locator('.ant-table-row-expand-icon').click();
    const detail = admin.getByTestId('dash-scoreboard-goals').locator('tr', { hasText: '远程查房次数' });
    await detail.waitFor();
    expect(await detail.innerText()).toContain('24');

    // Delete it again.
    await admin.getByTestId('dash-goals').click();
    await admin.getByTestId('goal-delete-ward_rounds_held').click();
    const deleted = admin.waitForResponse((r) => r.url().includes('/api/v1/analytics/goals/') && r.request().method() === 'DELETE');
    await admin.locator('.ant-popconfirm .ant-btn-primary').click();
    expect((await deleted).status()).toBe(204);
    await expect.poll(async () => (await goalsNow()).some((g) => g.measure === 'ward_rounds_held')).toBe(false);
  }, 120_000);
});
