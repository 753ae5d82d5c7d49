// Package forward is the SFU's forwarding hot path: an Up reads one published
// track (or one simulcast layer of it), keeps its packets in a packet cache
// and writes each one to every subscriber's Down; a Down forwards the layer
// its subscriber should get, rewriting sequence numbers and timestamps so
// layer switches are seamless, answers NACKs from the right layer's cache
// and turns PLI/FIR into throttled keyframe requests to the publisher.
//
// It knows RTP and RTCP, not rooms, roles or signaling. It must never import
// the signaling package (which imports it) nor anything under internal/.
package forward

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/lianxin-hub/lianxin/signaling/packetcache"
)

// Source is where an Up reads RTP from; *webrtc.TrackRemote is one. It is an
// interface so a benchmark can feed the hot path without a PeerConnection.
type Source interface {
	Read(b []byte) (n int, attrs interceptor.Attributes, err error)
}

// Cache sizes: about two seconds of VP8 at a consultation's bitrate, and of
// Opus at 50 packets a second. A NACK for anything older is pointless: the
// frame's playout time has passed.
const (
	DefaultVideoCache = 1024
	DefaultAudioCache = 128
)

// UpConfig describes the published track an Up forwards.
type UpConfig struct {
	// Kind is audio or video; only video tracks send keyframe requests.
	Kind webrtc.RTPCodecType
	// Layer is the simulcast layer, 0 (lowest) to MaxLayers-1; a track
	// without simulcast is one layer, conventionally MaxLayers-1.
	Layer int
	// SSRC is the publisher's media SSRC, the target of keyframe requests.
	SSRC uint32
	// CacheSize is the packet cache capacity; 0 picks a default by Kind.
	CacheSize int
	// KeyframeInterval throttles keyframe requests; 0 means DefaultKeyframeInterval.
	KeyframeInterval time.Duration
	// SendPLI writes a Picture Loss Indication for ssrc to the publisher. It
	// is called from subscribers' RTCP goroutines, concurrently.
	SendPLI func(ssrc uint32) error
	// Now is the clock for the throttle; nil means time.Now.
	Now func() time.Time
	// AudioLevel, when set, hears the RFC 6464 audio level of every packet
	// that carries header extension AudioLevelExtID (level 0 is loudest, 127
	// silence, in -dBov; voice is the V flag), read before extensions are
	// stripped. It runs on Run's goroutine, so it must be quick.
	AudioLevel      func(level uint8, voice bool)
	AudioLevelExtID uint8
}

// Sink receives every packet an Up reads, before any subscriber does; a
// recorder is one. WriteRTP runs on the Up's Run goroutine, so it must not
// block; p and its payload are only valid during the call (copy to keep).
type Sink interface {
	WriteRTP(p *rtp.Packet)
}

// Up is one published track as the SFU receives it. Add, Remove, AddSink,
// RemoveSink, Close and RequestKeyframe are safe for concurrent use with Run.
type Up struct {
	src       Source
	kind      webrtc.RTPCodecType
	layer     int
	ssrc      uint32
	cache     *packetcache.Cache
	keyframes Throttle
	sendPLI   func(uint32) error
	now       func() time.Time
	level     func(uint8, bool)
	levelID   uint8

	mu     sync.Mutex // serialises writers of downs; Run only loads it
	closed bool
	downs  atomic.Pointer[[]*Down]
	sinks  atomic.Pointer[[]Sink] // nil unless recording: one load per packet
	done   chan struct{}

	keyframeRequests atomic.Uint64

	// Bitrate measurement, written by Run only.
	windowStart int64 // unix nanoseconds
	windowBytes uint64
	bitrate     atomic.Uint64 // bits per second over the last whole window
	lastPacket  atomic.Int64  // unix nanoseconds
	size        atomic.Uint32 // width<<16 | height from the last keyframe; 0 unknown
}

// rateWindow is the bitrate measurement period; a layer that sent nothing
// for inactiveAfter counts as stopped.
const (
	rateWindow    = 500 * time.Millisecond
	inactiveAfter = 1500 * time.Millisecond
)

// NewUp returns an Up reading src; call Run to start forwarding.
func NewUp(src Source, cfg UpConfig) *Up {
	size := cfg.CacheSize
	if size <= 0 {
		size = DefaultAudioCache
		if cfg.Kind == webrtc.RTPCodecTypeVideo {
			size = DefaultVideoCache
		}
	}
	interval := cfg.KeyframeInterval
	if interval <= 0 {
		interval = DefaultKeyframeInterval
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	sendPLI := cfg.SendPLI
	if sendPLI == nil {
		sendPLI = func(uint32) error { return nil }
	}
	u := &Up{
		src:       src,
		kind:      cfg.Kind,
		layer:     min(max(cfg.Layer, 0), MaxLayers-1),
		ssrc:      cfg.SSRC,
		cache:     packetcache.New(size),
		keyframes: Throttle{Interval: interval},
		sendPLI:   sendPLI,
		now:       now,
		level:     cfg.AudioLevel,
		levelID:   cfg.AudioLevelExtID,
		done:      make(chan struct{}),
	}
	// A new layer counts as active until it has been silent for
	// inactiveAfter, so a subscriber can pick it before its first packet.
	u.lastPacket.Store(now().UnixNano())
	return u
}

// Run forwards packets until the source ends, and returns nil when it ended
// with io.EOF (the publisher's PeerConnection or track closed) or the read
// error otherwise. After Close it keeps draining the source, forwarding
// nothing, so Pion's receive-side interceptors stay fed until the end.
func (u *Up) Run() error {
	defer close(u.done)
	buf := make([]byte, packetcache.MaxPacket)
	var pkt rtp.Packet
	for {
		n, _, err := u.src.Read(buf)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue // not RTP; nothing a subscriber could use
		}
		now := u.now().UnixNano()
		u.measure(now, n)
		if sinks := u.sinks.Load(); sinks != nil {
			for _, k := range *sinks {
				k.WriteRTP(&pkt)
			}
		}
		if u.level != nil && u.levelID != 0 {
			if ext := pkt.GetExtension(u.levelID); len(ext) > 0 {
				u.level(ext[0]&0x7f, ext[0]&0x80 != 0)
			}
		}
		downs := u.downs.Load()
		if downs == nil {
			continue
		}
		// Cache the packet as received; extensions are stripped on the way
		// out (here and in Down.retransmit), never stored twice.
		u.cache.Store(pkt.SequenceNumber, buf[:n])
		stripExtensions(&pkt.Header)
		// Audio has no keyframes: every packet is a place to start.
		key := u.kind != webrtc.RTPCodecTypeVideo || IsVP8Keyframe(pkt.Payload)
		if key && u.kind == webrtc.RTPCodecTypeVideo {
			if w, h, ok := VP8KeyframeSize(pkt.Payload); ok {
				u.size.Store(uint32(w)<<16 | uint32(h))
			}
		}
		for _, d := range *downs {
			d.write(u, &pkt, key, now)
		}
	}
}

// stripExtensions drops the publisher's header extensions: their ids were
// negotiated with the publisher, not with the subscriber, so forwarding them
// would mislabel data (a mid read as audio level). Pion's interceptors add
// what the subscriber's session negotiated (TWCC) on the way out.
func stripExtensions(h *rtp.Header) {
	h.Extension = false
	h.ExtensionProfile = 0
	h.Extensions = nil
}

func (u *Up) measure(now int64, n int) {
	u.lastPacket.Store(now)
	if u.windowStart == 0 {
		u.windowStart = now
	}
	u.windowBytes += uint64(n)
	if d := now - u.windowStart; d >= int64(rateWindow) {
		u.bitrate.Store(u.windowBytes * 8 * uint64(time.Second) / uint64(d))
		u.windowStart, u.windowBytes = now, 0
	}
}

// State is the layer's activity and received bitrate at now, for layer
// selection; safe to call at any time.
func (u *Up) State(now time.Time) LayerState {
	last := u.lastPacket.Load()
	if last == 0 || now.UnixNano()-last > int64(inactiveAfter) {
		return LayerState{}
	}
	size := u.size.Load()
	return LayerState{Active: true, Bitrate: u.bitrate.Load(), Width: int(size >> 16), Height: int(size & 0xffff)}
}

// Layer is the simulcast layer this Up carries.
func (u *Up) Layer() int { return u.layer }

// Done is closed when Run has returned.
func (u *Up) Done() <-chan struct{} { return u.done }

// Kind is the track's media kind.
func (u *Up) Kind() webrtc.RTPCodecType { return u.kind }

// Add starts offering packets to d (which forwards them only while this is
// its layer); adding a Down twice is a no-op. It reports false, adding
// nothing, once the Up is closed. Keyframe requests for a new subscriber
// come from Down.SetTarget, for the layer it will actually forward.
func (u *Up) Add(d *Down) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return false
	}
	var next []*Down
	if cur := u.downs.Load(); cur != nil {
		for _, x := range *cur {
			if x == d {
				return true
			}
		}
		next = append(next, *cur...)
	}
	next = append(next, d)
	u.downs.Store(&next)
	return true
}

// Remove stops forwarding to d; removing an absent Down is a no-op.
func (u *Up) Remove(d *Down) {
	u.mu.Lock()
	defer u.mu.Unlock()
	cur := u.downs.Load()
	if cur == nil {
		return
	}
	next := make([]*Down, 0, len(*cur))
	for _, x := range *cur {
		if x != d {
			next = append(next, x)
		}
	}
	u.downs.Store(&next)
}

// AddSink starts handing every packet to k, from the next one read; it
// reports false, adding nothing, once the Up is closed.
func (u *Up) AddSink(k Sink) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return false
	}
	var next []Sink
	if cur := u.sinks.Load(); cur != nil {
		next = append(next, *cur...)
	}
	next = append(next, k)
	u.sinks.Store(&next)
	return true
}

// RemoveSink stops handing packets to k. Run may be in the middle of one
// k.WriteRTP as it returns, so a sink must tolerate one call after removal.
func (u *Up) RemoveSink(k Sink) {
	u.mu.Lock()
	defer u.mu.Unlock()
	cur := u.sinks.Load()
	if cur == nil {
		return
	}
	var next []Sink
	for _, x := range *cur {
		if x != k {
			next = append(next, x)
		}
	}
	if len(next) == 0 {
		u.sinks.Store(nil)
		return
	}
	u.sinks.Store(&next)
}

// Close stops all forwarding and drops all sinks; later Adds and AddSinks
// fail. It does not stop Run, which ends with the source. Closing twice is
// harmless.
func (u *Up) Close() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.closed = true
	u.downs.Store(nil)
	u.sinks.Store(nil)
}
