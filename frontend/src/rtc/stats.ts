// Pure readings of WebRTC statistics (RTCPeerConnection.getStats): round-trip
// time and packet loss for the network-quality indicator, decoded frames for
// tests and diagnostics, and audio levels for picking the active speaker.
// Everything works on plain objects, so it is unit-tested without a browser.

/** One entry of an RTCStatsReport, as a plain object. */
export interface StatLike {
  type: string;
  id: string;
  [field: string]: unknown;
}

/** Turns an RTCStatsReport (a Map) into a list. */
export function statsList(report: RTCStatsReport | undefined | null): StatLike[] {
  if (!report) return [];
  const out: StatLike[] = [];
  report.forEach((v: StatLike) => out.push(v));
  return out;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** What the network looks like at one moment, from both peer connections. */
export interface NetSample {
  /** round-trip time to the SFU in ms (the selected ICE candidate pair), or null */
  rttMs: number | null;
  /** totals over all received RTP streams */
  packetsReceived: number;
  packetsLost: number;
  /** the worst loss the SFU reports about what we send (RTCP receiver reports), 0..1, or null */
  sendLoss: number | null;
}

/** The round-trip time of one PC's selected candidate pair, in ms. */
export function selectedPairRtt(stats: StatLike[]): number | null {
  const byId = new Map(stats.map((s) => [s.id, s]));
  let pair: StatLike | undefined;
  for (const s of stats) {
    if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') {
      pair = byId.get(s.selectedCandidatePairId);
      if (pair) break;
    }
  }
  pair ??= stats.find((s) => s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded');
  const rtt = pair ? num(pair.currentRoundTripTime) : null;
  if (rtt !== null) return rtt * 1000;
  // Fallback: what the far end reports about our outgoing streams.
  const remote = stats.filter((s) => s.type === 'remote-inbound-rtp').map((s) => num(s.roundTripTime));
  const known = remote.filter((v): v is number => v !== null);
  return known.length ? (known.reduce((a, b) => a + b, 0) / known.length) * 1000 : null;
}

/** Reads one sample from the publisher's and the subscriber's stats (either may be empty). */
export function netSample(publisher: StatLike[], subscriber: StatLike[]): NetSample {
  const rtts = [selectedPairRtt(publisher), selectedPairRtt(subscriber)].filter((v): v is number => v !== null);
  let packetsReceived = 0;
  let packetsLost = 0;
  for (const s of subscriber) {
    if (s.type !== 'inbound-rtp') continue;
    packetsReceived += num(s.packetsReceived) ?? 0;
    packetsLost += Math.max(0, num(s.packetsLost) ?? 0);
  }
  let sendLoss: number | null = null;
  for (const s of publisher) {
    if (s.type !== 'remote-inbound-rtp') continue;
    const f = num(s.fractionLost);
    if (f !== null) sendLoss = Math.max(sendLoss ?? 0, f);
  }
  return {
    rttMs: rtts.length ? Math.max(...rtts) : null,
    packetsReceived,
    packetsLost,
    sendLoss,
  };
}

/** Fraction of packets lost between two samples (0..1), or null when nothing was expected. */
export function lossBetween(prev: NetSample | null, cur: NetSample): number | null {
  if (!prev) return null;
  const received = cur.packetsReceived - prev.packetsReceived;
  const lost = cur.packetsLost - prev.packetsLost;
  if (received < 0 || lost < 0) return null; // streams came and went: counters restarted
  const expected = received + lost;
  return expected > 0 ? lost / expected : null;
}

export type Quality = 'good' | 'fair' | 'poor' | 'unknown';

/** Thresholds: a consultation is comfortable under 150 ms and 2 % loss, and breaks up past 400 ms or 8 %. */
export const FAIR_RTT_MS = 150;
export const POOR_RTT_MS = 400;
export const FAIR_LOSS = 0.02;
export const POOR_LOSS = 0.08;

export function classify(rttMs: number | null, loss: number | null): Quality {
  if (rttMs === null && loss === null) return 'unknown';
  const r = rttMs ?? 0;
  const l = loss ?? 0;
  if (r >= POOR_RTT_MS || l >= POOR_LOSS) return 'poor';
  if (r >= FAIR_RTT_MS || l >= FAIR_LOSS) return 'fair';
  return 'good';
}

/** The network indicator's reading: quality, RTT and the worse of receive and send loss. */
export interface NetQuality {
  quality: Quality;
  rttMs: number | null;
  loss: number | null;
}

export function netQuality(prev: NetSample | null, cur: NetSample): NetQuality {
  const recvLoss = lossBetween(prev, cur);
  const losses = [recvLoss, cur.sendLoss].filter((v): v is number => v !== null);
  const loss = losses.length ? Math.max(...losses) : null;
  return { quality: classify(cur.rttMs, loss), rttMs: cur.rttMs, loss };
}

/** A received video stream's decoding progress, named by the publisher's trackId. */
export interface InboundVideo {
  trackId: string | null;
  mid: string | null;
  framesDecoded: number;
  framesReceived: number;
  packetsReceived: number;
  packetsLost: number;
  frameWidth: number | null;
  frameHeight: number | null;
}

/**
 * Received video streams. The publisher's trackId comes from the stream's mid through the server's
 * mid → trackId map, or else from the receiving MediaStreamTrack's id (`trackIdentifier`) through
 * `receiverIds` (receiving track id → publisher trackId).
 */
export function inboundVideo(
  subscriber: StatLike[],
  midTracks: Record<string, string>,
  receiverIds: Record<string, string> = {},
): InboundVideo[] {
  return subscriber
    .filter((s) => s.type === 'inbound-rtp' && s.kind === 'video')
    .map((s) => {
      const mid = typeof s.mid === 'string' ? s.mid : null;
      const byMid = mid !== null ? midTracks[mid] : undefined;
      const byTrack = typeof s.trackIdentifier === 'string' ? receiverIds[s.trackIdentifier] : undefined;
      return {
        trackId: byMid ?? byTrack ?? null,
        mid,
        framesDecoded: num(s.framesDecoded) ?? 0,
        framesReceived: num(s.framesReceived) ?? 0,
        packetsReceived: num(s.packetsReceived) ?? 0,
        packetsLost: num(s.packetsLost) ?? 0,
        frameWidth: num(s.frameWidth),
        frameHeight: num(s.frameHeight),
      };
    });
}

/** An outgoing stream's progress. */
export interface OutboundRtp {
  kind: string;
  mid: string | null;
  packetsSent: number;
  framesEncoded: number;
}

export function outbound(publisher: StatLike[]): OutboundRtp[] {
  return publisher
    .filter((s) => s.type === 'outbound-rtp')
    .map((s) => ({
      kind: typeof s.kind === 'string' ? s.kind : '',
      mid: typeof s.mid === 'string' ? s.mid : null,
      packetsSent: num(s.packetsSent) ?? 0,
      framesEncoded: num(s.framesEncoded) ?? 0,
    }));
}

/**
 * Audio level (0..1) per session: received audio through mid → trackId → session, and one's own
 * microphone from the publisher's media-source entry.
 */
export function audioLevels(
  publisher: StatLike[],
  subscriber: StatLike[],
  midTracks: Record<string, string>,
  sessionOfTrack: (trackId: string) => string | undefined,
  selfSession: string,
): Record<string, number> {
  const out: Record<string, number> = {};
  const put = (session: string | undefined, level: number | null) => {
    if (session && level !== null) out[session] = Math.max(out[session] ?? 0, level);
  };
  for (const s of subscriber) {
    if (s.type !== 'inbound-rtp' || s.kind !== 'audio' || typeof s.mid !== 'string') continue;
    const trackId = midTracks[s.mid];
    if (trackId) put(sessionOfTrack(trackId), num(s.audioLevel));
  }
  for (const s of publisher) {
    if (s.type === 'media-source' && s.kind === 'audio') put(selfSession, num(s.audioLevel));
  }
  return out;
}

/** Below this level nobody is speaking (the Web Audio scale: 0.01 is about −40 dBov). */
export const SPEAKING_LEVEL = 0.02;

/**
 * The active speaker: the loudest session above SPEAKING_LEVEL. The current speaker keeps the floor
 * while they are at least half as loud as the loudest, and while nobody speaks, so the view does not
 * flicker between people at the end of every sentence.
 */
export function pickSpeaker(levels: Record<string, number>, current: string | null): string | null {
  let loudest: string | null = null;
  let max = SPEAKING_LEVEL;
  for (const [session, level] of Object.entries(levels)) {
    if (level >= max) {
      loudest = session;
      max = level;
    }
  }
  if (loudest === null) return current;
  if (current !== null && (levels[current] ?? 0) >= max / 2) return current;
  return loudest;
}
