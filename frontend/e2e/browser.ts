// Browser plumbing for the e2e tests: Debian's Chromium driven by playwright-core
// (no browser download), one fresh context per test, a screenshot when a test fails.
import { afterAll, afterEach, beforeAll, beforeEach, expect, inject } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS_DIR } from './paths';

export const DEMO_PASSWORD = 'lianxin-demo';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserSession {
  page: () => Page;
  /** Another user's browser in the same test: a fresh context (own cookies) and page, closed after the test. */
  newPage: (opts?: { viewport?: { width: number; height: number } }) => Promise<Page>;
  baseURL: string;
}

/** A tablet in landscape: the size the hub must work at. */
export const TABLET = { width: 1024, height: 768 };

/**
 * Chromium flags for video tests: fake camera and microphone (a test pattern and a beep) and a fake
 * screen for getDisplayMedia, granted without a prompt; raw host ICE candidates instead of mDNS
 * names, so nothing depends on mDNS (the SFU does not resolve .local names; it still connects
 * without this flag, from the browser's connectivity checks, but the test need not rely on that).
 */
export const FAKE_MEDIA_ARGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--autoplay-policy=no-user-gesture-required',
];

/**
 * Registers hooks: one browser per file, a fresh context and page per test. `args` adds Chromium
 * flags for this file's browser (e.g. FAKE_MEDIA_ARGS).
 */
export function useBrowser(opts: { locale?: string; args?: string[] } = {}): BrowserSession {
  const baseURL = inject('baseURL');
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  let extra: { context: BrowserContext; page: Page }[] = [];

  beforeAll(async () => {
    // playwright-core gives every launch a fresh temporary profile of its own.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, ...(opts.args ?? [])] });
  });

  beforeEach(async () => {
    context = await browser!.newContext({ baseURL, viewport: { width: 1280, height: 860 }, locale: 'zh-CN' });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    void opts;
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) {
      mkdirSync(ARTIFACTS_DIR, { recursive: true });
      const name = ctx.task.name.replace(/[^\w\u4e00-\u9fff-]+/g, '_').slice(0, 80);
      const pages = [page, ...extra.map((e) => e.page)];
      for (const [i, p] of pages.entries()) {
        const file = join(ARTIFACTS_DIR, `fail-${name}-${Date.now()}${i ? `-${i}` : ''}.png`);
        await p.screenshot({ path: file, fullPage: true }).catch(() => undefined);
        console.error(`[e2e] screenshot: ${file}`);
      }
    }
    for (const e of extra) await e.context.close().catch(() => undefined);
    extra = [];
    await context?.close();
    context = undefined;
    page = undefined;
  });

  afterAll(async () => {
    await browser?.close();
  });

  return {
    page: () => {
      if (!page) throw new Error('no page (outside a test?)');
      return page;
    },
    newPage: async (o = {}) => {
      const c = await browser!.newContext({ baseURL, viewport: o.viewport ?? { width: 1280, height: 860 }, locale: 'zh-CN' });
      c.setDefaultTimeout(15_000);
      const p = await c.newPage();
      extra.push({ context: c, page: p });
      return p;
    },
    baseURL,
  };
}

/** Waits (polling) until the locator's text equals `expected`. */
export async function expectText(locator: Locator, expected: string | RegExp, timeout = 10_000): Promise<void> {
  const poll = expect.poll(async () => ((await locator.count()) ? (await locator.first().innerText()).trim() : null), {
    timeout,
  });
  if (typeof expected === 'string') await poll.toBe(expected);
  else await poll.toMatch(expected);
}

/** Opens the login page and signs in; resolves once the app frame shows the user. */
export async function login(page: Page, username: string, password = DEMO_PASSWORD) {
  await page.goto('/login');
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'));
  await page.getByTestId('login-submit').click();
  const res = await answer;
  return res;
}

/**
 * Picks an option in an antd Select identified by its data-testid (typing `search` first when given).
 * The option is looked up in the popup that belongs to this Select (via the input's aria-controls),
 * not in another Select's popup that may still be fading out. The click waits for the popup's
 * opening motion to end; a click lost anyway (the popup stays open, nothing chosen) is retried.
 */
export async function chooseOption(page: Page, testId: string, optionText: string | RegExp, search?: string, tries = 3) {
  const select = page
    .locator(`.ant-select[data-testid="${testId}"]`)
    .or(page.locator('.ant-select').filter({ has: page.getByTestId(testId) }))
    .first();
  await select.click();
  const input = select.locator('input').first();
  const listId = (await input.getAttribute('aria-controls')) ?? (await input.getAttribute('aria-owns'));
  if (!listId) throw new Error(`select ${testId}: no aria-controls on its input`);
  if (search !== undefined) await input.fill(search);
  const popup = page.locator(`.ant-select-dropdown:has([id="${listId}"])`);
  await popupSettled(popup);
  const option = popup.locator('.ant-select-item-option').filter({ hasText: optionText }).first();
  for (let attempt = 1; ; attempt++) {
    await option.click();
    try {
      await popup.waitFor({ state: 'hidden', timeout: 3000 });
      return;
    } catch (e) {
      if (attempt >= tries) throw e; // still open, nothing chosen: click the option again
    }
  }
}

/** Waits until a Select's popup is shown and its opening motion has ended. */
export async function popupSettled(popup: Locator) {
  await popup.waitFor({ state: 'visible' });
  await expect.poll(async () => (await popup.getAttribute('class')) ?? '', { timeout: 5000 }).not.toMatch(/-(appear|enter)\b/);
}
