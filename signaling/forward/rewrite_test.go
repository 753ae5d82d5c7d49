package forward

import (
	"testing"
	"time"
)

func TestRewriterSplicesLayers(t *testing.T) {
	var r Rewriter
	const clock = 90000
	ms := int64(time.Millisecond)
	now := int64(1_000_000) * ms

	// Layer 2 (high) from seq 1000 / ts 50000: passed through unchanged.
	r.Switch(2, 1000, 50000, now, clock)
	for i := uint16(0); i < 5; i++ {
		seq, ts, ok := r.Map(1000+i, 50000+uint32(i)*3000, now+int64(i)*33*ms)
		if !ok || seq != 1000+i || ts != 50000+uint32(i)*3000 {
			t.Fatalf("first segment packet %d = %d/%d/%v, want unchanged", i, seq, ts, ok)
		}
	}
	lastTS := uint32(50000 + 4*3000)
	at := now + 4*33*ms

	// Switch to layer 0 (low), whose numbers are unrelated, 40 ms later.
	r.Switch(0, 7, 4_000_000_000, at+40*ms, clock)
	seq, ts, ok := r.Map(7, 4_000_000_000, at+40*ms)
	if !ok || seq != 1005 {
		t.Fatalf("first packet after the switch = seq %d (ok %v), want 1005: no gap, no duplicate", seq, ok)
	}
	if want := lastTS + 40*90; ts != want {
		t.Fatalf("first timestamp after the switch = %d, want %d (40 ms later at 90 kHz)", ts, want)
	}
	// A late packet of layer 0 from before the switch is dropped.
	if _, _, ok := r.Map(6, 3_999_997_000, at+41*ms); ok {
		t.Fatal("packet from before the switch was mapped")
	}
	// Reordering within the layer passes through; wrap of the source
	// sequence numbers too.
	if seq, _, _ := r.Map(9, 4_000_003_000, at+80*ms); seq != 1007 {
		t.Fatalf("seq 9 -> %d, want 1007", seq)
	}
	if seq, _, _ := r.Map(8, 4_000_003_000, at+81*ms); seq != 1006 {
		t.Fatalf("reordered seq 8 -> %d, want 1006", seq)
	}
	if r.Layer() != 0 {
		t.Fatalf("Layer() = %d, want 0", r.Layer())
	}

	// Back to layer 2 at a source seq near the wrap; the timestamp keeps
	// rising even if no time passed (at least one tick).
	r.Switch(2, 65535, 10, at+81*ms, clock)
	seq, ts2, _ := r.Map(65535, 10, at+81*ms)
	if seq != 1008 {
		t.Fatalf("after second switch seq = %d, want 1008", seq)
	}
	if int32(ts2-(lastTS+40*90+3000)) <= 0 {
		t.Fatalf("timestamp went backwards across the switch: %d", ts2)
	}
	if seq, _, _ := r.Map(0, 3010, at+100*ms); seq != 1009 {
		t.Fatalf("source wrap: seq 0 -> %d, want 1009", seq)
	}

	// NACK mapping: every outgoing number goes back to its layer and
	// source number; unsent or unknown numbers miss.
	for _, c := range []struct {
		out   uint16
		layer int
		src   uint16
	}{{1000, 2, 1000}, {1004, 2, 1004}, {1005, 0, 7}, {1007, 0, 9}, {1008, 2, 65535}, {1009, 2, 0}} {
		layer, src, _, ok := r.Lookup(c.out)
		if !ok || layer != c.layer || src != c.src {
			t.Errorf("Lookup(%d) = layer %d seq %d ok %v, want layer %d seq %d", c.out, layer, src, ok, c.layer, c.src)
		}
	}
	_, _, tsOff, _ := r.Lookup(1005)
	if 4_000_000_000+tsOff != lastTS+40*90 {
		t.Errorf("Lookup(1005) timestamp offset maps the source timestamp to %d, want %d", 4_000_000_000+tsOff, lastTS+40*90)
	}
	for _, out := range []uint16{1010, 999, 500} {
		if _, _, _, ok := r.Lookup(out); ok {
			t.Errorf("Lookup(%d) succeeded for a number never sent", out)
		}
	}
}

func TestRewriterForgetsOldSegments(t *testing.T) {
	var r Rewriter
	r.Switch(0, 100, 0, 0, 90000)
	r.Map(100, 0, 0)
	for i := range rewriteHistory {
		r.Switch(i%3, uint16(i*1000), 0, int64(i+1)*int64(time.Millisecond), 90000)
		r.Map(uint16(i*1000), 0, int64(i+1)*int64(time.Millisecond))
	}
	if _, _, _, ok := r.Lookup(100); ok {
		t.Fatal("a packet from a forgotten segment was mapped")
	}
	if _, src, _, ok := r.Lookup(100 + rewriteHistory); !ok || src != uint16((rewriteHistory-1)*1000) {
		t.Fatalf("newest packet maps to %d ok %v", src, ok)
	}
}

func BenchmarkRewriterMap(b *testing.B) {
	var r Rewriter
	r.Switch(0, 0, 0, 0, 90000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.Map(uint16(i), uint32(i)*3000, int64(i))
	}
}
