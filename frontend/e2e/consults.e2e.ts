// The Done-when for remote consultation: an eConsult between two browsers
// (chc-doctor asks, specialist asks for more information, the doctor answers, the
// specialist answers with an opinion advising referral, the doctor converts it into a
// referral linked both ways), and a video consultation the convener books on the
// week board on behalf of chc-doctor, which chc-doctor then finds in their list.
import { describe, expect, it } from 'vitest';
import { chooseOption, expectText, login, TABLET, useBrowser } from './browser';
import {
  askConsult,
  beijingDate,
  chooseMulti,
  consultAct,
  referralIdOf,
  refreshConsult,
  tick,
  waitConsultStatus,
  waitStatus,
} from './clinical';

const CORE = /安徽省精神卫生中心/;
const SPECIALIST = /陈主任/;
const WEEKDAYS_ZH = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];

/** Monday of the week of a YYYY-MM-DD date (weeks run Monday to Sunday). */
function mondayOf(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

describe('remote consultation', () => {
  const b = useBrowser();

  it('eConsult: chc-doctor asks, specialist asks for more, the doctor answers, the opinion advises referral, the doctor refers; linked both ways', async () => {
    const chc = b.page();
    const specialist = await b.newPage({ viewport: TABLET }); // the consultant answers on a tablet
    await login(chc, 'chc-doctor');
    await login(specialist, 'specialist');
    await chc.getByTestId('menu-consults').waitFor();
    await specialist.getByTestId('menu-consults').waitFor();

    // 1. chc-doctor: a new patient with teleconsultation and referral consents asks the named consultant.
    const patientName = `会诊患者${Date.now().toString(36).slice(-5)}`;
    const id = await askConsult(chc, {
      patientName,
      target: CORE,
      consultant: SPECIALIST,
      referralConsent: true,
      question: '患者幻听反复，利培酮疗效欠佳，是否需要换药或住院？',
      summary: '男，32岁，精神分裂症病史5年，近一月幻听加重，睡眠差，服药依从性一般。',
      diagnosis: 'F20',
    });
    await expectText(chc.getByTestId('consult-specialist-name'), SPECIALIST);
    await chc.locator('[data-testid="consult-message"][data-action="create"]').waitFor();

    // 2. specialist: the consult is assigned to them; they ask for more information and the clock pauses.
    await specialist.getByTestId('menu-consults').click();
    await specialist.getByTestId('consults-mine').waitFor();
    const row = specialist.locator(`[data-testid="consults-mine"] tr[data-row-key="${id}"]`);
    await row.waitFor();
    expect(await row.innerText()).toContain(patientName);
    await row.click();
    await waitConsultStatus(specialist, 'assigned');
    await expectText(specialist.getByTestId('consult-question-text'), /利培酮疗效欠佳/);
    expect(await specialist.getByTestId('consult-convert').count()).toBe(0);
    await consultAct(specialist, 'request_info', 'info_requested', async () => {
      await specialist.getByTestId('consult-action-message').fill('请补充：目前利培酮剂量、服药时长，近期有无冲动或自伤行为？');
    });
    await specialist.getByTestId('consult-clock-paused').waitFor();

    // 3. chc-doctor: sees the question in the thread and answers it.
    await refreshConsult(chc, 'info_requested');
    await expectText(chc.locator('[data-testid="consult-message"][data-action="request_info"]'), /利培酮剂量/);
    await consultAct(chc, 'provide_info', 'assigned', async () => {
      await chc.getByTestId('consult-action-message').fill('利培酮 4mg/日，已服 8 周；近一周有砸物一次，无自伤。');
    });

    // 4. specialist: reads the answer and files the structured opinion, advising referral.
    await refreshConsult(specialist, 'assigned');
    await expectText(specialist.locator('[data-testid="consult-message"][data-action="provide_info"]'), /已服 8 周/);
    await consultAct(specialist, 'answer', 'answered', async () => {
      await specialist.getByTestId('consult-opinion-impression').fill('精神分裂症，偏执型，目前疗效不佳伴冲动风险。');
      await chooseMulti(specialist, 'consult-opinion-diagnoses', /^F20\.0 /, 'F20.0');
      await specialist.getByTestId('consult-opinion-recommendations').fill('建议上转我院住院评估，调整抗精神病药物。');
      await specialist.getByTestId('consult-opinion-medication').fill('可考虑换用奥氮平 10mg qn（仅为建议）。');
      await tick(specialist, 'consult-opinion-referralAdvised');
      await specialist.getByTestId('consult-opinion-followUp').fill('转诊前每周电话随访一次。');
    });
    await specialist.getByTestId('opinion-card').waitFor();
    await specialist.getByTestId('consult-response-time').waitFor();

    // 5. chc-doctor: the opinion with its disclaimer, then one click makes the linked referral.
    await refreshConsult(chc, 'answered');
    await chc.getByTestId('opinion-card').waitFor();
    await expectText(chc.getByTestId('opinion-disclaimer'), /不构成处方/);
    await chc.getByTestId('opinion-referral-advised').waitFor();
    await expectText(chc.getByTestId('opinion-impression'), /疗效不佳伴冲动风险/);
    expect(await chc.getByTestId('opinion-diagnoses').innerText()).toContain('F20.0');
    await chc.getByTestId('consult-response-time').waitFor();
    await chc.getByTestId('consult-convert').click();
    await chc.getByTestId('convert-modal-form').waitFor();
    const converted = chc.waitForResponse((r) => r.url().endsWith(`/api/v1/consults/${id}/referral`) && r.request().method() === 'POST');
    await chc.getByTestId('convert-modal-submit').click();
    const res = await converted;
    expect(res.status(), await res.text()).toBe(201);
    expect(res.request().headers()['idempotency-key']).toBeTruthy();
    const referral = (await res.json()) as { id: string; consultId: string };
    expect(referral.consultId).toBe(id);

    // The referral page: prefilled from the consult and its opinion, showing where it came from.
    await waitStatus(chc, 'requested');
    expect(referralIdOf(chc)).toBe(referral.id);
    await expectText(chc.getByTestId('referral-receiver'), CORE);
    await expectText(chc.getByTestId('referral-clinical'), /建议上转我院住院评估/);
    await chc.getByTestId('referral-from-consult').waitFor();
    expect(await chc.getByTestId('referral-consult-link').getAttribute('href')).toBe(`/consults/${id}`);

    // ... and back: the consult shows its referral.
    await chc.getByTestId('referral-consult-link').click();
    await waitConsultStatus(chc, 'answered');
    await chc.getByTestId('consult-referral').waitFor();
    expect(await chc.getByTestId('consult-referral-link').getAttribute('href')).toBe(`/referrals/${referral.id}`);
    expect(await chc.getByTestId('consult-convert').count()).toBe(0);

    // The specialist's consult page shows the referral too, which arrived in their incoming worklist.
    await refreshConsult(specialist, 'answered');
    await specialist.getByTestId('consult-referral').waitFor();
    await specialist.getByTestId('consult-referral-link').click();
    await waitStatus(specialist, 'requested');
    await specialist.getByTestId('referral-from-consult').waitFor();
  });

  it('video consultation: the convener publishes a template and books a slot on behalf of chc-doctor; both find it', async () => {
    const chc = b.page();
    const convener = await b.newPage({ viewport: TABLET }); // the convener keeps the board on a tablet
    await login(chc, 'chc-doctor');
    await login(convener, 'convener');
    await chc.getByTestId('menu-consults').waitFor();

    // chc-doctor asks the core hospital (its queue); the patient becomes visible to the core hospital.
    const patientName = `视频患者${Date.now().toString(36).slice(-5)}`;
    const consultId = await askConsult(chc, {
      patientName,
      target: CORE,
      question: '双相障碍患者锂盐血药浓度偏高，需视频会诊评估用药。',
      summary: '女，45岁，双相情感障碍10年，碳酸锂 0.9g/日，近期手抖、腹泻。',
      diagnosis: 'F31',
    });

    // The convener opens the week board of the core hospital's consultant.
    await convener.getByTestId('menu-schedule').click();
    await convener.getByTestId('schedule-week').waitFor();
    await expect.poll(() => convener.getByTestId('schedule-specialist').innerText()).toMatch(SPECIALIST);

    // Publishes a weekly template: tomorrow's weekday, 09:00–12:00 in 30-minute slots (Beijing time).
    const tomorrow = beijingDate(Date.now() + 86_400_000);
    const weekday = new Date(`${tomorrow}T00:00:00Z`).getUTCDay();
    await convener.getByTestId('availability-add-template').click();
    await convener.getByTestId('template-form').waitFor();
    await chooseOption(convener, 'template-weekday', new RegExp(`^${WEEKDAYS_ZH[weekday]}$`));
    const published = convener.waitForResponse((r) => r.url().endsWith('/availability/templates') && r.request().method() === 'POST');
    await convener.getByTestId('template-submit').click();
    const pub = await published;
    expect(pub.status(), await pub.text()).toBe(201);
    expect(await pub.json()).toMatchObject({ weekday, start: '09:00', end: '12:00', slotMinutes: 30 });
    await convener.getByTestId('template-form').waitFor({ state: 'detached' });
    await convener.locator(`[data-testid="template-row"][data-weekday="${weekday}"]`).waitFor();

    // The week holding tomorrow shows its free slots.
    const monday = mondayOf(tomorrow);
    if ((await convener.getByTestId('schedule-week-label').getAttribute('data-week')) !== monday) {
      await convener.getByTestId('schedule-next-week').click();
    }
    await convener.locator(`[data-testid="schedule-week-label"][data-week="${monday}"]`).waitFor();
    const start = new Date(`${tomorrow}T09:00:00+08:00`).toISOString();
    const free = convener.locator(`[data-testid="slot-free"][data-start="${start}"]`);
    await free.waitFor();
    expect(await free.innerText()).toContain('09:00–09:30');

    // Books it for chc-doctor's eConsult: patient, doctor, consent and summary come from it.
    await free.click();
    await convener.getByTestId('booking-form').waitFor();
    await chooseOption(convener, 'booking-consult', new RegExp(patientName));
    await expectText(convener.getByTestId('booking-requester'), /chc-doctor/);
    await expectText(convener.getByTestId('booking-patient-name'), new RegExp(patientName));
    await expect.poll(() => convener.getByTestId('booking-consent').innerText()).toContain(patientName);
    await expect.poll(() => convener.getByTestId('booking-recordSummary').inputValue()).toContain('碳酸锂 0.9g/日');
    await convener.getByTestId('booking-purpose').fill('评估锂盐中毒风险并调整治疗方案');
    await chooseOption(convener, 'booking-specialty', /^心境障碍$/);
    const booked = convener.waitForResponse((r) => r.url().endsWith('/api/v1/video-consults') && r.request().method() === 'POST');
    await convener.getByTestId('booking-submit').click();
    const bookedRes = await booked;
    expect(bookedRes.status(), await bookedRes.text()).toBe(201);
    const video = (await bookedRes.json()) as { id: string; roomId: string; consultId: string; requesterUserId: string; bookedByUserId: string };
    expect(video.consultId).toBe(consultId);
    expect(video.bookedByUserId).not.toBe(video.requesterUserId);
    await convener.getByTestId('booking-form').waitFor({ state: 'detached' });

    // The week board now shows the slot booked, with the patient.
    const cell = convener.locator(`[data-testid="slot-booked"][data-video-id="${video.id}"]`);
    await cell.waitFor();
    expect(await cell.getAttribute('data-start')).toBe(start);
    await expectText(cell.getByTestId('slot-booked-patient'), patientName);
    expect(await convener.locator(`[data-testid="slot-free"][data-start="${start}"]`).count()).toBe(0);

    // Its page: booked on behalf of the inviting doctor, with the link into its room.
    await cell.click();
    await convener.locator('[data-testid="video-status"][data-status="booked"]').waitFor();
    await expectText(convener.getByTestId('video-patient'), patientName);
    await expectText(convener.getByTestId('video-requester'), /chc-doctor/);
    await convener.getByTestId('video-booked-by').waitFor();
    expect(await convener.getByTestId('video-join').getAttribute('href')).toBe(`/rooms/${video.roomId}`);
    await convener.getByTestId('video-action-move').waitFor();
    await convener.getByTestId('video-action-cancel').waitFor();

    // chc-doctor finds it in their list of video consultations.
    await chc.getByTestId('menu-videoConsults').click();
    const mine = chc.locator(`[data-testid="videos-table"] tr[data-row-key="${video.id}"]`);
    await mine.waitFor();
    await expectText(mine.getByTestId('video-row-patient'), patientName);
    expect(await mine.innerText()).toContain('已预约');
    expect(await mine.innerText()).toContain(`${tomorrow} 09:00`);
    await mine.click();
    await chc.locator('[data-testid="video-status"][data-status="booked"]').waitFor();
    expect(await chc.getByTestId('video-join').getAttribute('href')).toBe(`/rooms/${video.roomId}`);
    await expectText(chc.getByTestId('video-purpose'), /锂盐中毒风险/);
  });
});
