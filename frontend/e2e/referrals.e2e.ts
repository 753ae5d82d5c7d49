// The Done-when: a whole upward fast-track referral between two browsers
// (chc-doctor and specialist) through to the outcome the sender sees, and a downward
// referral from the specialist to the CHC through the first community follow-up.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chooseOption, expectText, login, TABLET, useBrowser } from './browser';
import {
  act,
  chooseMulti,
  chooseReceiver,
  recordReferralConsent,
  referralIdOf,
  registerPatient,
  waitStatus,
} from './clinical';

const CORE = '安徽省精神卫生中心';
const CHC = '三里庵街道社区卫生服务中心';

/** A one-page PDF, enough for the server's content sniffing. */
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

const unread = async (page: Page) => Number(await page.getByTestId('notification-bell').getAttribute('data-unread'));

/** Opens the worklists with the live stream connected; marks the window so a reload would be noticed. */
async function openWorklist(page: Page, box: 'incoming' | 'outgoing') {
  await page.getByTestId('menu-referrals').click();
  if (box === 'outgoing') await page.getByTestId('worklist-tab-outgoing').click();
  await page.getByTestId(`worklist-${box}`).waitFor();
  await page.locator('[data-testid="notification-bell"][data-connected="true"]').waitFor();
  await page.evaluate(() => {
    (window as unknown as { __noReload?: boolean }).__noReload = true;
  });
}

const notReloaded = (page: Page) =>
  page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload === true);

describe('two-way referral', () => {
  const b = useBrowser();

  it('upward fast track: chc-doctor refers, specialist sees it live, accepts, schedules, admits and completes; the sender sees the outcome', async () => {
    const chc = b.page();
    const specialist = await b.newPage({ viewport: TABLET }); // the triaging specialist works on a tablet
    await login(chc, 'chc-doctor');
    await login(specialist, 'specialist');
    await chc.getByTestId('menu-referrals').waitFor();
    await specialist.getByTestId('menu-referrals').waitFor();

    // The specialist watches the incoming worklist before anything is sent.
    await openWorklist(specialist, 'incoming');
    const unreadBefore = await unread(specialist);

    // 1. chc-doctor: new patient, consent, and the referral form
    const patientName = `上转患者${Date.now().toString(36).slice(-5)}`;
    await chc.getByTestId('menu-referrals').click();
    await chc.getByTestId('referral-new').click();
    await chc.getByTestId('referral-form').waitFor();
    await registerPatient(chc, 'referral-register-patient', patientName);
    await expect.poll(() => chc.getByTestId('referral-patient').innerText()).toContain(patientName);
    await recordReferralConsent(chc, patientName);

    // A CHC refers upward by default; the core hospital is among the ranked receivers, with reasons.
    expect(await chc.locator('[data-testid="referral-direction"] input[value="up"]').isChecked()).toBe(true);
    await chc.getByTestId('receiver-option').filter({ hasText: CORE }).getByTestId('receiver-reason').first().waitFor();
    await chooseReceiver(chc, CORE);
    await chc.getByTestId('referral-reason').fill('幻听加重，拒药，伴冲动伤人');
    await chc.getByTestId('referral-summary').fill('患者近两周幻听加重，自行停药，昨日持刀威胁家属，社区干预无效。');
    await chooseMulti(chc, 'referral-diagnoses', /^F20 /, 'F20');
    await chc.getByTestId('referral-medication').fill('利培酮 2mg bid（已自行停药 10 天）');

    // Risk grade 4 proposes the fast track: it is pre-selected with the reason shown; the doctor keeps it.
    expect(await chc.getByTestId('fast-track-suggestion').count()).toBe(0);
    await chooseOption(chc, 'referral-riskGrade', /^4 级/);
    await chc.getByTestId('fast-track-suggestion').waitFor();
    expect(await chc.getByTestId('fast-track-suggestion').innerText()).toContain('4 级');
    await expect.poll(() => chc.locator('[data-testid="referral-urgency"] input[value="fast_track"]').isChecked()).toBe(true);
    expect(await chc.getByTestId('fast-track-declined').count()).toBe(0);

    // An examination result travels with the referral.
    await chc
      .getByTestId('referral-form-attachments')
      .locator('input[type="file"]')
      .setInputFiles({ name: '血常规.pdf', mimeType: 'application/pdf', buffer: PDF });

    const created = chc.waitForResponse((r) => r.url().endsWith('/api/v1/referrals') && r.request().method() === 'POST');
    await chc.getByTestId('referral-submit').click();
    const res = await created;
    expect(res.status()).toBe(201);
    expect(res.request().headers()['idempotency-key']).toBeTruthy();
    await waitStatus(chc, 'requested');
    const id = referralIdOf(chc);
    await chc.locator('[data-testid="urgency-tag"][data-urgency="fast_track"]').first().waitFor();
    await chc.getByTestId('referral-fast-track-suggested').waitFor();
    await expectText(chc.getByTestId('referral-receiver'), new RegExp(CORE));
    await chc.getByTestId('attachment-item').filter({ hasText: '血常规.pdf' }).waitFor();

    // 2. specialist: the referral arrives in the open worklist without a reload, red fast-track tag first.
    const row = specialist.locator(`[data-testid="worklist-incoming"] tr[data-row-key="${id}"]`);
    await row.waitFor();
    expect(await notReloaded(specialist)).toBe(true);
    await row.locator('[data-urgency="fast_track"]').waitFor();
    expect(await row.innerText()).toContain(patientName);
    await row.locator('[data-testid="sla-countdown"][data-overdue="false"]').waitFor();
    await expect.poll(() => unread(specialist)).toBeGreaterThan(unreadBefore);

    // 3. specialist triages and treats: accept, schedule, mark arrived, complete with the outcome.
    await row.getByTestId('worklist-patient').click();
    await waitStatus(specialist, 'requested');
    await specialist.getByTestId('attachment-item').filter({ hasText: '血常规.pdf' }).waitFor();
    await act(specialist, 'accept', 'accepted');

    // Meanwhile the sender's open referral page follows along, live.
    await waitStatus(chc, 'accepted');

    await act(specialist, 'schedule', 'scheduled', async () => {
      await specialist.getByTestId('action-place').fill('门诊楼二楼 精神科急诊');
    });
    await specialist.getByTestId('referral-appointment').waitFor();
    await act(specialist, 'arrive', 'in_progress');
    await act(specialist, 'complete', 'completed', async () => {
      await specialist.getByTestId('action-outcome-summary').fill('收治入院 14 天，阳性症状明显缓解，自知力部分恢复。');
      await chooseMulti(specialist, 'action-outcome-diagnoses', /^F20\.0 /, 'F20.0');
      await specialist.getByTestId('action-outcome-plan').fill('利培酮 4mg qn 维持；两周后社区随访，危险性评估。');
    });
    await specialist.getByTestId('referral-no-actions').waitFor();

    // 4. chc-doctor: the outcome closes the loop on the referral page, and notifications arrived.
    await chc.getByTestId('referral-outcome').waitFor();
    await waitStatus(chc, 'completed');
    await expectText(chc.getByTestId('referral-outcome-summary'), /阳性症状明显缓解/);
    await expectText(chc.getByTestId('referral-outcome-plan'), /利培酮 4mg qn/);
    expect(await chc.getByTestId('referral-outcome-diagnoses').innerText()).toContain('F20.0');
    await expect.poll(() => unread(chc)).toBeGreaterThan(0);
    await chc.getByTestId('notification-bell').click();
    const note = chc.locator(`[data-testid="notification-item"][data-referral-id="${id}"]`).first();
    await note.waitFor();
    expect(await note.innerText()).toContain('已完成');
    const timeline = await chc.getByTestId('referral-timeline').innerText();
    for (const step of ['发起转诊', '已接收', '已预约', '已到诊', '已完成']) expect(timeline).toContain(step);

    // The sender's outgoing worklist lists it as completed.
    await note.click(); // back to the referral page, marked read
    await waitStatus(chc, 'completed');
    await chc.getByTestId('menu-referrals').click();
    await chc.getByTestId('worklist-tab-outgoing').click();
    const outRow = chc.locator(`[data-testid="worklist-outgoing"] tr[data-row-key="${id}"]`);
    await outRow.locator('[data-status="completed"]').waitFor();
  });

  it('downward: specialist refers a discharged patient to the CHC, which accepts and records the first follow-up', async () => {
    const specialist = b.page();
    const chc = await b.newPage({ viewport: TABLET }); // the community doctor on a tablet
    await login(specialist, 'specialist');
    await login(chc, 'chc-doctor');
    await specialist.getByTestId('menu-referrals').waitFor();
    await chc.getByTestId('menu-referrals').waitFor();
    await openWorklist(chc, 'incoming');

    // 1. specialist: a patient of the core hospital, consent, and the downward referral
    const patientName = `下转患者${Date.now().toString(36).slice(-5)}`;
    await specialist.getByTestId('menu-referrals').click();
    await specialist.getByTestId('referral-new').click();
    await specialist.getByTestId('referral-form').waitFor();
    await registerPatient(specialist, 'referral-register-patient', patientName);
    await recordReferralConsent(specialist, patientName);

    // The core hospital refers downward by default, with the documents a downward referral carries.
    expect(await specialist.locator('[data-testid="referral-direction"] input[value="down"]').isChecked()).toBe(true);
    await specialist.getByTestId('referral-downward').waitFor();
    await chooseReceiver(specialist, CHC);
    await specialist.getByTestId('referral-reason').fill('病情稳定出院，转社区康复与随访');
    await specialist.getByTestId('referral-summary').fill('双相情感障碍躁狂发作住院 21 天，现情绪平稳，睡眠改善，自知力恢复。');
    await chooseMulti(specialist, 'referral-diagnoses', /^F31\.1 /, 'F31.1');
    await chooseOption(specialist, 'referral-riskGrade', /^1 级/);
    expect(await specialist.getByTestId('fast-track-suggestion').count()).toBe(0);
    expect(await specialist.locator('[data-testid="referral-urgency"] input[value="routine"]').isChecked()).toBe(true);
    await specialist.getByTestId('referral-medication').fill('碳酸锂 0.3g tid');
    await specialist.getByTestId('referral-dischargeSummary').fill('入院诊断：双相情感障碍，目前为躁狂发作。经碳酸锂治疗后症状缓解出院。');
    await specialist.getByTestId('referral-medicationPlan').fill('碳酸锂 0.3g tid，每月复查血锂浓度。');
    await specialist.getByTestId('referral-followUpPlan').fill('出院两周内首次社区随访，之后每两个月一次。');

    const created = specialist.waitForResponse((r) => r.url().endsWith('/api/v1/referrals') && r.request().method() === 'POST');
    await specialist.getByTestId('referral-submit').click();
    expect((await created).status()).toBe(201);
    await waitStatus(specialist, 'requested');
    const id = referralIdOf(specialist);
    await expectText(specialist.getByTestId('referral-dischargeSummary'), /碳酸锂治疗后症状缓解/);
    await specialist.locator('[data-testid="urgency-tag"][data-urgency="routine"]').first().waitFor();

    // 2. chc-doctor: it arrives in the open worklist without a reload; accept, schedule, arrive, follow up.
    const row = chc.locator(`[data-testid="worklist-incoming"] tr[data-row-key="${id}"]`);
    await row.waitFor();
    expect(await notReloaded(chc)).toBe(true);
    expect(await row.innerText()).toContain(patientName);
    await row.click();
    await waitStatus(chc, 'requested');
    await expectText(chc.getByTestId('referral-dischargeSummary'), /碳酸锂治疗后症状缓解/);
    await act(chc, 'accept', 'accepted');
    await act(chc, 'schedule', 'scheduled', async () => {
      await chc.getByTestId('action-place').fill('三里庵社区卫生服务中心 精防门诊');
    });
    await act(chc, 'arrive', 'in_progress');
    await act(chc, 'complete', 'completed', async () => {
      await chc.getByTestId('action-outcome-summary').fill('已接收入社区严重精神障碍管理，完成首次随访。');
      await chooseOption(chc, 'action-followup-riskGrade', /^1 级/);
      await chc.getByTestId('action-followup-condition').getByText('基本稳定').click();
      await chc.getByTestId('action-followup-notes').fill('情绪平稳，按时服药，家属监护到位。');
    });
    await chc.getByTestId('referral-followup').waitFor();

    // 3. specialist: the first follow-up is on the referral page (live, no reload).
    await specialist.getByTestId('referral-followup').waitFor();
    await waitStatus(specialist, 'completed');
    await expectText(specialist.getByTestId('referral-followup-risk'), '1 级');
    await expectText(specialist.getByTestId('referral-followup-condition'), '基本稳定');
    expect(await specialist.getByTestId('referral-followup-date').innerText()).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await expectText(specialist.getByTestId('referral-followup'), /按时/);
    await expect.poll(() => unread(specialist)).toBeGreaterThan(0);
  });
});
