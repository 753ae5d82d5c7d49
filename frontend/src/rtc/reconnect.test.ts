import { describe, expect, it } from 'vitest';
import { afterRefusal, defaultReconnectPolicy, isDrop, nextDelay, resumedRoom } from './reconnect';
import { emptyRoom, reduceRoom } from './state';
import type { JoinedMessage } from './protocol';

describe('isDrop', () => {
  it('resumes after a lost network, not after a close the server meant', () => {
    expect(isDrop(1006)).toBe(true); // no close frame
    expect(isDrop(4000)).toBe(true);
    for (const code of [1000, 1001, 1008, 1009, 1011]) expect(isDrop(code)).toBe(false);
  });
});

describe('nextDelay', () => {
  it('backs off and repeats the last delay', () => {
    const p = defaultReconnectPolicy;
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => nextDelay(a, 0, p))).toEqual([0, 1000, 2000, 4000, 8000, 8000, 8000]);
  });
  it('starts no attempt that cannot finish within the grace period', () => {
    const p = { graceMs: 30_000, delaysMs: [0, 1000, 8000], marginMs: 2000 };
    expect(nextDelay(0, 27_000, p)).toBe(0);
    expect(nextDelay(1, 26_999, p)).toBe(1000);
    expect(nextDelay(1, 27_000, p)).toBeNull();
    expect(nextDelay(5, 20_000, p)).toBeNull(); // 20 s + 8 s is past 28 s
  });
});

describe('afterRefusal', () => {
  it('joins afresh when the server has no such session, retries on network trouble', () => {
    expect(afterRefusal('not_found')).toBe('join');
    expect(afterRefusal('forbidden')).toBe('join');
    expect(afterRefusal('unsupported')).toBe('join');
    expect(afterRefusal('timeout')).toBe('retry');
    expect(afterRefusal('closed')).toBe('retry');
    expect(afterRefusal('unauthorized')).toBe('retry');
  });
});

describe('resumedRoom', () => {
  const me = { sessionId: 's1', userId: 'u1', name: 'Me', role: 'host' as const, handRaised: false };
  const bob = { sessionId: 's2', userId: 'u2', name: 'Bob', role: 'participant' as const, handRaised: false };
  const joined = (over: Partial<JoinedMessage>): JoinedMessage => ({
    type: 'joined',
    sessionId: 's1',
    roomId: 'r1',
    protocolVersion: 1,
    self: me,
    participants: [bob],
    tracks: [],
    iceServers: [],
    ...over,
  });

  it('takes the server’s state and keeps the chat and a present speaker', () => {
    let prev = reduceRoom(emptyRoom, joined({}));
    prev = reduceRoom(prev, { type: 'chat', text: 'hi', userId: 'u2', sessionId: 's2', name: 'Bob', sentAt: 1 });
    prev = reduceRoom(prev, { type: 'active_speaker', userId: 'u2', sessionId: 's2' });
    const mic = { trackId: 'm', sessionId: 's1', userId: 'u1', kind: 'audio' as const, source: 'mic' as const, muted: false };
    const next = resumedRoom(prev, joined({ resumed: true, participants: [{ ...bob, handRaised: true }], tracks: [mic] }));
    expect(next.chat.map((c) => c.text)).toEqual(['hi']);
    expect(next.activeSpeaker).toBe('s2');
    expect(next.participants[1].handRaised).toBe(true);
    expect(next.tracks).toEqual({ m: mic });
  });

  it('drops a speaker who left while we were away', () => {
    let prev = reduceRoom(emptyRoom, joined({}));
    prev = reduceRoom(prev, { type: 'active_speaker', userId: 'u2', sessionId: 's2' });
    expect(resumedRoom(prev, joined({ resumed: true, participants: [] })).activeSpeaker).toBeNull();
  });
});
