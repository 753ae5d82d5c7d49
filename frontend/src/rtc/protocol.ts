// The Lianxin signaling protocol, version 1, as the browser sees it.
//
// This file mirrors signaling/protocol.go; signaling/PROTOCOL.md explains the
// flows. The Go test TestProtocolMatchesTypeScript checks that both define the
// same message types in each direction, and `tsc` checks everything that uses
// these types. Change the two together, and bump PROTOCOL_VERSION when a
// change is not backward compatible (removing or retyping a field).
//
// Every message is one flat JSON object: { type, id?, ...fields }. A client
// may put a positive `id` on any request; the server echoes it on the direct
// reply (joined, answer or error).

export const PROTOCOL_VERSION = 1;

export type Role = "host" | "participant" | "viewer";
export type TrackKind = "audio" | "video";
export type TrackSource = "mic" | "camera" | "screen";
export type Quality = "high" | "medium" | "low" | "audio_only";
/** Why a subscriber receives the quality it does (see the quality event). */
export type QualityReason = "requested" | "bandwidth" | "size" | "publisher";
/** Which of the client's two RTCPeerConnections a candidate belongs to. */
export type Target = "publisher" | "subscriber";
export type ErrorCode =
  | "invalid"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "unsupported"
  | "internal"
  | "wrong_node";

/** Same shape as the browser's RTCIceServer, so it can be passed straight in. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface ParticipantInfo {
  sessionId: string;
  userId: string;
  name: string;
  role: Role;
  handRaised: boolean;
}

export interface TrackInfo {
  trackId: string;
  sessionId: string;
  userId: string;
  kind: TrackKind;
  source: TrackSource;
  muted: boolean;
}

interface Base {
  id?: number;
}

// ---- client → server ----

export interface JoinMessage extends Base {
  type: "join";
  token: string;
  protocolVersion: number;
}
/** An offer for the publisher connection. */
export interface ClientOfferMessage extends Base {
  type: "offer";
  sdp: string;
}
/** The answer to a server offer on the subscriber connection. */
export interface ClientAnswerMessage extends Base {
  type: "answer";
  sdp: string;
}
/** A trickled ICE candidate, in either direction. An empty candidate ends gathering. */
export interface CandidateMessage extends Base {
  type: "candidate";
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
  target: Target;
}
/** Sent before the offer that carries the track; trackId is MediaStreamTrack.id. */
export interface PublishMessage extends Base {
  type: "publish";
  trackId: string;
  kind: TrackKind;
  source: TrackSource;
}
export interface UnpublishMessage extends Base {
  type: "unpublish";
  trackId: string;
}
export interface SubscribeMessage extends Base {
  type: "subscribe";
  trackId: string;
  quality: Quality;
  /** Rendered size in device pixels (CSS size × devicePixelRatio), so the SFU sends no larger layer than needed. */
  width?: number;
  height?: number;
}
export interface MuteRequestMessage extends Base {
  type: "mute";
  trackId: string;
  muted: boolean;
}
export interface RaiseHandMessage extends Base {
  type: "raise_hand";
  raised: boolean;
}
export interface ChatRequestMessage extends Base {
  type: "chat";
  text: string;
}
export interface LeaveMessage extends Base {
  type: "leave";
}
export interface ReconnectMessage extends Base {
  type: "reconnect";
  token: string;
  sessionId: string;
}

export type ClientMessage =
  | JoinMessage
  | ClientOfferMessage
  | ClientAnswerMessage
  | CandidateMessage
  | PublishMessage
  | UnpublishMessage
  | SubscribeMessage
  | MuteRequestMessage
  | RaiseHandMessage
  | ChatRequestMessage
  | LeaveMessage
  | ReconnectMessage;

// ---- server → client ----

export interface JoinedMessage extends Base {
  type: "joined";
  sessionId: string;
  roomId: string;
  protocolVersion: number;
  self: ParticipantInfo;
  /** Everyone else already in the room. */
  participants: ParticipantInfo[];
  tracks: TrackInfo[];
  iceServers: IceServer[];
  /** set on the reply to `reconnect`: the same session, resumed; the events it missed follow */
  resumed?: boolean;
}
export interface ParticipantJoinedMessage extends Base {
  type: "participant_joined";
  participant: ParticipantInfo;
}
export interface ParticipantLeftMessage extends Base {
  type: "participant_left";
  sessionId: string;
  userId: string;
}
export interface TrackPublishedMessage extends Base {
  type: "track_published";
  track: TrackInfo;
}
export interface TrackUnpublishedMessage extends Base {
  type: "track_unpublished";
  trackId: string;
  sessionId: string;
  userId: string;
}
export interface MuteEventMessage extends Base {
  type: "mute";
  trackId: string;
  muted: boolean;
  userId: string;
}
export interface ActiveSpeakerMessage extends Base {
  type: "active_speaker";
  userId: string;
  sessionId?: string;
}
export interface HandMessage extends Base {
  type: "hand";
  userId: string;
  sessionId: string;
  raised: boolean;
}
export interface ChatEventMessage extends Base {
  type: "chat";
  text: string;
  userId: string;
  sessionId: string;
  name: string;
  /** Unix milliseconds, server clock. */
  sentAt: number;
}
/** An offer for the subscriber connection. */
export interface ServerOfferMessage extends Base {
  type: "offer";
  sdp: string;
  /** mid → trackId for each m-line carrying a track (remote track ids are not the sender's). */
  tracks?: Record<string, string>;
}
/** The answer to the client's publisher offer. */
export interface ServerAnswerMessage extends Base {
  type: "answer";
  sdp: string;
}
export interface ErrorMessage extends Base {
  type: "error";
  code: ErrorCode;
  message: string;
  /** With `wrong_node`: the owning node's WebSocket URL; join there with the same token. */
  signalingUrl?: string;
}
/**
 * Which quality of a video track this client now receives, and why:
 * `bandwidth` means its downlink cannot carry more (`audio_only`: the video
 * is paused, the audio continues); it climbs back by itself when the link
 * recovers.
 */
export interface QualityMessage extends Base {
  type: "quality";
  trackId: string;
  quality: Quality;
  reason: QualityReason;
}

export type ServerMessage =
  | JoinedMessage
  | ParticipantJoinedMessage
  | ParticipantLeftMessage
  | TrackPublishedMessage
  | TrackUnpublishedMessage
  | MuteEventMessage
  | ActiveSpeakerMessage
  | HandMessage
  | ChatEventMessage
  | ServerOfferMessage
  | ServerAnswerMessage
  | CandidateMessage
  | ErrorMessage
  | QualityMessage;

// A record keyed by every server type: adding a member to ServerMessage
// without listing it here is a compile error, and vice versa.
const serverTypes: Record<ServerMessage["type"], true> = {
  joined: true,
  participant_joined: true,
  participant_left: true,
  track_published: true,
  track_unpublished: true,
  mute: true,
  active_speaker: true,
  hand: true,
  chat: true,
  offer: true,
  answer: true,
  candidate: true,
  error: true,
  quality: true,
};

/** Serialises a client message for WebSocket.send. */
export function encodeMessage(msg: ClientMessage): string {
  return JSON.stringify(msg);
}

/**
 * Parses a server message. It checks only that `type` is one this client
 * knows; fields are trusted to match, since the server is ours. Returns null
 * for anything else, which a client should log and ignore.
 */
export function decodeServerMessage(data: string): ServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== "string" || !Object.hasOwn(serverTypes, type)) return null;
  return value as ServerMessage;
}
