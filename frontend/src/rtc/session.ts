// One visit to a room, from the Join button to leaving: asks the hub for a token, connects the
// signaling client, opens and publishes the microphone and camera (unless a viewer), switches
// devices, shares the screen, and measures the network and the active speaker every few seconds.
// React reads it through subscribe/getSnapshot (useSyncExternalStore); nothing here renders.
import { RoomClient, signalingWsUrl, type ClientSnapshot } from './client';
import type { RoomJoin } from './api';
import {
  deviceLists,
  enumerate,
  mediaProblem,
  openMedia,
  openScreen,
  stopTrack,
  type DeviceLists,
  type MediaProblem,
} from './media';
import {
  audioLevels,
  inboundVideo,
  netQuality,
  netSample,
  outbound,
  pickSpeaker,
  type InboundVideo,
  type NetQuality,
  type NetSample,
  type OutboundRtp,
} from './stats';
import type { Role, TrackSource } from './protocol';

export type Phase =
  /** before the Join button */
  | 'idle'
  /** asking the hub, connecting, joining */
  | 'joining'
  | 'live'
  /** left on purpose */
  | 'left'
  /** the connection dropped or the server closed it */
  | 'dropped'
  /** could not join */
  | 'failed';

export interface LocalMedia {
  mic: MediaStreamTrack | null;
  micOn: boolean;
  /** the camera track while the camera is on; null when off */
  camera: MediaStreamTrack | null;
  screen: MediaStreamTrack | null;
  micProblem: MediaProblem | null;
  cameraProblem: MediaProblem | null;
  screenProblem: MediaProblem | null;
  /** a device is being opened or switched */
  busy: boolean;
}

export interface SessionSnapshot {
  phase: Phase;
  info: RoomJoin | null;
  /** why joining failed */
  failure: unknown;
  client: ClientSnapshot | null;
  media: LocalMedia;
  devices: DeviceLists;
  deviceIds: { audioinput: string | null; videoinput: string | null };
  net: NetQuality;
}

export interface SessionDeps {
  join: (roomId: string) => Promise<RoomJoin>;
  /** the page's URL, to resolve the signaling URL against */
  pageUrl: string;
  unnamedDevice: (kind: 'audioinput' | 'videoinput', n: number) => string;
  statsEveryMs?: number;
  log?: (msg: string, detail?: unknown) => void;
}

/** What `window.__lianxinRtcStats()` resolves to: enough for a test to see media flowing. */
export interface DebugStats {
  roomId: string;
  sessionId: string;
  role: Role | null;
  connection: { publisher: string | null; subscriber: string | null };
  inboundVideo: InboundVideo[];
  outbound: OutboundRtp[];
  net: NetQuality;
}

interface DebugWindow {
  __lianxinRtcStats?: () => Promise<DebugStats>;
}

const noMedia: LocalMedia = {
  mic: null,
  micOn: false,
  camera: null,
  screen: null,
  micProblem: null,
  cameraProblem: null,
  screenProblem: null,
  busy: false,
};

export class RoomSession {
  private snap: SessionSnapshot = {
    phase: 'idle',
    info: null,
    failure: null,
    client: null,
    media: noMedia,
    devices: { audioinput: [], videoinput: [] },
    deviceIds: { audioinput: null, videoinput: null },
    net: { quality: 'unknown', rttMs: null, loss: null },
  };
  private listeners = new Set<() => void>();
  private client: RoomClient | null = null;
  private unsubscribeClient: (() => void) | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private prevSample: NetSample | null = null;
  private ended = false;
  private readonly deps: SessionDeps;
  readonly roomId: string;

  constructor(roomId: string, deps: SessionDeps) {
    this.roomId = roomId;
    this.deps = deps;
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getSnapshot = (): SessionSnapshot => this.snap;

  private set(patch: Partial<SessionSnapshot>) {
    this.snap = { ...this.snap, ...patch };
    for (const fn of this.listeners) fn();
  }

  private setMedia(patch: Partial<LocalMedia>) {
    this.set({ media: { ...this.snap.media, ...patch } });
  }

  private log(msg: string, detail?: unknown) {
    this.deps.log?.(msg, detail);
  }

  /** Joins the room; failures end in phase 'failed' with `failure` set. */
  async start(): Promise<void> {
    if (this.snap.phase !== 'idle') return;
    this.set({ phase: 'joining' });
    let info: RoomJoin;
    try {
      info = await this.deps.join(this.roomId);
    } catch (e) {
      if (!this.ended) this.set({ phase: 'failed', failure: e });
      return;
    }
    if (this.ended) return;
    const client = new RoomClient({
      url: signalingWsUrl(info.signalingUrl, this.deps.pageUrl),
      token: info.token,
      role: info.role,
      iceServers: info.iceServers,
      // A resumed session needs a token that is valid now; the join token lives 2 minutes.
      fetchToken: async () => (await this.deps.join(this.roomId)).token,
      log: this.deps.log,
    });
    this.client = client;
    this.unsubscribeClient = client.subscribe(() => this.onClient());
    this.set({ info, client: client.getSnapshot() });
    try {
      await client.join();
    } catch (e) {
      this.cleanup();
      if (!this.ended) this.set({ phase: 'failed', failure: e });
      return;
    }
    if (this.ended) {
      client.leave();
      return;
    }
    this.set({ phase: 'live' });
    this.installDebugHook();
    this.scheduleStats();
    if (navigator.mediaDevices) navigator.mediaDevices.ondevicechange = () => void this.refreshDevices();
    if (client.canPublish) await this.openAndPublish({ audio: true, video: true });
    await this.refreshDevices();
  }

  private onClient() {
    const client = this.client;
    if (!client) return;
    const cs = client.getSnapshot();
    this.set({ client: cs });
    if (cs.status === 'closed' && this.snap.phase === 'live') {
      this.cleanup();
      if (cs.rejoin && !this.ended) {
        // The server no longer has our session (its grace period ran out): join afresh.
        this.log('session could not be resumed; joining again');
        this.snap = { ...this.snap, phase: 'idle' };
        void this.start();
        return;
      }
      this.set({ phase: 'dropped' });
    }
  }

  private get live(): boolean {
    return this.snap.phase === 'live' && !this.ended && this.client !== null;
  }

  private published(source: TrackSource): boolean {
    return Boolean(this.client?.getSnapshot().local[source]);
  }

  /** Opens what is asked for and not yet published, and publishes it in one offer. */
  private async openAndPublish(want: { audio: boolean; video: boolean }) {
    const client = this.client;
    if (!client || !client.canPublish) return;
    const audio = want.audio && !this.published('mic');
    const video = want.video && !this.published('camera');
    if (!audio && !video) return;
    this.setMedia({ busy: true });
    const opened = await openMedia({
      audio,
      video,
      audioDeviceId: this.snap.deviceIds.audioinput ?? undefined,
      videoDeviceId: this.snap.deviceIds.videoinput ?? undefined,
    });
    if (!this.live) {
      stopTrack(opened.audio);
      stopTrack(opened.video);
      return;
    }
    const patch: Partial<LocalMedia> = { busy: false };
    if (audio) patch.micProblem = opened.audioProblem;
    if (video) patch.cameraProblem = opened.videoProblem;
    const items: { track: MediaStreamTrack; source: TrackSource; stream: MediaStream }[] = [];
    if (opened.audio) {
      items.push({ track: opened.audio, source: 'mic', stream: new MediaStream([opened.audio]) });
      patch.mic = opened.audio;
      patch.micOn = true;
    }
    if (opened.video) {
      items.push({ track: opened.video, source: 'camera', stream: new MediaStream([opened.video]) });
      patch.camera = opened.video;
    }
    this.setMedia(patch);
    if (items.length) {
      try {
        await client.publish(items);
      } catch (e) {
        this.log('publish failed', e);
      }
    }
  }

  /** Mutes or unmutes the microphone; opens it first when it was never published (e.g. after a refusal). */
  async toggleMic(): Promise<void> {
    const client = this.client;
    if (!this.live || !client) return;
    const { mic, micOn } = this.snap.media;
    if (!this.published('mic') || !mic) return this.openAndPublish({ audio: true, video: false });
    const on = !micOn;
    mic.enabled = on;
    client.setMuted('mic', !on);
    this.setMedia({ micOn: on });
  }

  /** Turns the camera off (the device is released, the track stays published as muted) or on again. */
  async toggleCamera(): Promise<void> {
    const client = this.client;
    if (!this.live || !client) return;
    if (!this.published('camera')) return this.openAndPublish({ audio: false, video: true });
    const current = this.snap.media.camera;
    if (current) {
      await client.replaceTrack('camera', null);
      stopTrack(current);
      client.setMuted('camera', true);
      this.setMedia({ camera: null });
      return;
    }
    this.setMedia({ busy: true });
    const opened = await openMedia({ audio: false, video: true, videoDeviceId: this.snap.deviceIds.videoinput ?? undefined });
    if (!this.live || !opened.video) {
      stopTrack(opened.video);
      this.setMedia({ busy: false, cameraProblem: opened.videoProblem });
      return;
    }
    await client.replaceTrack('camera', opened.video);
    client.setMuted('camera', false);
    this.setMedia({ busy: false, camera: opened.video, cameraProblem: null });
  }

  /** Starts or stops sharing a screen, window or tab. */
  async toggleScreen(): Promise<void> {
    const client = this.client;
    if (!this.live || !client || !client.canPublish) return;
    if (this.snap.media.screen) return this.stopScreen();
    let track: MediaStreamTrack;
    try {
      track = await openScreen();
    } catch (e) {
      const p = mediaProblem(e);
      // Closing the browser's picker is a refusal too, and needs no message.
      this.setMedia({ screenProblem: p === 'denied' ? null : p });
      return;
    }
    if (!this.live) {
      stopTrack(track);
      return;
    }
    track.addEventListener('ended', () => void this.stopScreen());
    this.setMedia({ screen: track, screenProblem: null });
    try {
      await client.publish([{ track, source: 'screen', stream: new MediaStream([track]) }]);
    } catch (e) {
      this.log('screen publish failed', e);
      await this.stopScreen();
    }
  }

  private async stopScreen() {
    const track = this.snap.media.screen;
    if (!track) return;
    this.setMedia({ screen: null });
    stopTrack(track);
    try {
      await this.client?.unpublish('screen');
    } catch (e) {
      this.log('screen unpublish failed', e);
    }
  }

  /** Switches the microphone or camera to another device without renegotiating. */
  async chooseDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void> {
    this.set({ deviceIds: { ...this.snap.deviceIds, [kind]: deviceId } });
    const client = this.client;
    if (!this.live || !client) return;
    const audio = kind === 'audioinput';
    const old = audio ? this.snap.media.mic : this.snap.media.camera;
    if (!old || !this.published(audio ? 'mic' : 'camera')) return;
    this.setMedia({ busy: true });
    const opened = await openMedia({ audio, video: !audio, audioDeviceId: deviceId, videoDeviceId: deviceId });
    const track = audio ? opened.audio : opened.video;
    if (!this.live || !track) {
      stopTrack(track);
      this.setMedia(audio ? { busy: false, micProblem: opened.audioProblem } : { busy: false, cameraProblem: opened.videoProblem });
      return;
    }
    if (audio) track.enabled = this.snap.media.micOn;
    await client.replaceTrack(audio ? 'mic' : 'camera', track);
    stopTrack(old);
    this.setMedia(audio ? { busy: false, mic: track, micProblem: null } : { busy: false, camera: track, cameraProblem: null });
  }

  /** Tries the microphone and camera again after a refusal or a missing device. */
  async retryMedia(): Promise<void> {
    await this.openAndPublish({ audio: !this.published('mic'), video: !this.published('camera') });
    await this.refreshDevices();
  }

  async refreshDevices(): Promise<void> {
    const devices = deviceLists(await enumerate(), this.deps.unnamedDevice);
    const ids = { ...this.snap.deviceIds };
    // Show the device in use as selected.
    const inUse = (t: MediaStreamTrack | null) => t?.getSettings?.().deviceId ?? null;
    ids.audioinput ??= inUse(this.snap.media.mic);
    ids.videoinput ??= inUse(this.snap.media.camera);
    this.set({ devices, deviceIds: ids });
  }

  raiseHand(raised: boolean): void {
    this.client?.raiseHand(raised);
  }

  chat(text: string): void {
    this.client?.chat(text);
  }

  /** Leaves on purpose. */
  leave(): void {
    if (this.snap.phase === 'left') return;
    this.ended = true; // a join still in flight stops where it is
    this.cleanup();
    this.set({ phase: 'left' });
  }

  /** Leaves without updating the view (the page is going away). */
  dispose(): void {
    this.ended = true;
    this.cleanup();
  }

  private cleanup() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.unsubscribeClient?.();
    this.unsubscribeClient = null;
    const client = this.client;
    if (client) {
      client.leave();
      this.snap = { ...this.snap, client: client.getSnapshot() };
    }
    const { mic, camera, screen } = this.snap.media;
    stopTrack(mic);
    stopTrack(camera);
    stopTrack(screen);
    this.snap = { ...this.snap, media: { ...noMedia, micProblem: this.snap.media.micProblem, cameraProblem: this.snap.media.cameraProblem } };
    if (typeof navigator !== 'undefined' && navigator.mediaDevices) navigator.mediaDevices.ondevicechange = null;
    const w = window as unknown as DebugWindow;
    if (w.__lianxinRtcStats === this.debugStats) delete w.__lianxinRtcStats;
  }

  // -- measurements --

  private scheduleStats() {
    this.timer = setTimeout(() => void this.measure(), this.deps.statsEveryMs ?? 2000);
  }

  private async measure() {
    const client = this.client;
    if (!this.live || !client) return;
    try {
      const { publisher, subscriber } = await client.stats();
      const sample = netSample(publisher, subscriber);
      const net = netQuality(this.prevSample, sample);
      this.prevSample = sample;
      const room = client.getSnapshot().room;
      const levels = audioLevels(publisher, subscriber, client.midTrackMap, (id) => room.tracks[id]?.sessionId, room.sessionId);
      if (!this.snap.media.micOn) delete levels[room.sessionId];
      // A fallback for servers that send no active_speaker; the client ignores it once they do.
      client.setActiveSpeaker(pickSpeaker(levels, room.activeSpeaker));
      if (this.live) this.set({ net });
    } catch (e) {
      this.log('stats failed', e);
    }
    if (this.live) this.scheduleStats();
  }

  /** The debug hook the end-to-end test polls (see DebugStats). */
  private debugStats = async (): Promise<DebugStats> => {
    const client = this.client;
    const cs = client?.getSnapshot();
    const { publisher, subscriber } = client ? await client.stats() : { publisher: [], subscriber: [] };
    const receiverIds: Record<string, string> = {};
    for (const [trackId, t] of Object.entries(cs?.remote ?? {})) receiverIds[t.id] = trackId;
    return {
      roomId: this.roomId,
      sessionId: cs?.room.sessionId ?? '',
      role: this.snap.info?.role ?? null,
      connection: client?.connectionStates() ?? { publisher: null, subscriber: null },
      inboundVideo: inboundVideo(subscriber, client?.midTrackMap ?? {}, receiverIds),
      outbound: outbound(publisher),
      net: this.snap.net,
    };
  };

  private installDebugHook() {
    (window as unknown as DebugWindow).__lianxinRtcStats = this.debugStats;
  }
}
