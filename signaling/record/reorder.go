package record

import "github.com/pion/rtp"

// reorderWindow is how many packets may wait behind a missing one. A NACK
// repair arrives within a round trip or two, far fewer packets than this at
// any bitrate we carry; beyond it the missing packet counts as lost.
const reorderWindow = 256

// reorder puts RTP packets back in sequence order before they reach the
// Pion writers, which expect order (the IVF writer joins a frame's packets
// as they come). Duplicates and packets older than what has been emitted
// are dropped. Not safe for concurrent use.
type reorder struct {
	started bool
	next    uint16 // sequence number to emit next
	held    int
	slots   [reorderWindow]*rtp.Packet
}

// push takes p and emits every packet now in order; it returns how many
// sequence numbers were given up as lost to make room.
func (r *reorder) push(p *rtp.Packet, emit func(*rtp.Packet)) (lost uint64) {
	seq := p.SequenceNumber
	if !r.started {
		r.started, r.next = true, seq
	}
	if seq-r.next >= 1<<15 { // modular distance: behind r.next
		return 0 // older than what was emitted, or a duplicate of it
	}
	for d := seq - r.next; d >= reorderWindow && d < 1<<15; d = seq - r.next {
		lost += r.skip(emit) // too far ahead: give up the oldest
	}
	slot := &r.slots[seq%reorderWindow]
	if *slot != nil {
		return lost // duplicate
	}
	*slot = p
	r.held++
	r.drain(emit)
	return lost
}

// skip moves past r.next, emitting it if held, and reports whether it was
// missing.
func (r *reorder) skip(emit func(*rtp.Packet)) uint64 {
	slot := &r.slots[r.next%reorderWindow]
	r.next++
	if *slot == nil {
		r.drain(emit)
		return 1
	}
	emit(*slot)
	*slot = nil
	r.held--
	r.drain(emit)
	return 0
}

func (r *reorder) drain(emit func(*rtp.Packet)) {
	for {
		slot := &r.slots[r.next%reorderWindow]
		if *slot == nil {
			return
		}
		emit(*slot)
		*slot = nil
		r.held--
		r.next++
	}
}

// flush emits everything held, in order, skipping the gaps.
func (r *reorder) flush(emit func(*rtp.Packet)) {
	for i := 0; r.held > 0 && i < reorderWindow; i++ {
		r.skip(emit)
	}
}
