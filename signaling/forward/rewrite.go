package forward

// Sequence number and timestamp rewriting. A subscriber's decoder sees one
// RTP stream per track, but with simulcast the packets come from whichever
// layer is selected, and each layer has its own sequence numbers and its own
// random timestamp base. A Rewriter splices the layers into one stream:
//
//   - a layer switch happens only at a keyframe of the new layer; its first
//     packet gets the sequence number after the last one sent, so the
//     subscriber sees neither a gap (which it would NACK) nor a duplicate;
//   - its timestamp is the last one sent plus the wall-clock time since then,
//     in the codec's clock, so timestamps keep rising at the pace of capture;
//   - within a layer, offsets are constant, so reordering and loss pass
//     through unchanged and the subscriber's NACKs still mean something;
//   - the last few switch points are remembered, so a NACKed outgoing
//     sequence number maps back to the layer and sequence number it came
//     from, and the repair is served from that layer's packet cache.
//
// The first segment keeps the source's numbers (offset 0), so a track that
// never switches is forwarded exactly as before.

// rewriteHistory is how many segments (stretches between two switches) a
// Rewriter remembers for NACK mapping. Switches are seconds apart, NACKs
// are for the last ~2 s, so a handful is plenty.
const rewriteHistory = 8

type segment struct {
	outStart uint16 // first outgoing sequence number of the segment
	srcStart uint16 // its source sequence number
	layer    int
	seqOff   uint16 // out = src + seqOff
	tsOff    uint32 // out = src + tsOff
}

// Rewriter maps packets of several source layers onto one outgoing stream.
// The zero value is ready; it is not safe for concurrent use (Down guards
// it with its mutex) and never allocates.
type Rewriter struct {
	started bool
	lastSeq uint16 // newest outgoing sequence number
	lastTS  uint32 // its timestamp
	lastAt  int64  // when it was sent, unix nanoseconds

	segs [rewriteHistory]segment
	head int // index of the current segment in segs
	n    int // segments in use
}

// Layer is the layer of the current segment; it is meaningful once a
// Switch has happened.
func (r *Rewriter) Layer() int { return r.segs[r.head].layer }

// Switch starts a new segment: the packet (seq, ts) of layer, arriving at
// now (unix nanoseconds), becomes the next outgoing packet. clockRate is the
// codec's RTP clock in Hz. Call Map for that packet afterwards as for any
// other.
func (r *Rewriter) Switch(layer int, seq uint16, ts uint32, now int64, clockRate uint32) {
	s := segment{layer: layer, srcStart: seq, outStart: seq}
	if r.started {
		s.outStart = r.lastSeq + 1
		s.seqOff = s.outStart - seq
		elapsed := uint32(1)
		if now > r.lastAt {
			// 64-bit arithmetic: nanoseconds times 90 kHz overflows 32 bits
			// after 47 ms.
			if e := uint64(now-r.lastAt) * uint64(clockRate) / 1e9; e > 1 {
				elapsed = uint32(min(e, 1<<30))
			}
		}
		s.tsOff = r.lastTS + elapsed - ts
		r.head = (r.head + 1) % rewriteHistory
	}
	r.segs[r.head] = s
	r.n = min(r.n+1, rewriteHistory)
	if !r.started {
		r.started = true
		r.lastSeq = seq - 1
		r.lastTS = ts
		r.lastAt = now
	}
}

// Map rewrites a packet of the current layer. It reports false for a packet
// from before the switch (a late packet of the new layer that the
// subscriber never had a place for), which must be dropped.
func (r *Rewriter) Map(seq uint16, ts uint32, now int64) (outSeq uint16, outTS uint32, ok bool) {
	s := &r.segs[r.head]
	if !r.started || int16(seq-s.srcStart) < 0 {
		return 0, 0, false
	}
	outSeq, outTS = seq+s.seqOff, ts+s.tsOff
	if int16(outSeq-r.lastSeq) > 0 {
		r.lastSeq, r.lastTS, r.lastAt = outSeq, outTS, now
	}
	return outSeq, outTS, true
}

// Lookup maps an outgoing sequence number back to its source: the layer,
// the layer's sequence number and the timestamp offset to apply to the
// cached packet. It reports false for numbers not yet sent or older than
// the remembered segments.
func (r *Rewriter) Lookup(out uint16) (layer int, src uint16, tsOff uint32, ok bool) {
	if !r.started || int16(out-r.lastSeq) > 0 {
		return 0, 0, 0, false
	}
	// Newest segment first: the first one that starts at or before out
	// holds it, as segments cover consecutive ranges of outgoing numbers.
	for k := range r.n {
		s := &r.segs[(r.head-k+rewriteHistory)%rewriteHistory]
		if int16(out-s.outStart) >= 0 {
			return s.layer, out - s.seqOff, s.tsOff, true
		}
	}
	return 0, 0, 0, false
}
