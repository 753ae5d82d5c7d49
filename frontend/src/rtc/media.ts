// Local media: microphone, camera and screen, device lists, and what went wrong when the browser
// would not give us a device (the room page explains each case in plain words).

/** Why a device could not be opened. */
export type MediaProblem =
  /** the user or the browser's site settings refused (NotAllowedError) */
  | 'denied'
  /** no such device (NotFoundError, OverconstrainedError for a device that went away) */
  | 'notFound'
  /** the device exists but cannot be started, usually because another program holds it */
  | 'busy'
  /** no media API: the page is not on https or localhost, or the browser is too old */
  | 'unsupported'
  | 'other';

/** Classifies a getUserMedia / getDisplayMedia rejection by its DOMException name. */
export function mediaProblem(e: unknown): MediaProblem {
  const name = typeof e === 'object' && e !== null && 'name' in e ? String((e as { name: unknown }).name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError': // old Chrome
    case 'SecurityError':
      return 'denied';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return 'notFound';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'busy';
    case 'TypeError':
      return 'unsupported';
    default:
      return 'other';
  }
}

/** The worst of the two problems decides the message: a refusal first. */
export function mainProblem(mic: MediaProblem | null, camera: MediaProblem | null): MediaProblem | null {
  const order: MediaProblem[] = ['denied', 'unsupported', 'busy', 'notFound', 'other'];
  for (const p of order) if (mic === p || camera === p) return p;
  return null;
}

/** Video sized for weak rural links: 640×360 at up to 24 fps is enough to see a face. */
export const CAMERA_CONSTRAINTS: MediaTrackConstraints = {
  width: { ideal: 640 },
  height: { ideal: 360 },
  frameRate: { ideal: 24, max: 30 },
};

export const MIC_CONSTRAINTS: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

export function constraintsFor(kind: 'audio' | 'video', deviceId?: string): MediaStreamConstraints {
  const base = kind === 'audio' ? MIC_CONSTRAINTS : CAMERA_CONSTRAINTS;
  const c: MediaTrackConstraints = deviceId ? { ...base, deviceId: { exact: deviceId } } : { ...base };
  return kind === 'audio' ? { audio: c } : { video: c };
}

function mediaDevices(): MediaDevices | null {
  return typeof navigator !== 'undefined' && navigator.mediaDevices ? navigator.mediaDevices : null;
}

export interface Opened {
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
  audioProblem: MediaProblem | null;
  videoProblem: MediaProblem | null;
}

/**
 * Opens the microphone and/or the camera. Both are asked for in one request, so the browser asks
 * once; when that fails for a reason other than a refusal, each is tried alone, so a computer
 * without a camera still joins with its microphone.
 */
export async function openMedia(want: { audio: boolean; video: boolean; audioDeviceId?: string; videoDeviceId?: string }): Promise<Opened> {
  const out: Opened = { audio: null, video: null, audioProblem: null, videoProblem: null };
  const md = mediaDevices();
  if (!md?.getUserMedia) {
    if (want.audio) out.audioProblem = 'unsupported';
    if (want.video) out.videoProblem = 'unsupported';
    return out;
  }
  const one = async (kind: 'audio' | 'video', deviceId?: string) => {
    try {
      const stream = await md.getUserMedia(constraintsFor(kind, deviceId));
      return { track: stream.getTracks()[0] ?? null, problem: null };
    } catch (e) {
      return { track: null, problem: mediaProblem(e) };
    }
  };
  if (want.audio && want.video) {
    try {
      const stream = await md.getUserMedia({
        ...constraintsFor('audio', want.audioDeviceId),
        ...constraintsFor('video', want.videoDeviceId),
      });
      out.audio = stream.getAudioTracks()[0] ?? null;
      out.video = stream.getVideoTracks()[0] ?? null;
      return out;
    } catch (e) {
      const p = mediaProblem(e);
      if (p === 'denied' || p === 'unsupported') {
        out.audioProblem = out.videoProblem = p;
        return out;
      }
    }
  }
  if (want.audio) {
    const r = await one('audio', want.audioDeviceId);
    out.audio = r.track;
    out.audioProblem = r.problem;
  }
  if (want.video) {
    const r = await one('video', want.videoDeviceId);
    out.video = r.track;
    out.videoProblem = r.problem;
  }
  return out;
}

/** Opens a screen (or window or tab) to share, video only. */
export async function openScreen(): Promise<MediaStreamTrack> {
  const md = mediaDevices();
  if (!md?.getDisplayMedia) throw new DOMException('screen sharing is not available', 'TypeError');
  const stream = await md.getDisplayMedia({ video: { frameRate: { ideal: 10, max: 15 } }, audio: false });
  const track = stream.getVideoTracks()[0];
  if (!track) throw new DOMException('no screen track', 'NotFoundError');
  // Tell the encoder this is text and slides: keep resolution, drop frames instead.
  if ('contentHint' in track) track.contentHint = 'detail';
  return track;
}

export interface DeviceOption {
  deviceId: string;
  label: string;
}

export interface DeviceLists {
  audioinput: DeviceOption[];
  videoinput: DeviceOption[];
}

/**
 * Device options for the pickers. Browsers hide labels until a device has been allowed, and list
 * "default"/"communications" aliases; unnamed devices get a numbered name.
 */
export function deviceLists(devices: readonly Pick<MediaDeviceInfo, 'deviceId' | 'kind' | 'label'>[], unnamed: (kind: 'audioinput' | 'videoinput', n: number) => string): DeviceLists {
  const out: DeviceLists = { audioinput: [], videoinput: [] };
  for (const d of devices) {
    if (d.kind !== 'audioinput' && d.kind !== 'videoinput') continue;
    if (!d.deviceId || d.deviceId === 'communications') continue;
    const list = out[d.kind];
    if (list.some((x) => x.deviceId === d.deviceId)) continue;
    list.push({ deviceId: d.deviceId, label: d.label || unnamed(d.kind, list.length + 1) });
  }
  return out;
}

export async function enumerate(): Promise<Pick<MediaDeviceInfo, 'deviceId' | 'kind' | 'label'>[]> {
  const md = mediaDevices();
  if (!md?.enumerateDevices) return [];
  try {
    return await md.enumerateDevices();
  } catch {
    return [];
  }
}

/** Stops a track if there is one. */
export function stopTrack(t: MediaStreamTrack | null | undefined): void {
  try {
    t?.stop();
  } catch {
    /* already stopped */
  }
}
