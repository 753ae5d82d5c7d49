import { describe, expect, it } from 'vitest';
import type { JoinedMessage, ParticipantInfo, TrackInfo } from './protocol';
import { CHAT_LIMIT, emptyRoom, featuredSession, mediaState, reduceRoom, tracksOf, videoPaused, videoTiles, withSpeaker, type RoomState } from './state';

const person = (sessionId: string, userId: string, role: ParticipantInfo['role'] = 'participant'): ParticipantInfo => ({
  sessionId,
  userId,
  name: `name-${userId}`,
  role,
  handRaised: false,
});

const track = (trackId: string, sessionId: string, kind: TrackInfo['kind'], source: TrackInfo['source'], muted = false): TrackInfo => ({
  trackId,
  sessionId,
  userId: `u-${sessionId}`,
  kind,
  source,
  muted,
});

const joined = (extra: Partial<JoinedMessage> = {}): JoinedMessage => ({
  type: 'joined',
  id: 1,
  sessionId: 's1',
  roomId: 'r1',
  protocolVersion: 1,
  self: person('s1', 'u1', 'host'),
  participants: [person('s2', 'u2')],
  tracks: [track('a2', 's2', 'audio', 'mic'), track('v2', 's2', 'video', 'camera')],
  iceServers: [],
  ...extra,
});

const start = (): RoomState => reduceRoom(emptyRoom, joined());

describe('reduceRoom', () => {
  it('joined: self first, then the others; tracks by id; clears chat', () => {
    const s = start();
    expect(s.sessionId).toBe('s1');
    expect(s.roomId).toBe('r1');
    expect(s.participants.map((p) => p.sessionId)).toEqual(['s1', 's2']);
    expect(Object.keys(s.tracks).sort()).toEqual(['a2', 'v2']);
    expect(s.chat).toEqual([]);
  });

  it('joined: tolerates a server that lists self among the participants, and missing lists', () => {
    const s = reduceRoom(emptyRoom, joined({ participants: [person('s1', 'u1', 'host'), person('s2', 'u2')] }));
    expect(s.participants.map((p) => p.sessionId)).toEqual(['s1', 's2']);
    const bare = reduceRoom(emptyRoom, { ...joined(), participants: undefined, tracks: undefined } as unknown as JoinedMessage);
    expect(bare.participants).toHaveLength(1);
    expect(bare.tracks).toEqual({});
  });

  it('participants join (once) and leave, taking their tracks and the speaker role with them', () => {
    let s = start();
    s = reduceRoom(s, { type: 'participant_joined', participant: person('s3', 'u3', 'viewer') });
    s = reduceRoom(s, { type: 'participant_joined', participant: { ...person('s3', 'u3', 'viewer'), name: 'renamed' } });
    expect(s.participants.map((p) => p.sessionId)).toEqual(['s1', 's2', 's3']);
    expect(s.participants[2].name).toBe('renamed');
    s = withSpeaker(s, 's2');
    s = reduceRoom(s, { type: 'participant_left', sessionId: 's2', userId: 'u2' });
    expect(s.participants.map((p) => p.sessionId)).toEqual(['s1', 's3']);
    expect(s.tracks).toEqual({});
    expect(s.activeSpeaker).toBeNull();
  });

  it('tracks are published, muted and unpublished', () => {
    let s = start();
    s = reduceRoom(s, { type: 'track_published', track: track('sc2', 's2', 'video', 'screen') });
    expect(tracksOf(s, 's2').screen?.trackId).toBe('sc2');
    s = reduceRoom(s, { type: 'mute', trackId: 'a2', muted: true, userId: 'u2' });
    expect(s.tracks.a2.muted).toBe(true);
    expect(mediaState(tracksOf(s, 's2').mic)).toBe('muted');
    const same = reduceRoom(s, { type: 'mute', trackId: 'a2', muted: true, userId: 'u2' });
    expect(same).toBe(s);
    expect(reduceRoom(s, { type: 'mute', trackId: 'nope', muted: true, userId: 'u2' })).toBe(s);
    s = reduceRoom(s, { type: 'track_unpublished', trackId: 'sc2', sessionId: 's2', userId: 'u2' });
    expect(tracksOf(s, 's2').screen).toBeUndefined();
    expect(reduceRoom(s, { type: 'track_unpublished', trackId: 'sc2', sessionId: 's2', userId: 'u2' })).toBe(s);
  });

  it('hands go up and down per session', () => {
    let s = start();
    s = reduceRoom(s, { type: 'hand', userId: 'u2', sessionId: 's2', raised: true });
    expect(s.participants.find((p) => p.sessionId === 's2')?.handRaised).toBe(true);
    expect(s.participants.find((p) => p.sessionId === 's1')?.handRaised).toBe(false);
    expect(reduceRoom(s, { type: 'hand', userId: 'u2', sessionId: 's2', raised: true })).toBe(s);
  });

  it('chat appends with unique keys and keeps the last CHAT_LIMIT lines', () => {
    let s = start();
    for (let i = 0; i < CHAT_LIMIT + 3; i++) {
      s = reduceRoom(s, { type: 'chat', text: `m${i}`, userId: 'u2', sessionId: 's2', name: 'n', sentAt: 1000 });
    }
    expect(s.chat).toHaveLength(CHAT_LIMIT);
    expect(s.chat[0].text).toBe('m3');
    expect(s.chat.at(-1)?.text).toBe(`m${CHAT_LIMIT + 2}`);
    expect(new Set(s.chat.map((c) => c.key)).size).toBe(CHAT_LIMIT);
  });

  it('active_speaker names a session, or the first session of the user', () => {
    let s = start();
    s = reduceRoom(s, { type: 'active_speaker', userId: 'u2' });
    expect(s.activeSpeaker).toBe('s2');
    s = reduceRoom(s, { type: 'active_speaker', userId: 'u1', sessionId: 's1' });
    expect(s.activeSpeaker).toBe('s1');
  });

  it('quality events record what the SFU sends of a video track, until it or its owner goes', () => {
    let s = start();
    expect(s.received).toEqual({});
    s = reduceRoom(s, { type: 'quality', trackId: 'v2', quality: 'audio_only', reason: 'bandwidth' });
    expect(s.received.v2).toEqual({ quality: 'audio_only', reason: 'bandwidth' });
    s = reduceRoom(s, { type: 'quality', trackId: 'v2', quality: 'high', reason: 'requested' });
    expect(s.received.v2).toEqual({ quality: 'high', reason: 'requested' });
    expect(reduceRoom(s, { type: 'track_unpublished', trackId: 'v2', sessionId: 's2', userId: 'u2' }).received).toEqual({});
    expect(reduceRoom(s, { type: 'participant_left', sessionId: 's2', userId: 'u2' }).received).toEqual({});
  });

  it('a video paused for our weak downlink shows as paused until the SFU resumes it; other reasons do not', () => {
    let s = start();
    expect(videoPaused(s, 's2', 'camera')).toBe(false);
    s = reduceRoom(s, { type: 'quality', trackId: 'v2', quality: 'audio_only', reason: 'bandwidth' });
    expect(videoPaused(s, 's2', 'camera')).toBe(true);
    expect(videoPaused(s, 's2', 'screen')).toBe(false);
    expect(videoPaused(s, 's1', 'camera')).toBe(false);
    expect(videoPaused(reduceRoom(s, { type: 'quality', trackId: 'v2', quality: 'low', reason: 'bandwidth' }), 's2', 'camera')).toBe(false);
    expect(videoPaused(reduceRoom(s, { type: 'quality', trackId: 'v2', quality: 'audio_only', reason: 'requested' }), 's2', 'camera')).toBe(false);
  });

  it('ignores messages that are not room state', () => {
    const s = start();
    expect(reduceRoom(s, { type: 'offer', sdp: 'v=0' })).toBe(s);
    expect(reduceRoom(s, { type: 'error', code: 'invalid', message: 'x' })).toBe(s);
  });
});

describe('featuredSession', () => {
  it('prefers a pinned participant, then a screen share, then the active speaker, then another camera', () => {
    let s = start();
    s = reduceRoom(s, { type: 'participant_joined', participant: person('s3', 'u3') });
    expect(featuredSession(s, null)).toBe('s2'); // the other with a camera
    s = withSpeaker(s, 's3');
    expect(featuredSession(s, null)).toBe('s3');
    s = reduceRoom(s, { type: 'track_published', track: track('sc3', 's3', 'video', 'screen') });
    s = withSpeaker(s, 's2');
    expect(featuredSession(s, null)).toBe('s3'); // the screen wins over the speaker
    expect(featuredSession(s, 's1')).toBe('s1');
    expect(featuredSession(s, 'gone')).toBe('s3');
  });

  it('alone in the room: oneself', () => {
    const s = reduceRoom(emptyRoom, joined({ participants: [], tracks: [] }));
    expect(featuredSession(s, null)).toBe('s1');
  });
});

describe('videoTiles', () => {
  it('one camera tile per participant, a screen tile while sharing; muted cameras show a name card', () => {
    let s = start();
    s = reduceRoom(s, { type: 'participant_joined', participant: person('s3', 'u3') });
    s = reduceRoom(s, { type: 'track_published', track: track('v3', 's3', 'video', 'camera', true) });
    s = reduceRoom(s, { type: 'track_published', track: track('sc2', 's2', 'video', 'screen') });
    const tiles = videoTiles(s, (p, source, self) => (self ? (source === 'camera' ? 'local-cam' : null) : `${p.sessionId}-${source}`));
    expect(tiles.map((t) => [t.key, t.video])).toEqual([
      ['s1:camera', 'local-cam'],
      ['s2:camera', 's2-camera'],
      ['s2:screen', 's2-screen'],
      ['s3:camera', null],
    ]);
    expect(tiles[0].self).toBe(true);
  });

  it('gives viewers no tile', () => {
    let s = start();
    s = reduceRoom(s, { type: 'participant_joined', participant: person('s9', 'u9', 'viewer') });
    expect(videoTiles(s, () => null).map((t) => t.key)).toEqual(['s1:camera', 's2:camera']);
  });

  it("shows one's own screen from the local track, before the room announces it", () => {
    const s = start();
    const tiles = videoTiles(s, (_p, source, self) => (self && source === 'screen' ? 'local-screen' : null));
    expect(tiles.find((t) => t.key === 's1:screen')?.video).toBe('local-screen');
  });
});
