package forward

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/lianxin-hub/lianxin/signaling/packetcache"
)

// Down is one subscriber's copy of a published track: the local track added
// to the subscriber's PeerConnection and the RTCP that comes back on its
// sender.
//
// A Down is added to every layer (Up) of its track and forwards the packets
// of one: the current layer. SetTarget names the layer it should forward;
// the switch happens at the target layer's next keyframe, and a Rewriter
// splices the layers into one stream with continuous sequence numbers and
// rising timestamps. A track without simulcast is one layer and is
// forwarded with its numbers unchanged.
//
// Each Down has its own TrackLocalStaticRTP, bound to exactly one
// PeerConnection, so a retransmission reaches only the subscriber that
// asked. Pion rewrites SSRC and payload type to what that subscriber
// negotiated.
type Down struct {
	track     *webrtc.TrackLocalStaticRTP
	sender    *webrtc.RTPSender
	clockRate uint32
	estimate  func(bitsPerSecond uint64)

	mu      sync.Mutex
	layers  [MaxLayers]*Up
	target  int // layer wanted; -1 forwards nothing
	current int // layer being forwarded; -1 until a keyframe of target
	rw      Rewriter
	out     rtp.Packet // scratch for the rewritten header, reused
	closed  bool

	forwarded     atomic.Uint64
	retransmitted atomic.Uint64
	nackMisses    atomic.Uint64
	switches      atomic.Uint64
}

// DownConfig describes a subscriber's copy of a track.
type DownConfig struct {
	// ClockRate is the codec's RTP clock in Hz, for timestamps across a
	// layer switch.
	ClockRate uint32
	// Estimate receives the subscriber's REMB bandwidth estimates, in bits
	// per second, from the RTCP goroutine; nil ignores them.
	Estimate func(bitsPerSecond uint64)
}

// NewDown ties a subscriber's local track and its sender together; add
// layers with AddLayer, start Run to serve its RTCP, then SetTarget to
// start forwarding.
func NewDown(track *webrtc.TrackLocalStaticRTP, sender *webrtc.RTPSender, cfg DownConfig) *Down {
	if cfg.ClockRate == 0 {
		cfg.ClockRate = 90000
	}
	return &Down{track: track, sender: sender, clockRate: cfg.ClockRate, estimate: cfg.Estimate, target: -1, current: -1}
}

// AddLayer makes up's packets available to this Down and adds the Down to
// up. It reports false once up or the Down is closed.
func (d *Down) AddLayer(up *Up) bool {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return false
	}
	d.layers[up.layer] = up
	d.mu.Unlock()
	return up.Add(d)
}

// Close removes the Down from all its layers; nothing is forwarded after
// it returns.
func (d *Down) Close() {
	d.mu.Lock()
	d.closed = true
	layers := d.layers
	d.layers = [MaxLayers]*Up{}
	d.target, d.current = -1, -1
	d.mu.Unlock()
	for _, up := range layers {
		if up != nil {
			up.Remove(d)
		}
	}
}

// SetTarget sets the layer to forward, or -1 to forward nothing (audio only
// for a video track). Stopping takes effect at once; starting or changing
// layer takes effect at the target's next keyframe, which is requested now.
func (d *Down) SetTarget(layer int) {
	d.mu.Lock()
	if layer < 0 || layer >= MaxLayers || d.closed {
		layer = -1
	}
	d.target = layer
	if layer < 0 {
		d.current = -1
	}
	var up *Up
	if layer >= 0 && layer != d.current {
		up = d.layers[layer]
	}
	d.mu.Unlock()
	if up != nil {
		up.RequestKeyframe()
	}
}

// States returns the state of each layer slot at now; absent layers are
// inactive.
func (d *Down) States(now time.Time) (st [MaxLayers]LayerState) {
	d.mu.Lock()
	layers := d.layers
	d.mu.Unlock()
	for i, up := range layers {
		if up != nil {
			st[i] = up.State(now)
		}
	}
	return st
}

// Layers returns the target and the current layer (-1: none).
func (d *Down) Layers() (target, current int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.target, d.current
}

// Track is the local track added to the subscriber's PeerConnection.
func (d *Down) Track() *webrtc.TrackLocalStaticRTP { return d.track }

// Sender is the RTPSender carrying Track.
func (d *Down) Sender() *webrtc.RTPSender { return d.sender }

// write is called by every layer's Up.Run for every packet; p is shared
// with the other Downs and must not be modified. key says p starts a
// keyframe, now is its arrival in unix nanoseconds.
func (d *Down) write(u *Up, p *rtp.Packet, key bool, now int64) {
	d.mu.Lock()
	if u.layer != d.current {
		if u.layer != d.target {
			d.mu.Unlock()
			return
		}
		if !key {
			d.mu.Unlock()
			// Waiting for a keyframe of the target; the request may have
			// been throttled or lost, so ask again (throttled per layer).
			u.RequestKeyframe()
			return
		}
		d.rw.Switch(u.layer, p.SequenceNumber, p.Timestamp, now, d.clockRate)
		d.current = u.layer
		d.switches.Add(1)
	}
	seq, ts, ok := d.rw.Map(p.SequenceNumber, p.Timestamp, now)
	if !ok {
		d.mu.Unlock()
		return
	}
	d.out.Header = p.Header
	d.out.SequenceNumber, d.out.Timestamp = seq, ts
	d.out.Payload = p.Payload
	// Errors mean the subscriber's transport is closing; its teardown
	// closes this Down, so there is nothing useful to do here.
	err := d.track.WriteRTP(&d.out)
	d.out.Payload = nil
	d.mu.Unlock()
	if err == nil {
		d.forwarded.Add(1)
	}
}

// Run reads the subscriber's RTCP for this track until the sender stops
// (RemoveTrack or PeerConnection close): NACKs are answered from the packet
// cache of the layer each packet came from, PLI and FIR become throttled
// keyframe requests for the layer being forwarded, and REMB estimates go to
// DownConfig.Estimate. Pion's interceptors have already consumed receiver
// reports and TWCC feedback.
func (d *Down) Run() {
	buf := make([]byte, packetcache.MaxPacket)
	for {
		pkts, _, err := d.sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.TransportLayerNack:
				for _, pair := range p.Nacks {
					for _, seq := range pair.PacketList() {
						d.retransmit(seq, buf)
					}
				}
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				d.RequestKeyframe()
			case *rtcp.ReceiverEstimatedMaximumBitrate:
				if d.estimate != nil && p.Bitrate > 0 {
					d.estimate(uint64(p.Bitrate))
				}
			}
		}
	}
}

// RequestKeyframe asks the publisher for a keyframe of the layer this
// subscriber is switching to, or else of the one it is receiving (see
// keyframe.go for the throttle).
func (d *Down) RequestKeyframe() {
	d.mu.Lock()
	l := d.target
	if l < 0 {
		l = d.current
	}
	var up *Up
	if l >= 0 {
		up = d.layers[l]
	}
	d.mu.Unlock()
	if up != nil {
		up.RequestKeyframe()
	}
}

func (d *Down) retransmit(seq uint16, buf []byte) {
	d.mu.Lock()
	layer, src, tsOff, ok := d.rw.Lookup(seq)
	var up *Up
	if ok {
		up = d.layers[layer]
	}
	d.mu.Unlock()
	n := 0
	if up != nil {
		n = up.cache.Get(src, buf)
	}
	if n == 0 {
		d.nackMisses.Add(1)
		return
	}
	var p rtp.Packet
	if p.Unmarshal(buf[:n]) != nil {
		return
	}
	stripExtensions(&p.Header)
	// The repair carries the number the subscriber knows it by, on the
	// media SSRC: without RTX negotiated, that is how a receiver
	// recognises it.
	p.SequenceNumber = seq
	p.Timestamp += tsOff
	// Counted before the write, so whoever holds the repaired packet can
	// never read a smaller count; undone if the write fails.
	d.retransmitted.Add(1)
	if d.track.WriteRTP(&p) != nil {
		d.retransmitted.Add(^uint64(0))
	}
}

// Stats is a snapshot of a Down's counters.
type Stats struct {
	Forwarded     uint64 // packets written in order
	Retransmitted uint64 // packets re-sent from the cache for a NACK
	NACKMisses    uint64 // NACKed packets no longer (or never) in the cache
	Switches      uint64 // layer switches, the first start included
}

// Stats returns the Down's counters; safe to call at any time.
func (d *Down) Stats() Stats {
	return Stats{
		Forwarded:     d.forwarded.Load(),
		Retransmitted: d.retransmitted.Load(),
		NACKMisses:    d.nackMisses.Load(),
		Switches:      d.switches.Load(),
	}
}
