package sfubench

// Synthetic media shaped like a 720p camera: the packet sizes and rates a
// VP8 encoder produces, not a decodable picture. Frames carry a real VP8
// frame tag (RFC 6386 section 9.1) so a receiver can tell keyframes from
// delta frames, and are split into near-equal packets of at most
// MaxVideoPayload bytes as browsers packetise them.

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

// Layer is one encoding of the camera track.
type Layer struct {
	RID     string // simulcast stream id; "" without simulcast
	Bitrate int    // bits per second, keyframes included
	FPS     int
}

// Layers returns the encodings of the camera track: one 720p layer, or the
// three simulcast layers a browser sends for 720p (quarter, half, full).
func Layers(n int) []Layer {
	full := Layer{RID: "f", Bitrate: 2_500_000, FPS: 30}
	if n == 1 {
		full.RID = ""
		return []Layer{full}
	}
	return []Layer{{RID: "q", Bitrate: 150_000, FPS: 15}, {RID: "h", Bitrate: 500_000, FPS: 30}, full}
}

// Shape of the synthetic stream.
const (
	MaxVideoPayload  = 1100            // bytes of RTP payload per video packet, VP8 descriptor included
	KeyframeInterval = 2 * time.Second // a periodic keyframe, as a browser's encoder sends
	keyframeWeight   = 5               // a keyframe is this many delta frames' worth of bytes
	audioPayload     = 100             // bytes of Opus per 20 ms (about 40 kbit/s)
	audioInterval    = 20 * time.Millisecond
)

// Kinds of packet in a Stream.
const (
	KindAudio = iota
	KindVideo // followed by the layer index
)

// source is one RTP stream of a Stream: the audio, or one video layer.
type source struct {
	kind     int // KindAudio, or KindVideo+layer index
	layer    Layer
	period   time.Duration
	next     time.Duration // due time, from the start
	seq      uint16
	ts       uint32
	tsStep   uint32
	frame    int
	keyEvery int // frames between periodic keyframes
	deltaLen int // bytes of a delta frame
	forceKey bool
}

// Stream produces the packets of one publisher (Opus audio and the VP8
// layers) on a fixed schedule. It is not safe for concurrent use; Run
// calls emit from one goroutine.
type Stream struct {
	sources []*source
	keyReq  chan struct{}
	lag     atomic.Int64 // how late the last packet went out, in ns
}

// Lag is how far behind its schedule the stream sent its last packet: near
// zero while the sender's core keeps up, growing when it cannot.
func (s *Stream) Lag() time.Duration { return time.Duration(s.lag.Load()) }

// NewStream returns the audio and video of a publisher with the given
// layers (see Layers).
func NewStream(layers []Layer) *Stream {
	s := &Stream{keyReq: make(chan struct{}, 1)}
	s.sources = append(s.sources, &source{kind: KindAudio, period: audioInterval, tsStep: 960, seq: 1000})
	for i, l := range layers {
		keyEvery := int(KeyframeInterval.Seconds() * float64(l.FPS))
		// Bytes over one keyframe interval: (keyEvery-1) deltas + one keyframe.
		perGOP := l.Bitrate / 8 * int(KeyframeInterval/time.Second)
		s.sources = append(s.sources, &source{kind: KindVideo + i, layer: l, period: time.Second / time.Duration(l.FPS),
			tsStep: uint32(90000 / l.FPS), keyEvery: keyEvery, deltaLen: perGOP / (keyEvery - 1 + keyframeWeight),
			seq: uint16(2000 * (i + 1))})
	}
	return s
}

// RequestKeyframe makes the next frame of every video layer a keyframe, as
// an encoder does on a PLI. Safe to call from any goroutine.
func (s *Stream) RequestKeyframe() {
	select {
	case s.keyReq <- struct{}{}:
	default:
	}
}

// Run emits packets in real time until ctx ends. kind is KindAudio or
// KindVideo plus the layer index; the packet is valid only during the call.
// A late schedule (a loaded machine) is caught up on, not skipped, so every
// consumer sees the same packets.
func (s *Stream) Run(ctx context.Context, emit func(kind int, p *rtp.Packet)) {
	// A second Run continues the schedule where the first stopped.
	origin := s.sources[0].next
	for _, c := range s.sources[1:] {
		origin = min(origin, c.next)
	}
	start := time.Now().Add(-origin)
	timer := time.NewTimer(0)
	defer timer.Stop()
	buf := make([]byte, MaxVideoPayload)
	for {
		src := s.sources[0]
		for _, c := range s.sources[1:] {
			if c.next < src.next {
				src = c
			}
		}
		if wait := time.Until(start.Add(src.next)); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
		} else if ctx.Err() != nil {
			return
		}
		s.lag.Store(int64(max(time.Since(start.Add(src.next)), 0)))
		select {
		case <-s.keyReq:
			for _, c := range s.sources[1:] {
				c.forceKey = true
			}
		default:
		}
		src.emitFrame(buf, func(p *rtp.Packet) { emit(src.kind, p) })
		src.next += src.period
	}
}

func (c *source) emitFrame(buf []byte, emit func(*rtp.Packet)) {
	defer func() { c.ts += c.tsStep; c.frame++ }()
	p := &rtp.Packet{Header: rtp.Header{Version: 2, Timestamp: c.ts}}
	if c.kind == KindAudio {
		fill(buf[:audioPayload], 0xfc, c.frame)
		p.SequenceNumber, p.Marker, p.Payload = c.seq, false, buf[:audioPayload]
		c.seq++
		emit(p)
		return
	}
	key := c.frame%c.keyEvery == 0 || c.forceKey
	c.forceKey = false
	size := c.deltaLen
	if key {
		size *= keyframeWeight
	}
	per := MaxVideoPayload - 1
	n := (size + per - 1) / per
	per = (size + n - 1) / n // equal packets, as browsers cut them
	for i := range n {
		payload := buf[:1+min(per, size-i*per)]
		fill(payload, 0, c.frame+i)
		payload[0] = 0 // VP8 payload descriptor: no extensions, partition 0
		if i == 0 {
			payload[0] = 0x10 // S: start of a frame
			writeFrameHeader(payload[1:], key)
		}
		p.SequenceNumber, p.Marker, p.Payload = c.seq, i == n-1, payload
		c.seq++
		emit(p)
	}
}

// writeFrameHeader writes a VP8 frame tag and, for a keyframe, the start
// code and a 1280x720 size.
func writeFrameHeader(b []byte, key bool) {
	if key {
		copy(b, []byte{0x50, 0x2a, 0x00, 0x9d, 0x01, 0x2a, 0x00, 0x05, 0xd0, 0x02})
		return
	}
	copy(b, []byte{0x51, 0x2a, 0x00}) // P bit set: an interframe
}

func fill(b []byte, first byte, seed int) {
	for i := range b {
		b[i] = byte(seed*31 + i)
	}
	b[0] = first
}

// PacketsPerSecond is the stream's average packet rate, for reports.
func (s *Stream) PacketsPerSecond() float64 {
	var pps float64
	for _, c := range s.sources {
		if c.kind == KindAudio {
			pps += float64(time.Second / c.period)
			continue
		}
		per := MaxVideoPayload - 1
		delta := (c.deltaLen + per - 1) / per
		key := (c.deltaLen*keyframeWeight + per - 1) / per
		pps += float64((c.keyEvery-1)*delta+key) / KeyframeInterval.Seconds()
	}
	return pps
}
