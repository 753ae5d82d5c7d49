package sfubench

import (
	"encoding/binary"
	"sync/atomic"

	"github.com/pion/rtp/codecs"
)

// Counter counts one received RTP stream: packets, and the highest sequence
// number extended over wrap-arounds, so loss over a window is the growth of
// the one minus the growth of the other. One goroutine calls Add; Snapshot
// is safe from any other.
type Counter struct {
	packets atomic.Uint64
	highest atomic.Uint64 // extended sequence number; 0 = none yet
	started bool
	cycles  uint64
	last    uint16
}

// Add records a packet's sequence number.
func (c *Counter) Add(seq uint16) {
	if !c.started {
		c.started, c.last = true, seq
		c.highest.Store(1<<16 + uint64(seq)) // offset so 0 means "nothing yet"
		c.packets.Add(1)
		return
	}
	diff := int16(seq - c.last)
	if diff > 0 {
		if seq < c.last {
			c.cycles += 1 << 16
		}
		c.last = seq
		c.highest.Store(1<<16 + c.cycles + uint64(seq))
	}
	c.packets.Add(1)
}

// CounterSnapshot is a Counter at one instant.
type CounterSnapshot struct{ Packets, Highest uint64 }

// Snapshot reads the counter.
func (c *Counter) Snapshot() CounterSnapshot {
	return CounterSnapshot{Packets: c.packets.Load(), Highest: c.highest.Load()}
}

// Window is what a stream received between two snapshots.
type Window struct {
	Received uint64 // packets that arrived
	Expected uint64 // sequence numbers that went by
}

// Between returns the window from a to b (b taken later).
func Between(a, b CounterSnapshot) Window {
	w := Window{Received: b.Packets - a.Packets}
	if a.Highest != 0 {
		w.Expected = b.Highest - a.Highest
	} else if b.Highest != 0 {
		w.Expected = w.Received
	}
	return w
}

// Lost is the share of expected packets that did not arrive (0 when more
// arrived than expected, e.g. duplicates).
func (w Window) Lost() float64 {
	if w.Expected == 0 || w.Received >= w.Expected {
		return 0
	}
	return float64(w.Expected-w.Received) / float64(w.Expected)
}

// seqOf reads the sequence number of a raw RTP packet; ok is false for a
// runt.
func seqOf(b []byte) (seq uint16, ok bool) {
	if len(b) < 12 {
		return 0, false
	}
	return binary.BigEndian.Uint16(b[2:4]), true
}

// FrameAssembler finds the first complete VP8 keyframe in a packet stream:
// a packet that starts partition 0 of a keyframe, then every following
// sequence number up to the one with the marker bit. Frames are not decoded
// (there is no VP8 decoder in Go); this is the instant a browser's decoder
// has everything it needs to show the first picture.
type FrameAssembler struct {
	inFrame bool
	next    uint16
}

// Add takes one packet and reports whether it completed a keyframe.
func (f *FrameAssembler) Add(seq uint16, marker bool, payload []byte) bool {
	var vp8 codecs.VP8Packet
	frame, err := vp8.Unmarshal(payload)
	if err != nil {
		f.inFrame = false
		return false
	}
	if vp8.S == 1 && vp8.PID == 0 {
		f.inFrame = len(frame) > 0 && frame[0]&0x01 == 0 // P bit clear: a keyframe
	} else if !f.inFrame || seq != f.next {
		f.inFrame = false // a gap, or the middle of a frame we did not start
		return false
	}
	f.next = seq + 1
	if f.inFrame && marker {
		f.inFrame = false
		return true
	}
	return false
}
