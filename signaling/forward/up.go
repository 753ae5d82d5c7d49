// Package forward is the SFU's forwarding hot path: an Up reads one published
// track, keeps its packets in a packet cache and writes each one to every
// subscriber's Down; a Down answers its subscriber's NACKs from that cache and
// turns PLI/FIR into throttled keyframe requests to the publisher.
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

// Up is one published track as the SFU receives it. Add, Remove, Close and
// RequestKeyframe are safe for concurrent use with Run.
type Up struct {
	src       Source
	kind      webrtc.RTPCodecType
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
	done   chan struct{}

	keyframeRequests atomic.Uint64
}

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
	return &Up{
		src:       src,
		kind:      cfg.Kind,
		ssrc:      cfg.SSRC,
		cache:     packetcache.New(size),
		keyframes: Throttle{Interval: interval},
		sendPLI:   sendPLI,
		now:       now,
		level:     cfg.AudioLevel,
		levelID:   cfg.AudioLevelExtID,
		done:      make(chan struct{}),
	}
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
		for _, d := range *downs {
			d.write(&pkt)
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

// Done is closed when Run has returned.
func (u *Up) Done() <-chan struct{} { return u.done }

// Kind is the track's media kind.
func (u *Up) Kind() webrtc.RTPCodecType { return u.kind }

// Add starts forwarding to d. It reports false, adding nothing, once the Up
// is closed. A new video subscriber triggers a keyframe request so it can
// start decoding without waiting for the publisher's next periodic keyframe.
func (u *Up) Add(d *Down) bool {
	u.mu.Lock()
	if u.closed {
		u.mu.Unlock()
		return false
	}
	var next []*Down
	if cur := u.downs.Load(); cur != nil {
		next = append(next, *cur...)
	}
	next = append(next, d)
	u.downs.Store(&next)
	u.mu.Unlock()
	u.RequestKeyframe()
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

// Close stops all forwarding; later Adds fail. It does not stop Run, which
// ends with the source. Closing twice is harmless.
func (u *Up) Close() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.closed = true
	u.downs.Store(nil)
}
