// Resuming a session after the signaling socket drops (signaling/PROTOCOL.md, "Leave, drop and
// reconnect"). The server keeps a dropped participant in the room for 30 s; within that time the
// client opens a new socket and sends `reconnect{token, sessionId}` with a fresh token. These are the
// pure decisions; RoomClient does the I/O.
import type { ErrorCode, JoinedMessage } from './protocol';
import type { RoomState } from './state';

export interface ReconnectPolicy {
  /** how long the server keeps a dropped session (its grace period), ms */
  graceMs: number;
  /** waits before each attempt, ms; the last one repeats */
  delaysMs: number[];
  /** stop starting attempts this long before the grace runs out, ms */
  marginMs: number;
}

export const defaultReconnectPolicy: ReconnectPolicy = {
  graceMs: 30_000,
  delaysMs: [0, 1000, 2000, 4000, 8000],
  marginMs: 2000,
};

/**
 * Whether a socket close is a drop worth resuming. Codes the server sends on purpose (1000 leave, 1001
 * shutting down, 1008 refused or taken over, 1009 too big, 1011 media failure) end the session; 1006
 * (no close frame: the network went) and anything else unexpected is a drop.
 */
export function isDrop(code: number): boolean {
  return ![1000, 1001, 1008, 1009, 1011].includes(code);
}

/**
 * The wait before attempt `attempt` (0-based), or null when no attempt can finish within the grace
 * period any more (`elapsedMs` since the drop).
 */
export function nextDelay(attempt: number, elapsedMs: number, policy: ReconnectPolicy = defaultReconnectPolicy): number | null {
  const d = policy.delaysMs[Math.min(attempt, policy.delaysMs.length - 1)] ?? 0;
  return elapsedMs + d < policy.graceMs - policy.marginMs ? d : null;
}

/** What to do after a failed attempt: try again (the network is still out) or join afresh. */
export function afterRefusal(code: ErrorCode | 'timeout' | 'closed'): 'retry' | 'join' {
  // not_found: the session expired or never existed; forbidden: not ours; unsupported: the server is
  // going away. A fresh join is the answer to all three. Timeouts and closed sockets are the network.
  return code === 'timeout' || code === 'closed' || code === 'unauthorized' ? 'retry' : 'join';
}

/**
 * The room after a resumed `joined`: the server's state, with our chat kept (chat is not part of the
 * state, and the lines missed while away follow as events) and the active speaker kept if still there.
 */
export function resumedRoom(prev: RoomState, msg: JoinedMessage): RoomState {
  const others = (msg.participants ?? []).filter((p) => p.sessionId !== msg.sessionId);
  const tracks: RoomState['tracks'] = {};
  for (const t of msg.tracks ?? []) tracks[t.trackId] = t;
  const participants = [msg.self, ...others];
  const speakerStays = participants.some((p) => p.sessionId === prev.activeSpeaker);
  return {
    roomId: msg.roomId,
    sessionId: msg.sessionId,
    participants,
    tracks,
    chat: prev.chat,
    activeSpeaker: speakerStays ? prev.activeSpeaker : null,
    // What we receive of each track still published stays as the SFU last told us.
    received: Object.fromEntries(Object.entries(prev.received).filter(([id]) => id in tracks)),
  };
}
