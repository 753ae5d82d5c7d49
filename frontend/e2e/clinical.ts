// Helpers for the clinical e2e tests: valid unique national IDs, patients with consent,
// antd date pickers and multiple selects, and waiting for a referral's state.
import { randomInt } from 'node:crypto';
import { expect } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { chooseOption, expectText, popupSettled } from './browser';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** The GB 11643 check character (ISO 7064 MOD 11-2) of 17 digits. */
export function checkChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return '10X98765432'[sum % 11];
}

let serial = 0;

/**
 * A valid 18-character resident identity number, unique within the run: a Hefei region
 * code, a birth date, and a sequence number from the clock and a counter.
 */
export function uniqueNationalId(birthDate: string, region = '340104'): string {
  const seq = String((Date.now() + serial++ * 7 + randomInt(1000)) % 1000).padStart(3, '0');
  const first17 = region + birthDate.replaceAll('-', '') + seq;
  return first17 + checkChar(first17);
}

/** A birth date between 1960 and 1999, for a unique ID. */
export function randomBirthDate(): string {
  const y = 1960 + randomInt(40);
  const m = 1 + randomInt(12);
  const d = 1 + randomInt(28);
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The input of an element carrying a data-testid (the element itself when it is one). */
async function inputOf(page: Page, testId: string): Promise<Locator> {
  const el = page.getByTestId(testId).first();
  await el.waitFor();
  const tag = await el.evaluate((e) => e.tagName);
  return tag === 'INPUT' || tag === 'TEXTAREA' ? el : el.locator('input').first();
}

/** Types a date (or date and time) into an antd DatePicker and commits it. */
export async function fillDate(page: Page, testId: string, value: string) {
  const input = await inputOf(page, testId);
  await input.click();
  await input.fill(value);
  await input.press('Enter');
}

/** Picks one option in an antd multiple Select (searching first), then closes its popup. */
export async function chooseMulti(page: Page, testId: string, optionText: string | RegExp, search: string) {
  const select = page
    .locator(`.ant-select[data-testid="${testId}"]`)
    .or(page.locator('.ant-select').filter({ has: page.getByTestId(testId) }))
    .first();
  await select.click();
  const input = select.locator('input').first();
  const listId = (await input.getAttribute('aria-controls')) ?? (await input.getAttribute('aria-owns'));
  if (!listId) throw new Error(`select ${testId}: no aria-controls on its input`);
  await input.fill(search);
  const popup = page.locator(`.ant-select-dropdown:has([id="${listId}"])`);
  await popupSettled(popup);
  const option = popup.locator('.ant-select-item-option').filter({ hasText: optionText }).first();
  await option.click();
  await expect.poll(async () => (await option.getAttribute('class')) ?? '', { timeout: 5000 }).toContain('ant-select-item-option-selected');
  await input.press('Escape');
  await popup.waitFor({ state: 'hidden' });
}

/** Registers a new patient through the patient modal (opened by `openButton`). Returns its national ID. */
export async function registerPatient(page: Page, openButton: string, name: string): Promise<string> {
  const birth = randomBirthDate();
  const id = uniqueNationalId(birth);
  await page.getByTestId(openButton).click();
  await page.getByTestId('patient-name').fill(name);
  await chooseOption(page, 'patient-sex', '女');
  await fillDate(page, 'patient-birthDate', birth);
  await page.getByTestId('patient-nationalId').fill(id);
  await page.getByTestId('patient-severe').click();
  const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/patients') && r.request().method() === 'POST');
  await page.getByTestId('patient-submit').click();
  expect((await created).status()).toBe(201);
  await page.getByTestId('patient-form').waitFor({ state: 'detached' });
  return id;
}

/** Records the patient's written consent to referral in the form's inline consent form. */
export async function recordReferralConsent(page: Page, signer: string) {
  await page.getByTestId('referral-consent-missing').waitFor();
  await page.getByTestId('consent-signerName').fill(signer);
  const added = page.waitForResponse((r) => /\/consents$/.test(r.url()) && r.request().method() === 'POST');
  await page.getByTestId('consent-submit').click();
  expect((await added).status()).toBe(201);
  await page.getByTestId('referral-consent-ok').waitFor();
}

/** Picks the receiver whose name contains `name` among the suggested receivers. */
export async function chooseReceiver(page: Page, name: string) {
  const option = page.getByTestId('receiver-option').filter({ hasText: name }).first();
  await option.click();
  await expect.poll(async () => option.locator('input[type="radio"]').isChecked()).toBe(true);
}

/** Waits until the referral page shows this status. */
export async function waitStatus(page: Page, status: string, timeout = 15_000) {
  await page.locator(`[data-testid="referral-status"][data-status="${status}"]`).waitFor({ timeout });
}

/** Runs one action from the referral page: its button, `fill` for the small form, then submit; waits for `next`. */
export async function act(page: Page, action: string, next: string, fill?: () => Promise<void>) {
  await page.getByTestId(`referral-action-${action}`).click();
  await page.getByTestId('action-modal-form').waitFor();
  if (fill) await fill();
  const answer = page.waitForResponse((r) => r.url().includes(`/actions/${action}`) && r.request().method() === 'POST');
  await page.getByTestId('action-modal-submit').click();
  const res = await answer;
  expect(res.status(), `${action}: ${await res.text()}`).toBe(200);
  await page.getByTestId('action-modal-form').waitFor({ state: 'detached' });
  await waitStatus(page, next);
}

/** The referral id of the referral page the browser shows. */
export function referralIdOf(page: Page): string {
  const m = /\/referrals\/([^/?#]+)/.exec(new URL(page.url()).pathname);
  if (!m || m[1] === 'new') throw new Error(`not on a referral page: ${page.url()}`);
  return m[1];
}

export { expectText };

// ---- eConsults and video consultations ---------------------------------------------

/** Ticks an antd Checkbox identified by its data-testid (on the input or a wrapper) and waits until it is checked. */
export async function tick(page: Page, testId: string) {
  const input = await inputOf(page, testId);
  await input.click();
  await expect.poll(() => input.isChecked()).toBe(true);
}

/**
 * Records the patient's written consent of `scope` in the eConsult form's inline consent
 * form (which offers the missing scope first), and waits until the form shows it on file.
 */
export async function recordConsultConsent(page: Page, scope: 'teleconsult' | 'referral', signer: string) {
  await page.getByTestId(`consult-consent-${scope}-missing`).waitFor();
  await page.getByTestId('consent-signerName').fill(signer);
  const added = page.waitForResponse((r) => /\/consents$/.test(r.url()) && r.request().method() === 'POST');
  await page.getByTestId('consent-submit').click();
  const res = await added;
  expect(res.status()).toBe(201);
  expect((await res.json()).scope).toBe(scope);
  await page.getByTestId(`consult-consent-${scope}-ok`).waitFor();
}

/** Waits until the consult page shows this status. */
export async function waitConsultStatus(page: Page, status: string, timeout = 15_000) {
  await page.locator(`[data-testid="consult-status"][data-status="${status}"]`).waitFor({ timeout });
}

/** Reloads the consult page's data (the other side acted) and waits for the status. */
export async function refreshConsult(page: Page, status: string) {
  await page.getByTestId('consult-refresh').click();
  await waitConsultStatus(page, status);
}

/** Runs one eConsult action from the consult page: its button, `fill` for the form, then submit; waits for `next`. */
export async function consultAct(page: Page, action: string, next: string, fill?: () => Promise<void>) {
  await page.getByTestId(`consult-action-${action}`).click();
  await page.getByTestId('consult-action-modal-form').waitFor();
  if (fill) await fill();
  const answer = page.waitForResponse((r) => r.url().includes(`/actions/${action}`) && r.request().method() === 'POST');
  await page.getByTestId('consult-action-modal-submit').click();
  const res = await answer;
  expect(res.status(), `${action}: ${await res.text()}`).toBe(200);
  await page.getByTestId('consult-action-modal-form').waitFor({ state: 'detached' });
  await waitConsultStatus(page, next);
}

/** The consult id of the consult page the browser shows. */
export function consultIdOf(page: Page): string {
  const m = /\/consults\/([^/?#]+)/.exec(new URL(page.url()).pathname);
  if (!m || m[1] === 'new') throw new Error(`not on a consult page: ${page.url()}`);
  return m[1];
}

export interface AskOptions {
  patientName: string;
  question: string;
  summary: string;
  /** the ICD-10 code to pick (its option starts with it) */
  diagnosis: string;
  /** name the consultant (else the question waits in the institution's queue) */
  consultant?: RegExp;
  /** also record the consent to referral */
  referralConsent?: boolean;
  /** the institution asked, as the target select shows it */
  target: RegExp;
}

/**
 * A grass-root doctor asks a specialist about a newly registered patient, recording the
 * teleconsultation consent (and, when asked, the referral consent) on the way. Returns the consult id.
 */
export async function askConsult(page: Page, o: AskOptions): Promise<string> {
  await page.getByTestId('menu-consults').click();
  await page.getByTestId('consult-new').click();
  await page.getByTestId('consult-form').waitFor();
  await registerPatient(page, 'consult-register-patient', o.patientName);
  await expect.poll(() => page.getByTestId('consult-patient').innerText()).toContain(o.patientName);
  await recordConsultConsent(page, 'teleconsult', o.patientName);
  if (o.referralConsent) await recordConsultConsent(page, 'referral', o.patientName);
  // The alliance's core hospital is the institution asked by default.
  await expect.poll(() => page.getByTestId('consult-target').innerText()).toMatch(o.target);
  if (o.consultant) await chooseOption(page, 'consult-specialist', o.consultant);
  await page.getByTestId('consult-question').fill(o.question);
  await page.getByTestId('consult-summary').fill(o.summary);
  await chooseMulti(page, 'consult-diagnoses', new RegExp(`^${o.diagnosis.replace('.', '\\.')} `), o.diagnosis);
  const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/consults') && r.request().method() === 'POST');
  await page.getByTestId('consult-submit').click();
  const res = await created;
  expect(res.status(), await res.text()).toBe(201);
  await waitConsultStatus(page, o.consultant ? 'assigned' : 'requested');
  return consultIdOf(page);
}

/** The Beijing date (YYYY-MM-DD) of an instant, for schedules in China time. */
export function beijingDate(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 10);
}
