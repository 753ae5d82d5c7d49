import { describe, it } from 'vitest';
import { expectText, login, useBrowser } from './browser';

describe('language switch', () => {
  const b = useBrowser();

  it('switches the UI to English, keeps it after a reload, and back to Chinese', async () => {
    const page = b.page();
    await login(page, 'admin');
    await expectText(page.getByTestId('menu-home'), '工作台');
    await expectText(page.getByTestId('menu-institutions'), '机构');
    await expectText(page.getByTestId('logout-button'), '退出登录');

    await page.getByTestId('lang-switch').click();
    await expectText(page.getByTestId('menu-home'), 'Home');
    await expectText(page.getByTestId('menu-institutions'), 'Institutions');
    await expectText(page.getByTestId('logout-button'), 'Log out');
    await expectText(page.getByTestId('lang-switch'), '中文');

    await page.reload();
    await expectText(page.getByTestId('menu-audit'), 'Audit log');

    await page.getByTestId('lang-switch').click();
    await expectText(page.getByTestId('menu-home'), '工作台');
    await expectText(page.getByTestId('menu-audit'), '审计日志');
    await expectText(page.getByTestId('lang-switch'), 'English');
  });
});
