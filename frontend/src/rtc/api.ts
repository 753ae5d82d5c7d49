// The hub's room endpoints: joining a room (a short-lived token for the signaling server) and
// opening an ad hoc call. Rooms of video consultations, ward rounds and lectures are opened by
// those records; their pages link to /rooms/:roomId.
import { request } from '../api/client';
import type { Items } from '../api/types';
import type { IceServer, Role } from './protocol';

const enc = encodeURIComponent;

/** POST /rooms/{id}/join: who the caller is in the room, and the token to present to /rtc/ws. */
export interface RoomJoin {
  roomId: string;
  role: Role;
  title: string;
  /** opaque, good for joining for 2 minutes */
  token: string;
  expiresAt: string;
  /** "/rtc/ws" on this origin, or an absolute URL */
  signalingUrl: string;
  iceServers: IceServer[];
}

export const joinRoom = (roomId: string) => request<RoomJoin>(`/rooms/${enc(roomId)}/join`, { method: 'POST' });

/** An ad hoc call: the caller hosts, the invitees take part; it can be joined for 12 hours. */
export interface AdHocRoom {
  id: string;
  title: string;
  hostUserId: string;
  invitees: string[];
  createdAt: string;
}

export const openRoom = (title: string, invitees: string[]) =>
  request<AdHocRoom>('/rooms', { method: 'POST', json: { title, invitees } });

/** A clinician the caller may call: of the caller's institution or of an institution of the caller's alliances. */
export interface Colleague {
  id: string;
  displayName: string;
  title: string;
  institutionId: string;
  institutionName: string;
}

/** GET /colleagues?q=: clinicians the caller may invite to a call. */
export const listColleagues = (q?: string) => request<Items<Colleague>>('/colleagues', { query: { q } });
