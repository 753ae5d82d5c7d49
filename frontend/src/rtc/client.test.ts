import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  PendingRequests,
  RoomClient,
  SignalingError,
  type RoomClientOptions,
  candidateInit,
  candidateMessage,
  mapReceivedTracks,
  signalingWsUrl,
} from './client';
import type { ClientMessage, ServerMessage } from './protocol';

describe('signalingWsUrl', () => {
  it('resolves a path on the page origin with the matching scheme', () => {
    expect(signalingWsUrl('/rtc/ws', 'http://127.0.0.1:8080/rooms/abc')).toBe('ws://127.0.0.1:8080/rtc/ws');
    expect(signalingWsUrl('/rtc/ws', 'https://hub.example.cn/rooms/abc?x=1')).toBe('wss://hub.example.cn/rtc/ws');
    expect(signalingWsUrl('', 'https://hub.example.cn/')).toBe('wss://hub.example.cn/rtc/ws');
  });

  it('converts absolute http(s) URLs and keeps ws(s) ones', () => {
    expect(signalingWsUrl('https://sfu.example.cn/rtc/ws', 'https://hub.example.cn/')).toBe('wss://sfu.example.cn/rtc/ws');
    expect(signalingWsUrl('ws://10.0.0.2:7000/rtc/ws', 'https://hub.example.cn/')).toBe('ws://10.0.0.2:7000/rtc/ws');
  });
});

describe('PendingRequests', () => {
  afterEach(() => vi.useRealTimers());

  it('hands out increasing ids and routes replies by id', async () => {
    const p = new PendingRequests();
    expect([p.next(), p.next()]).toEqual([1, 2]);
    const a = p.wait(1, 1000);
    const b = p.wait(2, 1000);
    expect(p.settle({ type: 'answer', id: 2, sdp: 'B' })).toBe(true);
    expect(p.settle({ type: 'error', id: 1, code: 'forbidden', message: 'viewer' })).toBe(true);
    await expect(b).resolves.toMatchObject({ sdp: 'B' });
    await expect(a).rejects.toMatchObject({ name: 'SignalingError', code: 'forbidden', message: 'viewer' });
    expect(p.size).toBe(0);
  });

  it('ignores messages without a waiting id', () => {
    const p = new PendingRequests();
    expect(p.settle({ type: 'chat', text: 'x', userId: 'u', sessionId: 's', name: 'n', sentAt: 1 })).toBe(false);
    expect(p.settle({ type: 'error', id: 9, code: 'invalid', message: 'x' })).toBe(false);
  });

  it('times out, and fails everything when the socket closes', async () => {
    vi.useFakeTimers();
    const p = new PendingRequests();
    const a = p.wait(p.next(), 500);
    const b = p.wait(p.next(), 0); // no timeout
    vi.advanceTimersByTime(501);
    await expect(a).rejects.toMatchObject({ code: 'timeout' });
    p.failAll(new SignalingError('closed', 'gone'));
    await expect(b).rejects.toMatchObject({ code: 'closed' });
  });
});

describe('candidates', () => {
  it('converts both ways, tagging the target PC', () => {
    const m = candidateMessage({ candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'uf' }, 'subscriber');
    expect(m).toEqual({
      type: 'candidate',
      candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
      usernameFragment: 'uf',
      target: 'subscriber',
    });
    expect(candidateMessage(null, 'publisher')).toMatchObject({ candidate: '', sdpMid: null, target: 'publisher' });
    expect(candidateInit(m)).toEqual({ candidate: m.candidate, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'uf' });
    expect(candidateInit({ type: 'candidate', candidate: 'c', sdpMid: null, target: 'publisher' })).toEqual({ candidate: 'c' });
  });
});

describe('mapReceivedTracks', () => {
  it('names each transceiver’s track by the trackId the server listed for its mid', () => {
    const ts = [
      { mid: '0', receiver: { track: 'T0' } },
      { mid: '1', receiver: { track: 'T1' } },
      { mid: '2', receiver: { track: 'T2' } }, // removed from the offer
      { mid: null, receiver: { track: 'Tn' } }, // not negotiated yet
    ];
    expect(mapReceivedTracks(ts, { '0': 'alice-mic', '1': 'alice-cam' })).toEqual({ 'alice-mic': 'T0', 'alice-cam': 'T1' });
  });
});

// ---- RoomClient with a fake socket and fake peer connections ----

class FakeWS {
  static last: FakeWS | null = null;
  readyState = 0;
  sent: ClientMessage[] = [];
  onopen: (() => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  closedWith: number | null = null;
  constructor(readonly url: string) {
    FakeWS.last = this;
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.();
    });
  }
  send(data: string) {
    this.sent.push(JSON.parse(data) as ClientMessage);
  }
  close(code: number) {
    this.closedWith = code;
    this.readyState = 3;
  }
  /** the server sends */
  push(msg: ServerMessage) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop(code: number) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
  ofType<T extends ClientMessage['type']>(type: T): Extract<ClientMessage, { type: T }>[] {
    return this.sent.filter((m) => m.type === type) as Extract<ClientMessage, { type: T }>[];
  }
}

interface FakeTransceiver {
  mid: string | null;
  direction: string;
  sendEncodings?: { rid?: string; scaleResolutionDownBy?: number }[];
  sender: { track: unknown; replaceTrack: (t: unknown) => Promise<void> };
  receiver: { track: { id: string; kind: string } };
}

class FakePC {
  static all: FakePC[] = [];
  onicecandidate: ((ev: { candidate: { candidate: string; toJSON: () => RTCIceCandidateInit } | null }) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  connectionState = 'new';
  signalingState = 'stable';
  remoteDescription: { type: string; sdp: string } | null = null;
  localDescription: { type: string; sdp: string } | null = null;
  transceivers: FakeTransceiver[] = [];
  candidates: RTCIceCandidateInit[] = [];
  removed: unknown[] = [];
  offers = 0;
  constructor(readonly config: RTCConfiguration) {
    FakePC.all.push(this);
  }
  async setRemoteDescription(d: { type: string; sdp: string }) {
    this.remoteDescription = d;
    if (d.type === 'offer') {
      // The fake "SDP" lists the mids: "mids:0,1"
      const mids = d.sdp.replace('mids:', '').split(',').filter(Boolean);
      for (const mid of mids) {
        if (!this.transceivers.some((t) => t.mid === mid)) {
          this.transceivers.push({
            mid,
            direction: 'recvonly',
            sender: { track: null, replaceTrack: async () => undefined },
            receiver: { track: { id: `recv-${mid}`, kind: 'video' } },
          });
        }
      }
      this.signalingState = 'have-remote-offer';
    } else this.signalingState = 'stable';
  }
  async createAnswer() {
    return { type: 'answer', sdp: `answer-to-${this.remoteDescription?.sdp}` };
  }
  offerOptions: unknown[] = [];
  async createOffer(opts?: unknown) {
    this.offerOptions.push(opts);
    this.offers++;
    return { type: 'offer', sdp: `offer-${this.offers}` };
  }
  async setLocalDescription(d: { type: string; sdp: string }) {
    this.localDescription = d;
    this.signalingState = d.type === 'offer' ? 'have-local-offer' : 'stable';
  }
  getTransceivers() {
    return this.transceivers;
  }
  addTransceiver(track: { id: string }, init: { direction: string; sendEncodings?: { rid?: string; scaleResolutionDownBy?: number }[] }) {
    const t: FakeTransceiver = {
      mid: String(this.transceivers.length),
      direction: init.direction,
      sendEncodings: init.sendEncodings,
      sender: {
        track,
        replaceTrack: async (nt: unknown) => {
          t.sender.track = nt;
        },
      },
      receiver: { track: { id: 'unused', kind: 'audio' } },
    };
    this.transceivers.push(t);
    return t;
  }
  removeTrack(sender: unknown) {
    this.removed.push(sender);
  }
  async addIceCandidate(c: RTCIceCandidateInit) {
    this.candidates.push(c);
  }
  async getStats() {
    return new Map();
  }
  close() {
    this.signalingState = 'closed';
  }
  gather(candidate: string) {
    this.onicecandidate?.({ candidate: { candidate, toJSON: () => ({ candidate, sdpMid: '0', sdpMLineIndex: 0 }) } });
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0));

async function joinedClient(role: 'host' | 'participant' | 'viewer' = 'host', extra: Partial<RoomClientOptions> = {}) {
  FakePC.all = [];
  const client = new RoomClient({
    ...extra,
    url: 'ws://hub/rtc/ws',
    token: 'v1.tok',
    role,
    iceServers: [{ urls: ['stun:stun.example.cn:3478'] }],
    WebSocketImpl: FakeWS as unknown as typeof WebSocket,
    PeerConnectionImpl: FakePC as unknown as typeof RTCPeerConnection,
    timeoutMs: 2000,
  });
  const joining = client.join();
  await tick();
  const ws = FakeWS.last!;
  const join = ws.ofType('join')[0];
  expect(join).toEqual({ type: 'join', id: 1, token: 'v1.tok', protocolVersion: 1 });
  ws.push({
    type: 'joined',
    id: join.id,
    sessionId: 's1',
    roomId: 'r1',
    protocolVersion: 1,
    self: { sessionId: 's1', userId: 'u1', name: 'Me', role, handRaised: false },
    participants: [{ sessionId: 's2', userId: 'u2', name: 'Bob', role: 'participant', handRaised: false }],
    tracks: [
      { trackId: 'bob-mic', sessionId: 's2', userId: 'u2', kind: 'audio', source: 'mic', muted: false },
      { trackId: 'bob-cam', sessionId: 's2', userId: 'u2', kind: 'video', source: 'camera', muted: false },
    ],
    iceServers: [],
  });
  const joined = await joining;
  return { client, ws, joined };
}

describe('RoomClient', () => {
  it('joins: sends join with the token and version, reaches status joined with the room', async () => {
    const { client, joined } = await joinedClient();
    expect(joined.sessionId).toBe('s1');
    const snap = client.getSnapshot();
    expect(snap.status).toBe('joined');
    expect(snap.room.participants.map((p) => p.name)).toEqual(['Me', 'Bob']);
    // the subscriber PC exists before the first server offer, with the hub's ICE servers
    expect(FakePC.all).toHaveLength(1);
    expect(FakePC.all[0].config.iceServers).toEqual([{ urls: ['stun:stun.example.cn:3478'] }]);
  });

  it('a refused join rejects with the server’s code and closes', async () => {
    FakePC.all = [];
    const client = new RoomClient({
      url: 'ws://hub/rtc/ws',
      token: 'bad',
      role: 'host',
      WebSocketImpl: FakeWS as unknown as typeof WebSocket,
      PeerConnectionImpl: FakePC as unknown as typeof RTCPeerConnection,
    });
    const joining = client.join();
    await tick();
    FakeWS.last!.push({ type: 'error', id: 1, code: 'unauthorized', message: 'room token expired' });
    await expect(joining).rejects.toMatchObject({ code: 'unauthorized' });
    expect(client.getSnapshot().status).toBe('closed');
    expect(FakePC.all[0].signalingState).toBe('closed');
  });

  it('answers server offers on the subscriber PC and names received tracks by mid', async () => {
    const { client, ws } = await joinedClient();
    const sub = FakePC.all[0];
    // A candidate for the subscriber that arrives with the offer is applied after the description.
    ws.push({ type: 'offer', sdp: 'mids:0,1', tracks: { '0': 'bob-mic', '1': 'bob-cam' } });
    ws.push({ type: 'candidate', candidate: 'candidate:9 1 udp 1 10.0.0.1 4000 typ host', sdpMid: '0', sdpMLineIndex: 0, target: 'subscriber' });
    await tick();
    await tick();
    expect(ws.ofType('answer')).toEqual([{ type: 'answer', sdp: 'answer-to-mids:0,1' }]);
    expect(sub.candidates).toEqual([{ candidate: 'candidate:9 1 udp 1 10.0.0.1 4000 typ host', sdpMid: '0', sdpMLineIndex: 0 }]);
    const remote = client.getSnapshot().remote;
    expect(Object.keys(remote).sort()).toEqual(['bob-cam', 'bob-mic']);
    expect((remote['bob-cam'] as unknown as { id: string }).id).toBe('recv-1');
    expect(client.midTrackMap).toEqual({ '0': 'bob-mic', '1': 'bob-cam' });

    // A later offer without the camera drops it from the received tracks.
    ws.push({ type: 'offer', sdp: 'mids:0,1', tracks: { '0': 'bob-mic' } });
    await tick();
    await tick();
    expect(Object.keys(client.getSnapshot().remote)).toEqual(['bob-mic']);

    // Our own subscriber candidates go out tagged.
    sub.gather('candidate:1 1 udp 1 192.0.2.2 5555 typ host');
    expect(ws.ofType('candidate').at(-1)).toMatchObject({ target: 'subscriber', candidate: 'candidate:1 1 udp 1 192.0.2.2 5555 typ host' });
  });

  it('publishes: publish per track, then one offer; applies the answer; mutes and unpublishes', async () => {
    const { client, ws } = await joinedClient();
    const mic = { id: 'mic-1', kind: 'audio', enabled: true } as unknown as MediaStreamTrack;
    const cam = { id: 'cam-1', kind: 'video', enabled: true } as unknown as MediaStreamTrack;
    const publishing = client.publish([
      { track: mic, source: 'mic' },
      { track: cam, source: 'camera' },
    ]);
    await tick();
    expect(ws.ofType('publish').map((m) => [m.trackId, m.kind, m.source])).toEqual([
      ['mic-1', 'audio', 'mic'],
      ['cam-1', 'video', 'camera'],
    ]);
    const offers = ws.ofType('offer');
    expect(offers).toHaveLength(1);
    const pub = FakePC.all[1];
    expect(pub.transceivers.map((t) => t.direction)).toEqual(['sendonly', 'sendonly']);
    // The camera goes out as three simulcast layers, lowest first; the microphone as one stream.
    expect(pub.transceivers[0].sendEncodings).toBeUndefined();
    expect(pub.transceivers[1].sendEncodings?.map((e) => [e.rid, e.scaleResolutionDownBy])).toEqual([
      ['q', 4],
      ['h', 2],
      ['f', 1],
    ]);
    // A server candidate for the publisher arrives right after the answer.
    ws.push({ type: 'answer', id: offers[0].id, sdp: 'server-answer' });
    ws.push({ type: 'candidate', candidate: 'candidate:7 1 udp 1 192.0.2.2 6000 typ host', sdpMid: '0', sdpMLineIndex: 0, target: 'publisher' });
    await publishing;
    await tick();
    expect(pub.remoteDescription).toEqual({ type: 'answer', sdp: 'server-answer' });
    expect(pub.candidates).toHaveLength(1);
    expect(Object.keys(client.getSnapshot().local).sort()).toEqual(['camera', 'mic']);

    pub.gather('candidate:2 1 udp 1 192.0.2.2 7777 typ host');
    expect(ws.ofType('candidate').at(-1)).toMatchObject({ target: 'publisher' });

    client.setMuted('mic', true);
    expect(ws.ofType('mute')).toEqual([{ type: 'mute', trackId: 'mic-1', muted: true }]);
    expect(client.getSnapshot().local.mic?.muted).toBe(true);

    // Switching the camera keeps the published id.
    const cam2 = { id: 'cam-2', kind: 'video' } as unknown as MediaStreamTrack;
    await client.replaceTrack('camera', cam2);
    expect(pub.transceivers[1].sender.track).toBe(cam2);
    expect(client.getSnapshot().local.camera?.trackId).toBe('cam-1');

    const unpublishing = client.unpublish('camera');
    await tick();
    expect(ws.ofType('unpublish')).toEqual([{ type: 'unpublish', trackId: 'cam-1' }]);
    expect(pub.removed).toHaveLength(1);
    const second = ws.ofType('offer')[1];
    ws.push({ type: 'answer', id: second.id, sdp: 'server-answer-2' });
    await unpublishing;
    expect(client.getSnapshot().local.camera).toBeUndefined();
  });

  it('a viewer never publishes', async () => {
    const { client, ws } = await joinedClient('viewer');
    await expect(client.publish([{ track: { id: 'x', kind: 'audio' } as MediaStreamTrack, source: 'mic' }])).rejects.toMatchObject({ code: 'forbidden' });
    expect(ws.ofType('publish')).toEqual([]);
    expect(FakePC.all).toHaveLength(1);
  });

  it('room events update the snapshot; unsolicited errors are kept; chat, hand and quality go out', async () => {
    const { client, ws } = await joinedClient();
    const seen = vi.fn();
    client.subscribe(seen);
    ws.push({ type: 'hand', userId: 'u2', sessionId: 's2', raised: true });
    ws.push({ type: 'chat', text: 'hello', userId: 'u2', sessionId: 's2', name: 'Bob', sentAt: 5 });
    ws.push({ type: 'error', code: 'invalid', message: 'track x was not announced' });
    const snap = client.getSnapshot();
    expect(snap.room.participants[1].handRaised).toBe(true);
    expect(snap.room.chat.map((c) => c.text)).toEqual(['hello']);
    expect(snap.lastError).toEqual({ code: 'invalid', message: 'track x was not announced' });
    expect(seen).toHaveBeenCalled();

    client.raiseHand(true);
    client.chat('  hi all  ');
    client.chat('   ');
    client.subscribeQuality('bob-cam', 'audio_only');
    expect(ws.ofType('raise_hand')).toEqual([{ type: 'raise_hand', raised: true }]);
    expect(ws.ofType('chat')).toEqual([{ type: 'chat', text: 'hi all' }]);
    expect(ws.ofType('subscribe')).toEqual([{ type: 'subscribe', trackId: 'bob-cam', quality: 'audio_only' }]);

    // Garbage is ignored.
    ws.onmessage?.({ data: 'not json' });
    ws.onmessage?.({ data: '{"type":"martian"}' });
    expect(client.getSnapshot().status).toBe('joined');
  });

  it('leave sends leave and closes; a dropped socket closes with its code', async () => {
    const a = await joinedClient();
    a.client.leave();
    expect(a.ws.ofType('leave')).toHaveLength(1);
    expect(a.client.getSnapshot()).toMatchObject({ status: 'closed', closeCode: 1000 });
    expect(a.ws.closedWith).toBe(1000);

    const b = await joinedClient();
    b.ws.drop(1011);
    expect(b.client.getSnapshot()).toMatchObject({ status: 'closed', closeCode: 1011 });
    expect(FakePC.all[0].signalingState).toBe('closed');
  });
});

describe('RoomClient reconnect', () => {
  const fast = { graceMs: 30_000, delaysMs: [0, 5], marginMs: 0 };

  async function publishing(extra: Partial<RoomClientOptions>) {
    const j = await joinedClient('host', extra);
    const mic = { id: 'mic-1', kind: 'audio', enabled: true } as unknown as MediaStreamTrack;
    const p = j.client.publish([{ track: mic, source: 'mic' }]);
    await tick();
    j.ws.push({ type: 'answer', id: j.ws.ofType('offer')[0].id, sdp: 'server-answer' });
    await p;
    return j;
  }

  it('a dropped socket resumes the session with a fresh token, keeps the PCs and restarts publisher ICE', async () => {
    const fetchToken = vi.fn(async () => 'v1.fresh');
    const { client, ws } = await publishing({ fetchToken, reconnectPolicy: fast });
    ws.push({ type: 'chat', text: 'before', userId: 'u2', sessionId: 's2', name: 'Bob', sentAt: 1 });
    ws.drop(1006);
    expect(client.getSnapshot().status).toBe('reconnecting');
    await tick();
    await tick();
    const ws2 = FakeWS.last!;
    expect(ws2).not.toBe(ws);
    const rc = ws2.ofType('reconnect');
    expect(rc).toEqual([{ type: 'reconnect', id: expect.any(Number), token: 'v1.fresh', sessionId: 's1' }]);
    ws2.push({
      type: 'joined',
      id: rc[0].id,
      resumed: true,
      sessionId: 's1',
      roomId: 'r1',
      protocolVersion: 1,
      self: { sessionId: 's1', userId: 'u1', name: 'Me', role: 'host', handRaised: false },
      participants: [{ sessionId: 's2', userId: 'u2', name: 'Bob', role: 'participant', handRaised: false }],
      tracks: [{ trackId: 'mic-1', sessionId: 's1', userId: 'u1', kind: 'audio', source: 'mic', muted: false }],
      iceServers: [],
    });
    await tick();
    await tick();
    const snap = client.getSnapshot();
    expect(snap.status).toBe('joined');
    expect(snap.room.chat.map((c) => c.text)).toEqual(['before']);
    expect(FakePC.all).toHaveLength(2); // no new PCs
    expect(FakePC.all.every((pc) => pc.signalingState !== 'closed')).toBe(true);
    // The publisher offers again with an ICE restart, on the new socket.
    const pub = FakePC.all[1];
    expect(pub.offerOptions.at(-1)).toEqual({ iceRestart: true });
    expect(ws2.ofType('offer')).toHaveLength(1);
    // A server restart offer on the subscriber PC is answered as usual.
    ws2.push({ type: 'offer', sdp: 'mids:', tracks: {} });
    await tick();
    await tick();
    expect(ws2.ofType('answer')).toHaveLength(1);
  });

  it('a refused resume closes with rejoin set, so the session joins afresh', async () => {
    const { client, ws } = await joinedClient('host', { reconnectPolicy: fast });
    ws.drop(1006);
    await tick();
    await tick();
    const ws2 = FakeWS.last!;
    const rc = ws2.ofType('reconnect')[0];
    expect(rc.token).toBe('v1.tok'); // no fetchToken: the join token
    ws2.push({ type: 'error', id: rc.id, code: 'not_found', message: 'session s1 cannot be resumed; join again' });
    await tick();
    await tick();
    expect(client.getSnapshot()).toMatchObject({ status: 'closed', rejoin: true });
    expect(FakePC.all[0].signalingState).toBe('closed');
  });

  it('retries while the network is out and gives up when the grace period is over', async () => {
    const { client, ws } = await joinedClient('host', { reconnectPolicy: { graceMs: 40, delaysMs: [0, 5], marginMs: 0 } });
    ws.drop(1006);
    // Every new socket dies before it opens.
    let sockets = 0;
    while (client.getSnapshot().status === 'reconnecting') {
      await new Promise((r) => setTimeout(r, 1));
      const s = FakeWS.last!;
      if (s !== ws && s.readyState !== 3) {
        sockets++;
        s.drop(1006);
      }
    }
    expect(sockets).toBeGreaterThan(1);
    expect(client.getSnapshot()).toMatchObject({ status: 'closed', rejoin: true });
  });

  it('a close the server meant ends the session without a reconnect', async () => {
    const { client, ws } = await joinedClient();
    ws.drop(1011);
    await tick();
    expect(FakeWS.last).toBe(ws);
    expect(client.getSnapshot()).toMatchObject({ status: 'closed', closeCode: 1011, rejoin: false });
  });

  it('restarts ICE on the publisher PC when it fails', async () => {
    const { client, ws } = await publishing({});
    const pub = FakePC.all[1];
    pub.connectionState = 'failed';
    pub.onconnectionstatechange?.();
    await tick();
    expect(pub.offerOptions.at(-1)).toEqual({ iceRestart: true });
    expect(ws.ofType('offer')).toHaveLength(2);
    expect(client.getSnapshot().lastError).toBeNull();
  });

  it('server active_speaker events win over local measurements', async () => {
    const { client, ws } = await joinedClient();
    client.setActiveSpeaker('s1');
    expect(client.getSnapshot().room.activeSpeaker).toBe('s1');
    ws.push({ type: 'active_speaker', userId: 'u2', sessionId: 's2' });
    client.setActiveSpeaker('s1');
    expect(client.getSnapshot().room.activeSpeaker).toBe('s2');
  });
});
