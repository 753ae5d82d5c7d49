// The browser's signaling client for the SFU (signaling/PROTOCOL.md, version 1).
//
// One WebSocket and two RTCPeerConnections per participant:
//   - the publisher PC carries our microphone, camera and screen; we always offer on it;
//   - the subscriber PC carries everyone else's tracks; the server always offers on it, and its
//     offers carry `tracks` (mid → trackId), because a received MediaStreamTrack's id is not the
//     publisher's.
// ICE candidates trickle both ways, tagged with the PC they belong to (`target`).
//
// The pure parts (URLs, request ids, candidate conversion, mid → track mapping) are exported for
// unit tests; RoomClient wires them to the browser's WebSocket and RTCPeerConnection, both of which
// can be replaced in tests.
import {
  PROTOCOL_VERSION,
  decodeServerMessage,
  encodeMessage,
  type CandidateMessage,
  type ClientMessage,
  type ErrorCode,
  type IceServer,
  type JoinedMessage,
  type Quality,
  type Role,
  type ServerMessage,
  type Target,
  type TrackSource,
} from './protocol';
import { afterRefusal, defaultReconnectPolicy, isDrop, nextDelay, resumedRoom, type ReconnectPolicy } from './reconnect';
import { emptyRoom, reduceRoom, withSpeaker, type RoomState } from './state';
import { statsList, type StatLike } from './stats';

// ---- pure helpers -------------------------------------------------------------

/**
 * The WebSocket URL for the hub's `signalingUrl`: a path ("/rtc/ws") is resolved against the page's
 * origin with ws: or wss: to match http: or https:; an absolute http(s) URL is converted likewise.
 */
export function signalingWsUrl(signalingUrl: string, pageUrl: string): string {
  const u = new URL(signalingUrl || '/rtc/ws', pageUrl);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  return u.toString();
}

/** A refusal from the server (an `error` message) or a local failure with the same shape. */
/**
 * The camera is sent as three simulcast layers, lowest first with the RIDs the SFU knows (q, h, f:
 * quarter, half and full resolution), so each subscriber gets the one its downlink and window fit.
 * The bitrate caps keep the three together near what one full layer alone would cost on a clinic's
 * uplink. The browser drops layers its camera or uplink cannot support; the SFU follows.
 */
export const CAMERA_SIMULCAST: RTCRtpEncodingParameters[] = [
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
];

export class SignalingError extends Error {
  readonly code: ErrorCode | 'timeout' | 'closed';
  constructor(code: SignalingError['code'], message: string) {
    super(message);
    this.name = 'SignalingError';
    this.code = code;
  }
}

interface Waiter {
  resolve: (m: ServerMessage) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Request ids: `next()` hands out 1, 2, 3…; `wait(id)` resolves with the server's direct reply carrying
 * that id (rejects on an `error` reply or a timeout); `settle(msg)` routes an incoming message to its
 * waiter and says whether it was one.
 */
export class PendingRequests {
  private seq = 0;
  private waiters = new Map<number, Waiter>();

  next(): number {
    return ++this.seq;
  }

  wait(id: number, timeoutMs: number): Promise<ServerMessage> {
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.waiters.delete(id);
              reject(new SignalingError('timeout', `no reply to request ${id} within ${timeoutMs} ms`));
            }, timeoutMs)
          : undefined;
      this.waiters.set(id, { resolve, reject, timer });
    });
  }

  settle(msg: ServerMessage): boolean {
    if (!msg.id) return false;
    const w = this.waiters.get(msg.id);
    if (!w) return false;
    this.waiters.delete(msg.id);
    if (w.timer) clearTimeout(w.timer);
    if (msg.type === 'error') w.reject(new SignalingError(msg.code, msg.message));
    else w.resolve(msg);
    return true;
  }

  /** Rejects every waiter (the socket closed). */
  failAll(err: Error): void {
    for (const w of this.waiters.values()) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(err);
    }
    this.waiters.clear();
  }

  get size(): number {
    return this.waiters.size;
  }
}

/** A gathered browser candidate as a protocol message; null (end of gathering) gives an empty candidate. */
export function candidateMessage(c: RTCIceCandidateInit | null, target: Target): CandidateMessage {
  return {
    type: 'candidate',
    candidate: c?.candidate ?? '',
    sdpMid: c?.sdpMid ?? null,
    sdpMLineIndex: c?.sdpMLineIndex ?? null,
    usernameFragment: c?.usernameFragment ?? null,
    target,
  };
}

/** A received candidate message as the browser's RTCIceCandidateInit. */
export function candidateInit(m: CandidateMessage): RTCIceCandidateInit {
  const init: RTCIceCandidateInit = { candidate: m.candidate };
  if (m.sdpMid !== undefined && m.sdpMid !== null) init.sdpMid = m.sdpMid;
  if (m.sdpMLineIndex !== undefined && m.sdpMLineIndex !== null) init.sdpMLineIndex = m.sdpMLineIndex;
  if (m.usernameFragment) init.usernameFragment = m.usernameFragment;
  return init;
}

/** The parts of an RTCRtpTransceiver the mapping needs. */
export interface TransceiverLike<T> {
  mid: string | null;
  receiver: { track: T };
}

/**
 * Names received tracks by the publisher's trackId: each transceiver whose mid the server's last
 * offer listed carries that track. Transceivers the offer did not list (removed tracks) are left out.
 */
export function mapReceivedTracks<T>(transceivers: readonly TransceiverLike<T>[], midTracks: Record<string, string>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const t of transceivers) {
    if (t.mid === null) continue;
    const trackId = midTracks[t.mid];
    if (trackId) out[trackId] = t.receiver.track;
  }
  return out;
}

/** The kind a source is published as; screen audio is published with source 'screen' and kind 'audio'. */
export function publishKind(track: { kind: string }): 'audio' | 'video' {
  return track.kind === 'audio' ? 'audio' : 'video';
}

// ---- the client ------------------------------------------------------------------

/** `reconnecting`: the socket dropped and the session is being resumed; the PCs and the room stay. */
export type ClientStatus = 'idle' | 'connecting' | 'joined' | 'reconnecting' | 'closed';

/** One of our own published tracks. `trackId` is the id the server knows (the msid at publish time). */
export interface LocalPublication {
  trackId: string;
  source: TrackSource;
  kind: 'audio' | 'video';
  sender: RTCRtpSender;
  muted: boolean;
}

export interface ClientSnapshot {
  status: ClientStatus;
  room: RoomState;
  /** received tracks by the publisher's trackId */
  remote: Record<string, MediaStreamTrack>;
  /** our own publications by source */
  local: Partial<Record<TrackSource, LocalPublication>>;
  /** the WebSocket close code once closed */
  closeCode: number | null;
  /** the last error the server sent that no request was waiting for, or a local failure */
  lastError: { code: string; message: string } | null;
  /** closed because the session could not be resumed: join the room afresh */
  rejoin: boolean;
}

export interface RoomClientOptions {
  /** ws:// or wss:// URL (see signalingWsUrl) */
  url: string;
  token: string;
  role: Role;
  /** from the hub's join answer; `joined` may replace them */
  iceServers?: IceServer[];
  WebSocketImpl?: typeof WebSocket;
  PeerConnectionImpl?: typeof RTCPeerConnection;
  /** request timeout (join, offer), ms */
  timeoutMs?: number;
  /** a fresh room token for `reconnect` (the join token has usually expired); default: the join token */
  fetchToken?: () => Promise<string>;
  reconnectPolicy?: ReconnectPolicy;
  log?: (msg: string, detail?: unknown) => void;
}

const STATUS_NORMAL = 1000;

/** Read through a function so TypeScript does not keep a narrowing across an await. */
const isClosed = (pc: RTCPeerConnection) => pc.signalingState === 'closed';

export class RoomClient {
  private readonly opts: Required<Pick<RoomClientOptions, 'timeoutMs'>> & RoomClientOptions;
  private ws: WebSocket | null = null;
  private pending = new PendingRequests();
  private pub: RTCPeerConnection | null = null;
  private sub: RTCPeerConnection | null = null;
  private iceServers: IceServer[];
  /** the subscriber PC's current mid → trackId, from the server's last offer */
  private midTracks: Record<string, string> = {};
  /** publisher negotiations and publisher-bound candidates, in order */
  private pubChain: Promise<void> = Promise.resolve();
  /** server offers and subscriber-bound candidates, in order */
  private subChain: Promise<void> = Promise.resolve();
  private pubNeedsOffer = false;
  private pubNeedsRestart = false;
  private snap: ClientSnapshot = {
    status: 'idle',
    room: emptyRoom,
    remote: {},
    local: {},
    closeCode: null,
    lastError: null,
    rejoin: false,
  };
  /** set once the server sends active_speaker: its choice wins over local measurements */
  private serverSpeaker = false;
  private listeners = new Set<() => void>();

  constructor(opts: RoomClientOptions) {
    this.opts = { timeoutMs: 15_000, ...opts };
    this.iceServers = opts.iceServers ?? [];
  }

  // -- store interface (React's useSyncExternalStore) --

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getSnapshot = (): ClientSnapshot => this.snap;

  private update(patch: Partial<ClientSnapshot>) {
    this.snap = { ...this.snap, ...patch };
    for (const fn of this.listeners) fn();
  }

  private log(msg: string, detail?: unknown) {
    this.opts.log?.(msg, detail);
  }

  get canPublish(): boolean {
    return this.opts.role !== 'viewer';
  }

  /** The subscriber PC's current mid → trackId map (for statistics). */
  get midTrackMap(): Record<string, string> {
    return this.midTracks;
  }

  // -- connection --

  /** Opens the socket, joins, and resolves with `joined`. Rejects with a SignalingError. */
  async join(): Promise<JoinedMessage> {
    if (this.snap.status !== 'idle') throw new Error('join: client already used');
    this.update({ status: 'connecting' });
    try {
      await this.openSocket();
    } catch (e) {
      this.shutdown(null);
      throw e;
    }

    const id = this.pending.next();
    const reply = this.pending.wait(id, this.opts.timeoutMs);
    // The subscriber PC must exist before the first server offer, which follows `joined` at once.
    this.sub = this.newPeerConnection('subscriber');
    this.send({ type: 'join', id, token: this.opts.token, protocolVersion: PROTOCOL_VERSION });
    let joined: JoinedMessage;
    try {
      joined = (await reply) as JoinedMessage;
    } catch (e) {
      this.shutdown(null);
      throw e;
    }
    return joined;
  }

  /** Opens a WebSocket and makes it the current one; rejects with a SignalingError. */
  private async openSocket(): Promise<void> {
    const WS = this.opts.WebSocketImpl ?? WebSocket;
    const ws = new WS(this.opts.url);
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.onopen = null;
        ws.onclose = null;
        ws.close(STATUS_NORMAL);
        reject(new SignalingError('timeout', 'signaling server did not answer'));
      }, this.opts.timeoutMs);
      ws.onopen = () => {
        clearTimeout(timer);
        resolve();
      };
      ws.onclose = (ev) => {
        clearTimeout(timer);
        reject(new SignalingError('closed', `signaling connection closed (${ev.code})`));
      };
    });
    ws.onmessage = (ev) => {
      if (this.ws === ws) this.onMessage(typeof ev.data === 'string' ? ev.data : '');
    };
    ws.onclose = (ev) => {
      if (this.ws === ws) this.onSocketClosed(ev.code);
    };
    ws.onerror = () => this.log('signaling socket error');
  }

  private newPeerConnection(target: Target): RTCPeerConnection {
    const PC = this.opts.PeerConnectionImpl ?? RTCPeerConnection;
    const pc = new PC({ iceServers: this.iceServers.map((s) => ({ ...s })) });
    pc.onicecandidate = (ev) => {
      // Only real candidates: the server ignores the empty end-of-candidates marker anyway.
      if (ev.candidate && ev.candidate.candidate) this.send(candidateMessage(ev.candidate.toJSON(), target));
    };
    pc.onconnectionstatechange = () => {
      this.log(`${target} connection ${pc.connectionState}`);
      if (pc.connectionState !== 'failed') return;
      // We offer on the publisher PC, so restarting its ICE is ours to do; the server restarts the
      // subscriber PC. While reconnecting, the resume restarts it anyway.
      if (target === 'publisher' && this.snap.status === 'joined') void this.negotiatePublisher(true).catch(() => undefined);
      else this.setError('media', `${target} media connection failed`);
    };
    return pc;
  }

  private send(msg: ClientMessage) {
    const ws = this.ws;
    if (!ws || ws.readyState !== 1 /* OPEN */) return;
    ws.send(encodeMessage(msg));
  }

  private setError(code: string, message: string) {
    this.update({ lastError: { code, message } });
  }

  private onMessage(data: string) {
    const msg = decodeServerMessage(data);
    if (!msg) {
      this.log('ignored unknown signaling message', data.slice(0, 200));
      return;
    }
    if (msg.type === 'joined') {
      if (msg.iceServers?.length) this.iceServers = msg.iceServers;
      const room = msg.resumed ? resumedRoom(this.snap.room, msg) : reduceRoom(this.snap.room, msg);
      this.update({ status: 'joined', room });
      this.pending.settle(msg);
      return;
    }
    if (msg.type === 'active_speaker') this.serverSpeaker = true;
    switch (msg.type) {
      case 'offer':
        this.subChain = this.subChain.then(() => this.onServerOffer(msg.sdp, msg.tracks ?? {})).catch((e) => this.mediaFailure(e));
        return;
      case 'answer':
        this.pending.settle(msg);
        return;
      case 'candidate':
        this.onRemoteCandidate(msg);
        return;
      case 'error':
        if (!this.pending.settle(msg)) this.setError(msg.code, msg.message);
        return;
      default:
        this.update({ room: reduceRoom(this.snap.room, msg) });
    }
  }

  private onRemoteCandidate(msg: CandidateMessage) {
    if (!msg.candidate) return;
    const init = candidateInit(msg);
    const add = (pc: RTCPeerConnection | null) => async () => {
      if (!pc || !pc.remoteDescription) return; // the chains apply candidates only after descriptions
      try {
        await pc.addIceCandidate(init);
      } catch (e) {
        this.log('remote candidate rejected', e);
      }
    };
    // The chains run descriptions first, so a candidate is added after the description it belongs to.
    if (msg.target === 'subscriber') this.subChain = this.subChain.then(add(this.sub));
    else this.pubChain = this.pubChain.then(() => add(this.pub)());
  }

  private async onServerOffer(sdp: string, tracks: Record<string, string>) {
    const sub = this.sub;
    if (!sub || this.snap.status === 'closed') return;
    this.midTracks = tracks;
    await sub.setRemoteDescription({ type: 'offer', sdp });
    const answer = await sub.createAnswer();
    await sub.setLocalDescription(answer);
    this.send({ type: 'answer', sdp: answer.sdp ?? sub.localDescription?.sdp ?? '' });
    this.update({ remote: mapReceivedTracks(sub.getTransceivers(), tracks) });
  }

  private mediaFailure(e: unknown) {
    this.log('negotiation failed', e);
    this.setError('media', e instanceof Error ? e.message : String(e));
  }

  private onSocketClosed(code: number) {
    this.log(`signaling closed ${code}`);
    if (this.snap.status === 'reconnecting') {
      // An attempt's socket died: fail its request; the resume loop tries again.
      this.ws = null;
      this.pending.failAll(new SignalingError('closed', 'signaling connection closed'));
      return;
    }
    if (this.snap.status === 'joined' && isDrop(code)) {
      void this.resume();
      return;
    }
    this.shutdown(code);
  }

  /**
   * Resumes the session after a dropped socket: new socket, fresh token, `reconnect`, with backoff,
   * within the server's grace period. The PCs stay; once resumed, the server restarts ICE on the
   * subscriber PC and we restart it on the publisher PC. When the server no longer has the session,
   * or time runs out, the client closes with `rejoin` set so its owner joins afresh.
   */
  private async resume(): Promise<void> {
    const policy = this.opts.reconnectPolicy ?? defaultReconnectPolicy;
    const sessionId = this.snap.room.sessionId;
    const started = Date.now();
    this.ws = null;
    this.pending.failAll(new SignalingError('closed', 'signaling connection lost'));
    this.update({ status: 'reconnecting' });
    for (let attempt = 0; ; attempt++) {
      const delay = nextDelay(attempt, Date.now() - started, policy);
      if (delay === null) break;
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      if (this.snap.status !== 'reconnecting') return; // left meanwhile
      try {
        const token = this.opts.fetchToken ? await this.opts.fetchToken() : this.opts.token;
        if (this.snap.status !== 'reconnecting') return;
        await this.openSocket();
        const id = this.pending.next();
        const reply = this.pending.wait(id, this.opts.timeoutMs);
        this.send({ type: 'reconnect', id, token, sessionId });
        await reply; // onMessage has applied the resumed `joined`
        this.log('signaling resumed', { attempt });
        if (this.pub && !isClosed(this.pub)) void this.negotiatePublisher(true).catch(() => undefined);
        return;
      } catch (e) {
        const code = e instanceof SignalingError ? e.code : 'closed';
        this.log('reconnect attempt failed', e);
        const ws = this.ws as WebSocket | null; // set by openSocket across the await
        this.ws = null;
        if (ws) {
          ws.onclose = null;
          ws.onmessage = null;
          if (ws.readyState === 0 || ws.readyState === 1) ws.close(STATUS_NORMAL);
        }
        if (this.snap.status !== 'reconnecting') return;
        if (afterRefusal(code) === 'join') break;
      }
    }
    if (this.snap.status !== 'reconnecting') return;
    this.update({ rejoin: true });
    this.shutdown(1006);
  }

  /** Closes everything once; local MediaStreamTracks belong to the caller and are not stopped. */
  private shutdown(code: number | null) {
    if (this.snap.status === 'closed') return;
    this.pending.failAll(new SignalingError('closed', 'signaling connection closed'));
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      ws.onmessage = null;
      if (ws.readyState === 0 || ws.readyState === 1) ws.close(STATUS_NORMAL);
    }
    this.pub?.close();
    this.sub?.close();
    this.update({ status: 'closed', closeCode: code, remote: {} });
  }

  /** Sends `leave` and closes everything. */
  leave(): void {
    if (this.snap.status === 'closed') return;
    this.send({ type: 'leave' });
    this.shutdown(STATUS_NORMAL);
  }

  // -- publishing --

  /**
   * Publishes tracks: one `publish` each (trackId = MediaStreamTrack.id, the msid in the offer), then
   * one offer for all of them. Resolves once the server's answer is applied. One track per source:
   * the microphone, the camera and the screen's video (screen audio is not published by this client).
   */
  publish(items: { track: MediaStreamTrack; source: TrackSource; stream?: MediaStream }[]): Promise<void> {
    if (!this.canPublish) return Promise.reject(new SignalingError('forbidden', 'viewers do not publish'));
    if (this.snap.status !== 'joined') return Promise.reject(new SignalingError('closed', 'not in the room'));
    if (!this.pub) this.pub = this.newPeerConnection('publisher');
    const pub = this.pub;
    const local = { ...this.snap.local };
    const taken = items.find((i) => local[i.source]);
    if (taken) return Promise.reject(new Error(`publish: ${taken.source} is already published`));
    for (const { track, source, stream } of items) {
      const kind = publishKind(track);
      this.send({ type: 'publish', id: this.pending.next(), trackId: track.id, kind, source });
      const init: RTCRtpTransceiverInit = { direction: 'sendonly', streams: stream ? [stream] : [] };
      if (source === 'camera' && kind === 'video') init.sendEncodings = CAMERA_SIMULCAST.map((e) => ({ ...e }));
      const tr = pub.addTransceiver(track, init);
      local[source] = { trackId: track.id, source, kind, sender: tr.sender, muted: !track.enabled };
    }
    this.update({ local });
    return this.negotiatePublisher();
  }

  /** Stops forwarding one of our tracks: `unpublish`, remove the sender, renegotiate. */
  unpublish(source: TrackSource): Promise<void> {
    const p = this.snap.local[source];
    if (!p) return Promise.resolve();
    this.send({ type: 'unpublish', trackId: p.trackId });
    const local = { ...this.snap.local };
    delete local[source];
    this.update({ local });
    const pub = this.pub;
    if (pub && pub.signalingState !== 'closed') {
      try {
        pub.removeTrack(p.sender);
      } catch (e) {
        this.log('removeTrack', e);
      }
      return this.negotiatePublisher();
    }
    return Promise.resolve();
  }

  /**
   * Sends a different device's track (or nothing, with null) for a published source without
   * renegotiating; the server keeps the trackId it was published with.
   */
  async replaceTrack(source: TrackSource, track: MediaStreamTrack | null): Promise<void> {
    const p = this.snap.local[source];
    if (!p) throw new Error(`replaceTrack: ${source} is not published`);
    await p.sender.replaceTrack(track);
  }

  /** Announces our own track's mute state (muting the media itself is the caller's job). */
  setMuted(source: TrackSource, muted: boolean): void {
    const p = this.snap.local[source];
    if (!p) return;
    this.send({ type: 'mute', trackId: p.trackId, muted });
    this.update({ local: { ...this.snap.local, [source]: { ...p, muted } } });
  }

  /**
   * Queues a publisher offer; offers made while one is outstanding fold into the next. With
   * `iceRestart` the offer carries new ICE credentials (after a failure or a resumed session).
   */
  private negotiatePublisher(iceRestart = false): Promise<void> {
    this.pubNeedsOffer = true;
    this.pubNeedsRestart ||= iceRestart;
    const run = this.pubChain.then(async () => {
      if (!this.pubNeedsOffer) return;
      this.pubNeedsOffer = false;
      const restart = this.pubNeedsRestart;
      this.pubNeedsRestart = false;
      const pub = this.pub;
      if (!pub || pub.signalingState === 'closed') return;
      const offer = await pub.createOffer(restart ? { iceRestart: true } : undefined);
      await pub.setLocalDescription(offer);
      const id = this.pending.next();
      const reply = this.pending.wait(id, this.opts.timeoutMs);
      this.send({ type: 'offer', id, sdp: offer.sdp ?? pub.localDescription?.sdp ?? '' });
      const answer = await reply;
      if (answer.type !== 'answer') throw new SignalingError('invalid', `expected an answer, got ${answer.type}`);
      if (isClosed(pub)) return;
      await pub.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    });
    this.pubChain = run.catch((e) => this.mediaFailure(e));
    return run;
  }

  // -- room actions --

  /**
   * Sets the quality wanted for a received track (`audio_only` drops a video track), optionally with
   * the size it is rendered at in device pixels, so the SFU sends no larger simulcast layer.
   */
  subscribeQuality(trackId: string, quality: Quality, size?: { width: number; height: number }): void {
    this.send({ type: 'subscribe', trackId, quality, ...(size ? { width: Math.round(size.width), height: Math.round(size.height) } : {}) });
  }

  raiseHand(raised: boolean): void {
    this.send({ type: 'raise_hand', raised });
  }

  chat(text: string): void {
    const t = text.trim();
    if (t) this.send({ type: 'chat', text: t });
  }

  /** Sets the active speaker from a local measurement, unless the server has started sending its own. */
  setActiveSpeaker(sessionId: string | null): void {
    if (this.serverSpeaker) return;
    const room = withSpeaker(this.snap.room, sessionId);
    if (room !== this.snap.room) this.update({ room });
  }

  // -- statistics --

  async stats(): Promise<{ publisher: StatLike[]; subscriber: StatLike[] }> {
    const get = async (pc: RTCPeerConnection | null) => {
      if (!pc || pc.signalingState === 'closed') return [];
      try {
        return statsList(await pc.getStats());
      } catch {
        return [];
      }
    };
    const [publisher, subscriber] = await Promise.all([get(this.pub), get(this.sub)]);
    return { publisher, subscriber };
  }

  /** Connection states of both PCs, for diagnostics. */
  connectionStates(): { publisher: string | null; subscriber: string | null } {
    return { publisher: this.pub?.connectionState ?? null, subscriber: this.sub?.connectionState ?? null };
  }
}
