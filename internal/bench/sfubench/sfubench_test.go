package sfubench

import (
	"context"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// The counter extends sequence numbers over the 16-bit wrap, so a window's
// loss is right across it; reordered and duplicate packets do not count as
// loss.
func TestSfuCounterLossAcrossWrap(t *testing.T) {
	var c Counter
	for s := 65530; s < 65536; s++ {
		c.Add(uint16(s))
	}
	a := c.Snapshot()
	// 0..9 after the wrap, with 3 and 7 missing and 5 arriving late.
	for _, s := range []uint16{0, 1, 2, 4, 6, 5, 8, 9} {
		c.Add(s)
	}
	w := Between(a, c.Snapshot())
	if w.Expected != 10 || w.Received != 8 {
		t.Fatalf("window %+v, want 10 expected, 8 received", w)
	}
	if l := w.Lost(); l < 0.199 || l > 0.201 {
		t.Fatalf("lost %.3f, want 0.2", l)
	}
	c.Add(9) // a duplicate
	if w := Between(a, c.Snapshot()); w.Lost() > 0.11 {
		t.Fatalf("a duplicate raised the loss: %+v", w)
	}
	if w := Between(CounterSnapshot{}, CounterSnapshot{}); w.Expected != 0 || w.Lost() != 0 {
		t.Fatalf("empty window %+v", w)
	}
}

// The stream has the shape the report promises, and the assembler finds a
// whole keyframe in it only from a keyframe's first packet to its marker,
// and never across a gap.
func TestSfuStreamAndFrameAssembler(t *testing.T) {
	s := NewStream(Layers(1))
	if pps := s.PacketsPerSecond(); pps < 300 || pps > 380 {
		t.Fatalf("%.0f packets/s, want about 340 for 2.5 Mbit/s VP8 and Opus", pps)
	}
	type pkt struct {
		seq    uint16
		marker bool
		data   []byte
	}
	var video []pkt
	var videoBytes, audio int
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	s.Run(ctx, func(kind int, p *rtp.Packet) {
		if len(p.Payload) > MaxVideoPayload {
			t.Errorf("payload of %d bytes", len(p.Payload))
		}
		if kind == KindAudio {
			audio++
			return
		}
		videoBytes += len(p.Payload)
		video = append(video, pkt{p.SequenceNumber, p.Marker, append([]byte(nil), p.Payload...)})
	})
	if audio < 10 || len(video) < 50 {
		t.Fatalf("%d audio and %d video packets in 400 ms", audio, len(video))
	}
	// The first frame is a keyframe: whole at its marker, not before.
	var fa FrameAssembler
	first := 0
	for i, p := range video {
		if done := fa.Add(p.seq, p.marker, p.data); done != p.marker {
			t.Fatalf("packet %d (marker %v): complete = %v", i, p.marker, done)
		}
		if p.marker {
			if i < 20 {
				t.Fatalf("keyframe of %d packets; want a keyframe several times a delta frame", i+1)
			}
			first = i + 1
			break
		}
	}
	// Delta frames never complete a keyframe.
	for _, p := range video[first:] {
		if fa.Add(p.seq, p.marker, p.data) {
			t.Fatal("a delta frame was taken for a keyframe")
		}
	}
	// A keyframe with a lost packet is not whole; the next one is.
	s.RequestKeyframe()
	var key []pkt
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	s.Run(ctx2, func(kind int, p *rtp.Packet) {
		if kind != KindAudio {
			key = append(key, pkt{p.SequenceNumber, p.Marker, append([]byte(nil), p.Payload...)})
		}
	})
	end := 0
	for !key[end].marker {
		end++
	}
	var fb FrameAssembler
	for i, p := range key[:end+1] {
		if i == 3 {
			continue // lost
		}
		if fb.Add(p.seq, p.marker, p.data) {
			t.Fatal("a keyframe with a gap was complete")
		}
	}
	var fc FrameAssembler
	for _, p := range key[:end+1] {
		if fc.Add(p.seq, p.marker, p.data) {
			return
		}
	}
	t.Fatal("the keyframe sent after RequestKeyframe was not complete")
}
