package forward

import (
	"sync/atomic"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/lianxin-hub/lianxin/signaling/packetcache"
)

// Down is one subscriber's copy of an Up: the local track added to the
// subscriber's PeerConnection and the RTCP that comes back on its sender.
//
// Each Down has its own TrackLocalStaticRTP, bound to exactly one
// PeerConnection, so a retransmission reaches only the subscriber that asked.
// Pion rewrites SSRC and payload type to what that subscriber negotiated;
// sequence numbers and timestamps pass through unchanged (no layer switching
// yet, so nothing needs rewriting).
type Down struct {
	up     *Up
	track  *webrtc.TrackLocalStaticRTP
	sender *webrtc.RTPSender

	forwarded     atomic.Uint64
	retransmitted atomic.Uint64
	nackMisses    atomic.Uint64
}

// NewDown ties a subscriber's local track and its sender to up; start Run
// to serve its RTCP, then up.Add to start forwarding.
func NewDown(up *Up, track *webrtc.TrackLocalStaticRTP, sender *webrtc.RTPSender) *Down {
	return &Down{up: up, track: track, sender: sender}
}

// Up is the published track this Down copies.
func (d *Down) Up() *Up { return d.up }

// Track is the local track added to the subscriber's PeerConnection.
func (d *Down) Track() *webrtc.TrackLocalStaticRTP { return d.track }

// Sender is the RTPSender carrying Track.
func (d *Down) Sender() *webrtc.RTPSender { return d.sender }

func (d *Down) write(p *rtp.Packet) {
	// Errors mean the subscriber's transport is closing; its teardown
	// removes this Down, so there is nothing useful to do here.
	if d.track.WriteRTP(p) == nil {
		d.forwarded.Add(1)
	}
}

// Run reads the subscriber's RTCP for this track until the sender stops
// (RemoveTrack or PeerConnection close): NACKs are answered from the Up's
// packet cache, PLI and FIR become throttled keyframe requests. Pion's
// interceptors have already consumed receiver reports and TWCC feedback.
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
				d.up.RequestKeyframe() // see keyframe.go

			}
		}
	}
}

func (d *Down) retransmit(seq uint16, buf []byte) {
	n := d.up.cache.Get(seq, buf)
	if n == 0 {
		d.nackMisses.Add(1)
		return
	}
	var p rtp.Packet
	if p.Unmarshal(buf[:n]) != nil {
		return
	}
	stripExtensions(&p.Header)
	// Counted before the write, so whoever holds the repaired packet can
	// never read a smaller count; undone if the write fails.
	d.retransmitted.Add(1)
	// Same SSRC and sequence number as the original: without RTX
	// negotiated, that is how a receiver recognises the repair.
	if d.track.WriteRTP(&p) != nil {
		d.retransmitted.Add(^uint64(0))
	}
}

// Stats is a snapshot of a Down's counters.
type Stats struct {
	Forwarded     uint64 // packets written in order
	Retransmitted uint64 // packets re-sent from the cache for a NACK
	NACKMisses    uint64 // NACKed packets no longer (or never) in the cache
}

// Stats returns the Down's counters; safe to call at any time.
func (d *Down) Stats() Stats {
	return Stats{
		Forwarded:     d.forwarded.Load(),
		Retransmitted: d.retransmitted.Load(),
		NACKMisses:    d.nackMisses.Load(),
	}
}
