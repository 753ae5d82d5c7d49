// Issue 5's browser Done-when: two browsers hold a video call through the SFU. The specialist
// opens an ad hoc call inviting chc-doctor; both open the room page and press Join; each browser
// then DECODES the other's (fake) camera: `framesDecoded` of the received video rises in getStats,
// read through the page's debug hook window.__lianxinRtcStats(). Along the way: roles, mute state,
// a raised hand and chat cross over; leaving is seen by the other side. A second test shows the
// message for a refused camera and microphone.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { FAKE_MEDIA_ARGS, TABLET, login, useBrowser } from './browser';

interface InboundVideo {
  trackId: string | null;
  framesDecoded: number;
}
interface DebugStats {
  sessionId: string;
  role: string | null;
  connection: { publisher: string | null; subscriber: string | null };
  inboundVideo: InboundVideo[];
}

/** The page's RTC statistics, or null before it has joined a room. */
const rtcStats = (page: Page) =>
  page.evaluate(async () => {
    const hook = (window as unknown as { __lianxinRtcStats?: () => Promise<unknown> }).__lianxinRtcStats;
    return hook ? ((await hook()) as DebugStats) : null;
  });

/** The most frames decoded from any one received video stream. */
async function framesDecoded(page: Page): Promise<number> {
  const s = await rtcStats(page);
  return s ? Math.max(0, ...s.inboundVideo.map((v) => v.framesDecoded)) : 0;
}

/** A JSON API call in the page's own session (cookies and CSRF token), like the app makes it. */
async function api<T>(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const csrf = document.cookie
        .split(';')
        .map((c) => c.trim().split('='))
        .find(([k]) => k === 'lianxin_csrf')?.[1];
      const res = await fetch('/api/v1' + path, {
        method,
        headers: { 'Content-Type': 'application/json', ...(csrf ? { 'X-CSRF-Token': decodeURIComponent(csrf) } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as T };
    },
    { method, path, body },
  );
}

/** `host` opens an ad hoc call inviting `guest`; returns the room id. */
async function openCall(host: Page, guest: Page, title: string): Promise<string> {
  const me = await api<{ id: string }>(guest, 'GET', '/me');
  const res = await api<{ id: string; invitees: string[] }>(host, 'POST', '/rooms', { title, invitees: [me.json.id] });
  expect(res.status).toBe(201);
  expect(res.json.invitees).toEqual([me.json.id]);
  return res.json.id;
}

/** Opens the room page and presses Join; resolves once the page is in the room. */
async function enterRoom(page: Page, roomId: string) {
  await page.goto(`/rooms/${roomId}`);
  await page.getByTestId('room-lobby').waitFor();
  const join = page.waitForResponse((r) => r.url().endsWith(`/api/v1/rooms/${roomId}/join`));
  await page.getByTestId('room-join').click();
  expect((await join).status()).toBe(200);
  await page.locator('[data-testid="room-page"][data-phase="live"]').waitFor();
}

const participant = (page: Page, userIdOrSelf: { self: true } | { name: RegExp }) =>
  'self' in userIdOrSelf
    ? page.locator('[data-testid="participant-item"][data-self="true"]')
    : page.getByTestId('participant-item').filter({ hasText: userIdOrSelf.name });

describe('video room', () => {
  const b = useBrowser({ args: FAKE_MEDIA_ARGS });

  it('specialist calls chc-doctor: both join through the UI and each decodes the other’s video', async () => {
    const specialist = b.page();
    const chc = await b.newPage({ viewport: TABLET }); // the CHC doctor is on a tablet
    await login(specialist, 'specialist');
    await login(chc, 'chc-doctor');
    await specialist.getByTestId('home-welcome').waitFor();
    await chc.getByTestId('home-welcome').waitFor();

    // Clinicians see the way to start a call on the home page.
    await specialist.getByTestId('start-call').waitFor();

    const title = `疑难病例讨论 ${Date.now().toString(36).slice(-4)}`;
    const roomId = await openCall(specialist, chc, title);

    await enterRoom(specialist, roomId);
    await specialist.getByTestId('room-waiting').waitFor();
    await enterRoom(chc, roomId);

    // Both see the title, their roles, and each other in the participant list.
    for (const p of [specialist, chc]) {
      await expect.poll(() => p.getByTestId('room-title').innerText()).toBe(title);
      await expect.poll(() => p.getByTestId('participant-item').count(), { timeout: 15_000 }).toBe(2);
    }
    expect(await specialist.locator('[data-testid="room-role"] [data-role]').getAttribute('data-role')).toBe('host');
    expect(await chc.locator('[data-testid="room-role"] [data-role]').getAttribute('data-role')).toBe('participant');
    await participant(chc, { name: /陈主任/ }).and(chc.locator('[data-role="host"]')).waitFor();
    await participant(specialist, { name: /张医生/ }).and(specialist.locator('[data-role="participant"]')).waitFor();

    // THE CHECK: each browser decodes the other's camera through the SFU.
    await expect.poll(() => framesDecoded(specialist), { timeout: 40_000, interval: 250 }).toBeGreaterThan(10);
    await expect.poll(() => framesDecoded(chc), { timeout: 40_000, interval: 250 }).toBeGreaterThan(10);
    for (const p of [specialist, chc]) {
      const s = (await rtcStats(p))!;
      expect(s.connection).toEqual({ publisher: 'connected', subscriber: 'connected' });
      // the decoded stream is named by the publisher's trackId (mid → trackId from the server's offer)
      expect(s.inboundVideo.filter((v) => v.framesDecoded > 10).every((v) => v.trackId)).toBe(true);
      // the other's tile shows video; their microphone and camera are on in the list
      await p.locator('[data-testid="video-tile"][data-self="false"][data-source="camera"][data-video="on"]').waitFor();
      await p.locator('[data-testid="participant-item"][data-self="false"][data-mic="on"][data-camera="on"]').waitFor();
    }

    // The network indicator reads the connection once statistics arrive.
    await expect
      .poll(() => specialist.getByTestId('room-net').getAttribute('data-quality'), { timeout: 15_000 })
      .toMatch(/^(good|fair|poor)$/);

    // chc-doctor mutes: the specialist's list shows it.
    await chc.getByTestId('room-mic-toggle').click();
    await chc.locator('[data-testid="room-mic-toggle"][data-on="false"]').waitFor();
    await participant(specialist, { name: /张医生/ }).and(specialist.locator('[data-mic="muted"]')).waitFor();
    await chc.getByTestId('room-mic-toggle').click();
    await participant(specialist, { name: /张医生/ }).and(specialist.locator('[data-mic="on"]')).waitFor();

    // The specialist turns the camera off and on: chc-doctor sees the name card, then video again.
    await specialist.getByTestId('room-camera-toggle').click();
    await chc.locator('[data-testid="video-tile"][data-self="false"][data-source="camera"][data-video="off"]').waitFor();
    await specialist.getByTestId('room-camera-toggle').click();
    await chc.locator('[data-testid="video-tile"][data-self="false"][data-source="camera"][data-video="on"]').waitFor();
    const before = await framesDecoded(chc);
    await expect.poll(() => framesDecoded(chc), { timeout: 20_000, interval: 250 }).toBeGreaterThan(before + 10);

    // A raised hand and a chat line cross over.
    await chc.getByTestId('room-hand-toggle').click();
    await participant(specialist, { name: /张医生/ }).and(specialist.locator('[data-hand="true"]')).waitFor();
    await chc.getByTestId('room-tab-chat').click();
    await chc.getByTestId('room-chat-input').fill('血常规结果已上传，请陈主任看一下');
    await chc.getByTestId('room-chat-input').press('Enter');
    await expect.poll(() => specialist.getByTestId('room-tab-chat').getAttribute('data-unread')).toBe('1');
    await specialist.getByTestId('room-tab-chat').click();
    await specialist.getByTestId('chat-line').filter({ hasText: '血常规结果已上传' }).waitFor();

    // The speaker view features the other participant.
    await specialist.getByTestId('room-layout-speaker').click();
    await specialist.locator('[data-testid="room-featured"] [data-testid="video-tile"][data-self="false"]').waitFor();

    // The specialist shares the screen (Chromium's fake capture): chc-doctor decodes a second video,
    // the screen; it is featured in the speaker view; stopping the share removes it again.
    await specialist.getByTestId('room-screen-toggle').click();
    await specialist.locator('[data-testid="room-screen-toggle"][data-on="true"]').waitFor();
    await chc.locator('[data-testid="video-tile"][data-self="false"][data-source="screen"][data-video="on"]').waitFor();
    await expect
      .poll(async () => ((await rtcStats(chc))?.inboundVideo ?? []).filter((v) => v.trackId && v.framesDecoded > 5).length, {
        timeout: 20_000,
        interval: 250,
      })
      .toBe(2);
    await chc.getByTestId('room-layout-speaker').click();
    await chc.locator('[data-testid="room-featured"] [data-testid="video-tile"][data-source="screen"]').waitFor();
    await participant(chc, { name: /陈主任/ }).and(chc.locator('[data-screen="true"]')).waitFor({ state: 'attached' });
    await specialist.getByTestId('room-screen-toggle').click();
    await chc.locator('[data-testid="video-tile"][data-source="screen"]').waitFor({ state: 'detached' });
    await chc.locator('[data-testid="room-featured"] [data-testid="video-tile"][data-self="false"][data-source="camera"]').waitFor();

    // Nothing went wrong on the way: no signaling error was shown to either.
    for (const p of [specialist, chc]) expect(await p.getByTestId('room-error').count()).toBe(0);

    // The specialist leaves; chc-doctor sees them go.
    await specialist.getByTestId('room-leave').click();
    await specialist.getByTestId('room-left').waitFor();
    await expect.poll(() => chc.getByTestId('participant-item').count(), { timeout: 15_000 }).toBe(1);
    await chc.getByTestId('room-waiting').waitFor();
  });

  it('a refused camera and microphone: the page says so, and the doctor still joins to watch and listen', async () => {
    const chc = b.page();
    const specialist = await b.newPage();
    // What the browser answers when the user clicks "Block" (or the site is blocked in settings).
    await chc.context().addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    await login(chc, 'chc-doctor');
    await login(specialist, 'specialist');
    await chc.getByTestId('home-welcome').waitFor();
    await specialist.getByTestId('home-welcome').waitFor();
    const roomId = await openCall(chc, specialist, '社区随访讨论');

    await enterRoom(chc, roomId);
    const alert = chc.getByTestId('room-media-problem');
    await alert.waitFor();
    expect(await alert.getAttribute('data-problem')).toBe('denied');
    expect(await alert.innerText()).toContain('访问被拒绝');
    await chc.getByTestId('room-media-retry').waitFor();

    // Nothing is published; the specialist joins, publishes, and the doctor still sees them.
    await enterRoom(specialist, roomId);
    await participant(specialist, { name: /张医生/ }).and(specialist.locator('[data-mic="off"][data-camera="off"]')).waitFor();
    await expect.poll(() => framesDecoded(chc), { timeout: 40_000, interval: 250 }).toBeGreaterThan(10);
    // A retry while still blocked keeps the message.
    await chc.getByTestId('room-media-retry').click();
    await alert.waitFor();
    for (const p of [specialist, chc]) expect(await p.getByTestId('room-error').count()).toBe(0);
  });
});
