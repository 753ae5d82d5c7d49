import { describe, expect, it } from 'vitest';
import {
  audioLevels,
  classify,
  inboundVideo,
  lossBetween,
  netQuality,
  netSample,
  outbound,
  pickSpeaker,
  selectedPairRtt,
  statsList,
  type StatLike,
} from './stats';

const pub: StatLike[] = [
  { type: 'transport', id: 'T1', selectedCandidatePairId: 'CP2' },
  { type: 'candidate-pair', id: 'CP1', nominated: true, state: 'succeeded', currentRoundTripTime: 0.5 },
  { type: 'candidate-pair', id: 'CP2', nominated: true, state: 'succeeded', currentRoundTripTime: 0.04 },
  { type: 'remote-inbound-rtp', id: 'RI1', fractionLost: 0.01, roundTripTime: 0.05 },
  { type: 'remote-inbound-rtp', id: 'RI2', fractionLost: 0.03 },
  { type: 'outbound-rtp', id: 'O1', kind: 'video', mid: '1', packetsSent: 900, framesEncoded: 300 },
  { type: 'outbound-rtp', id: 'O2', kind: 'audio', mid: '0', packetsSent: 500 },
  { type: 'media-source', id: 'M1', kind: 'audio', audioLevel: 0.3 },
];

const sub = (received: number, lost: number): StatLike[] => [
  { type: 'candidate-pair', id: 'CP9', nominated: true, state: 'succeeded', currentRoundTripTime: 0.12 },
  { type: 'inbound-rtp', id: 'I1', kind: 'video', mid: '0', packetsReceived: received, packetsLost: lost, framesDecoded: 42, framesReceived: 44, frameWidth: 640, frameHeight: 360 },
  { type: 'inbound-rtp', id: 'I2', kind: 'audio', mid: '1', packetsReceived: 0, packetsLost: -2, audioLevel: 0.5 },
  { type: 'inbound-rtp', id: 'I3', kind: 'video', trackIdentifier: 'recv-xyz', packetsReceived: 5 },
];

describe('round-trip time', () => {
  it('uses the transport’s selected pair, else a nominated succeeded pair, else remote-inbound-rtp', () => {
    expect(selectedPairRtt(pub)).toBeCloseTo(40);
    expect(selectedPairRtt(sub(0, 0))).toBeCloseTo(120);
    expect(selectedPairRtt([{ type: 'remote-inbound-rtp', id: 'x', roundTripTime: 0.2 }, { type: 'remote-inbound-rtp', id: 'y' }])).toBeCloseTo(200);
    expect(selectedPairRtt([])).toBeNull();
  });
});

describe('netSample and loss', () => {
  it('sums received streams, ignores negative loss, and takes the worst RTT and send loss', () => {
    const s = netSample(pub, sub(1000, 10));
    expect(s).toEqual({ rttMs: 120, packetsReceived: 1005, packetsLost: 10, sendLoss: 0.03 });
  });

  it('loss between samples is lost / expected over the interval', () => {
    const a = netSample([], sub(1000, 10));
    const b = netSample([], sub(1900, 110));
    expect(lossBetween(null, b)).toBeNull();
    expect(lossBetween(a, b)).toBeCloseTo(100 / 1000);
    expect(lossBetween(a, a)).toBeNull(); // nothing expected
    expect(lossBetween(b, a)).toBeNull(); // counters went backwards
  });

  it('classifies: good, fair, poor, unknown', () => {
    expect(classify(null, null)).toBe('unknown');
    expect(classify(40, 0)).toBe('good');
    expect(classify(40, null)).toBe('good');
    expect(classify(200, 0)).toBe('fair');
    expect(classify(40, 0.03)).toBe('fair');
    expect(classify(450, 0)).toBe('poor');
    expect(classify(40, 0.1)).toBe('poor');
  });

  it('netQuality combines receive loss with what the SFU reports about our sending', () => {
    const a = netSample([], sub(1000, 0));
    const b = netSample(pub, sub(2000, 0));
    expect(netQuality(a, b)).toEqual({ quality: 'fair', rttMs: 120, loss: 0.03 });
    expect(netQuality(null, netSample([], []))).toEqual({ quality: 'unknown', rttMs: null, loss: null });
  });
});

describe('decoding and sending', () => {
  it('names received video by mid, else by the receiving track id', () => {
    const v = inboundVideo(sub(10, 0), { '0': 'cam-of-bob', '1': 'mic-of-bob' }, { 'recv-xyz': 'screen-of-bob' });
    expect(v).toHaveLength(2);
    expect(v[0]).toMatchObject({ trackId: 'cam-of-bob', mid: '0', framesDecoded: 42, framesReceived: 44, frameWidth: 640 });
    expect(v[1]).toMatchObject({ trackId: 'screen-of-bob', mid: null, framesDecoded: 0, frameWidth: null });
  });

  it('lists outgoing streams', () => {
    expect(outbound(pub)).toEqual([
      { kind: 'video', mid: '1', packetsSent: 900, framesEncoded: 300 },
      { kind: 'audio', mid: '0', packetsSent: 500, framesEncoded: 0 },
    ]);
  });

  it('statsList flattens an RTCStatsReport-like map', () => {
    const m = new Map<string, StatLike>([['a', { type: 'x', id: 'a' }]]);
    expect(statsList(m as unknown as RTCStatsReport)).toEqual([{ type: 'x', id: 'a' }]);
    expect(statsList(null)).toEqual([]);
  });
});

describe('active speaker', () => {
  it('reads levels per session, received and one’s own', () => {
    const levels = audioLevels(pub, sub(0, 0), { '1': 'mic-of-bob' }, (id) => (id === 'mic-of-bob' ? 'bob' : undefined), 'me');
    expect(levels).toEqual({ bob: 0.5, me: 0.3 });
  });

  it('picks the loudest, keeps the current speaker while comparable or while all are quiet', () => {
    expect(pickSpeaker({}, null)).toBeNull();
    expect(pickSpeaker({ a: 0.001 }, 'b')).toBe('b');
    expect(pickSpeaker({ a: 0.3, b: 0.1 }, null)).toBe('a');
    expect(pickSpeaker({ a: 0.3, b: 0.2 }, 'b')).toBe('b');
    expect(pickSpeaker({ a: 0.5, b: 0.1 }, 'b')).toBe('a');
  });
});
