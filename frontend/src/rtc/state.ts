// The room as one client sees it, rebuilt from signaling events by a pure
// reducer: who is in the room (with roles and raised hands), which tracks are
// published (with mute state), the chat and the active speaker. Media objects
// (MediaStreamTracks) are not part of this state; the client keeps them apart.
import type { ParticipantInfo, Quality, QualityReason, ServerMessage, TrackInfo } from './protocol';

export interface ChatLine {
  /** stable React key: sender session, server time and the line's sequence number */
  key: string;
  /** 1, 2, 3… in order of arrival in this visit */
  seq: number;
  text: string;
  userId: string;
  sessionId: string;
  name: string;
  sentAt: number;
}

export interface RoomState {
  roomId: string;
  /** this connection's session */
  sessionId: string;
  /** everyone in the room, this connection first, then in order of joining */
  participants: ParticipantInfo[];
  /** published tracks by trackId */
  tracks: Record<string, TrackInfo>;
  chat: ChatLine[];
  /** sessionId of the active speaker, when known */
  activeSpeaker: string | null;
  /**
   * What the SFU sends us of each received video track, by trackId, from its `quality` events;
   * absent means what we asked for. `audio_only` with reason `bandwidth` is a paused video on a weak link.
   */
  received: Record<string, { quality: Quality; reason: QualityReason }>;
}

/** The chat keeps this many lines; older ones drop off. */
export const CHAT_LIMIT = 500;

export const emptyRoom: RoomState = {
  roomId: '',
  sessionId: '',
  participants: [],
  tracks: {},
  chat: [],
  activeSpeaker: null,
  received: {},
};

const withoutKeys = <T>(rec: Record<string, T>, drop: (v: T) => boolean): Record<string, T> => {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(rec)) if (!drop(v)) out[k] = v;
  return out;
};

/** Applies one server message to the room. Messages that do not change the room return it unchanged. */
export function reduceRoom(state: RoomState, msg: ServerMessage): RoomState {
  switch (msg.type) {
    case 'joined': {
      const tracks: Record<string, TrackInfo> = {};
      for (const t of msg.tracks ?? []) tracks[t.trackId] = t;
      const others = (msg.participants ?? []).filter((p) => p.sessionId !== msg.sessionId);
      return {
        roomId: msg.roomId,
        sessionId: msg.sessionId,
        participants: [msg.self, ...others],
        tracks,
        chat: [],
        activeSpeaker: null,
        received: {},
      };
    }
    case 'participant_joined': {
      const p = msg.participant;
      const i = state.participants.findIndex((x) => x.sessionId === p.sessionId);
      const participants = i < 0 ? [...state.participants, p] : state.participants.map((x, j) => (j === i ? p : x));
      return { ...state, participants };
    }
    case 'participant_left': {
      const tracks = withoutKeys(state.tracks, (t) => t.sessionId === msg.sessionId);
      return {
        ...state,
        participants: state.participants.filter((p) => p.sessionId !== msg.sessionId),
        tracks,
        received: Object.fromEntries(Object.entries(state.received).filter(([id]) => id in tracks)),
        activeSpeaker: state.activeSpeaker === msg.sessionId ? null : state.activeSpeaker,
      };
    }
    case 'track_published':
      return { ...state, tracks: { ...state.tracks, [msg.track.trackId]: msg.track } };
    case 'track_unpublished': {
      if (!(msg.trackId in state.tracks)) return state;
      const { [msg.trackId]: _gone, ...received } = state.received;
      return { ...state, tracks: withoutKeys(state.tracks, (t) => t.trackId === msg.trackId), received };
    }
    case 'quality':
      return { ...state, received: { ...state.received, [msg.trackId]: { quality: msg.quality, reason: msg.reason } } };
    case 'mute': {
      const t = state.tracks[msg.trackId];
      if (!t || t.muted === msg.muted) return state;
      return { ...state, tracks: { ...state.tracks, [msg.trackId]: { ...t, muted: msg.muted } } };
    }
    case 'hand': {
      let changed = false;
      const participants = state.participants.map((p) => {
        if (p.sessionId !== msg.sessionId || p.handRaised === msg.raised) return p;
        changed = true;
        return { ...p, handRaised: msg.raised };
      });
      return changed ? { ...state, participants } : state;
    }
    case 'chat': {
      const seq = (state.chat.at(-1)?.seq ?? 0) + 1;
      const line: ChatLine = {
        key: `${msg.sessionId}:${msg.sentAt}:${seq}`,
        seq,
        text: msg.text,
        userId: msg.userId,
        sessionId: msg.sessionId,
        name: msg.name,
        sentAt: msg.sentAt,
      };
      const chat = [...state.chat, line];
      return { ...state, chat: chat.length > CHAT_LIMIT ? chat.slice(chat.length - CHAT_LIMIT) : chat };
    }
    case 'active_speaker': {
      const sessionId =
        msg.sessionId ?? state.participants.find((p) => p.userId === msg.userId)?.sessionId ?? null;
      return sessionId === state.activeSpeaker ? state : { ...state, activeSpeaker: sessionId };
    }
    default:
      return state; // offer, answer, candidate, error: not room state
  }
}

/** Sets the active speaker from a local measurement (audio levels), until the server sends its own. */
export function withSpeaker(state: RoomState, sessionId: string | null): RoomState {
  return state.activeSpeaker === sessionId ? state : { ...state, activeSpeaker: sessionId };
}

/** One participant's published tracks, by what they carry. */
export interface ParticipantTracks {
  mic?: TrackInfo;
  camera?: TrackInfo;
  screen?: TrackInfo;
  screenAudio?: TrackInfo;
}

export function tracksOf(state: RoomState, sessionId: string): ParticipantTracks {
  const out: ParticipantTracks = {};
  for (const t of Object.values(state.tracks)) {
    if (t.sessionId !== sessionId) continue;
    if (t.kind === 'audio') {
      if (t.source === 'mic') out.mic = t;
      else out.screenAudio = t;
    } else if (t.source === 'camera') out.camera = t;
    else out.screen = t;
  }
  return out;
}

/** Mute state as the participant list shows it. */
export type MediaState = 'on' | 'muted' | 'off';

/** 'off' when nothing of that source is published, 'muted' when it is published but muted. */
export function mediaState(t: TrackInfo | undefined): MediaState {
  if (!t) return 'off';
  return t.muted ? 'muted' : 'on';
}

/** The session whose video the speaker view shows: a screen share first, then the pinned or active speaker. */
export function featuredSession(state: RoomState, pinned: string | null): string | null {
  const present = (id: string | null) => id !== null && state.participants.some((p) => p.sessionId === id);
  const share = Object.values(state.tracks).find((t) => t.kind === 'video' && t.source === 'screen');
  if (present(pinned)) return pinned;
  if (share) return share.sessionId;
  if (present(state.activeSpeaker) && state.activeSpeaker !== state.sessionId) return state.activeSpeaker;
  // Otherwise the first other participant with a camera, else the first other participant, else oneself.
  const others = state.participants.filter((p) => p.sessionId !== state.sessionId);
  const withVideo = others.find((p) => tracksOf(state, p.sessionId).camera);
  return withVideo?.sessionId ?? others[0]?.sessionId ?? state.participants[0]?.sessionId ?? null;
}


/** One video tile: a participant's camera (shown even without video, as a name card) or screen share. */
export interface Tile<T> {
  key: string;
  participant: ParticipantInfo;
  source: 'camera' | 'screen';
  self: boolean;
  /** the video to show, or null for the name card */
  video: T | null;
}

/**
 * The tiles of the grid, in participant order: each participant's camera tile, followed by their
 * screen-share tile while they share. Viewers never publish and get no tile (a lecture may have
 * hundreds); they are in the participant list. `videoOf` supplies the media (local or received).
 */
export function videoTiles<T>(
  state: RoomState,
  videoOf: (participant: ParticipantInfo, source: 'camera' | 'screen', self: boolean) => T | null,
): Tile<T>[] {
  const out: Tile<T>[] = [];
  for (const p of state.participants) {
    if (p.role === 'viewer') continue;
    const self = p.sessionId === state.sessionId;
    const tr = tracksOf(state, p.sessionId);
    // One's own tiles follow the local devices at once; others' follow what the room announced.
    const cam = self || (tr.camera && !tr.camera.muted) ? videoOf(p, 'camera', self) : null;
    out.push({ key: `${p.sessionId}:camera`, participant: p, source: 'camera', self, video: cam });
    const screen = self || tr.screen ? videoOf(p, 'screen', self) : null;
    if (screen !== null || (!self && tr.screen)) {
      out.push({ key: `${p.sessionId}:screen`, participant: p, source: 'screen', self, video: screen });
    }
  }
  return out;
}

/**
 * Whether the SFU has paused a participant's camera or screen video for us because our downlink
 * cannot carry it (a `quality` event: audio only, for bandwidth). It resumes by itself when the
 * link recovers; the tile says so meanwhile instead of showing a frozen picture without a word.
 */
export function videoPaused(state: RoomState, sessionId: string, source: 'camera' | 'screen'): boolean {
  const tr = tracksOf(state, sessionId)[source];
  const q = tr ? state.received[tr.trackId] : undefined;
  return q?.quality === 'audio_only' && q.reason === 'bandwidth';
}
