package forward

import (
	"testing"
	"time"
)

func TestSelectorDropsFastClimbsSlowly(t *testing.T) {
	layers := []LayerState{{Active: true, Bitrate: 100_000}, {Active: true, Bitrate: 300_000}, {Active: true, Bitrate: 1_000_000}}
	s := Selector{UpHold: 2 * time.Second}
	t0 := time.Unix(1000, 0)
	step := func(at time.Duration, want int, budget uint64, wantLayer int, wantLimited bool) {
		t.Helper()
		l, lim := s.Choose(t0.Add(at), want, budget, layers)
		if l != wantLayer || lim != wantLimited {
			t.Fatalf("at %v want=%d budget=%d: layer %d limited %v, want %d %v", at, want, budget, l, lim, wantLayer, wantLimited)
		}
	}
	step(0, 2, 0, 2, false)                             // no estimate: what was asked
	step(time.Second, 2, 2_000_000, 2, false)           // fits
	step(2*time.Second, 2, 400_000, 1, true)            // collapse: down at once
	step(2500*time.Millisecond, 2, 120_000, 0, true)    // lowest
	step(3*time.Second, 2, 50_000, -1, true)            // audio only
	step(4*time.Second, 2, 50_000, -1, true)            // stays
	step(5*time.Second, 2, 2_000_000, -1, true)         // recovery starts the hold
	step(6*time.Second, 2, 2_000_000, -1, true)         // still holding
	step(7*time.Second, 2, 2_000_000, 2, false)         // held 2 s: climb
	step(8*time.Second, 2, 1_100_000, 2, false)         // fits without headroom: stays
	step(9*time.Second, 0, 1_100_000, 0, false)         // asked for low: at once
	step(9500*time.Millisecond, 2, 1_100_000, 2, false) // asked for high again: at once
	// A recovery that dips during the hold restarts it.
	step(10*time.Second, 2, 200_000, 0, true)
	step(11*time.Second, 2, 2_000_000, 0, true)
	step(12*time.Second, 2, 200_000, 0, true)
	step(13*time.Second, 2, 2_000_000, 0, true)
	step(14*time.Second, 2, 2_000_000, 0, true)
	step(15*time.Second, 2, 2_000_000, 2, false)
}

// A video paused for bandwidth comes back at its lowest layer after
// ProbeAfter and keeps it for ProbeFor whatever the estimate, so a receiver's
// estimate (which grows only with what arrives) can rise; if it does not,
// the video pauses again, and probes again ProbeAfter later.
func TestSelectorProbesAPausedVideo(t *testing.T) {
	layers := []LayerState{{Active: true, Bitrate: 100_000}, {Active: true, Bitrate: 300_000}, {Active: true, Bitrate: 1_000_000}}
	s := Selector{UpHold: 2 * time.Second}
	t0 := time.Unix(1000, 0)
	step := func(at time.Duration, budget uint64, wantLayer int) {
		t.Helper()
		if l, _ := s.Choose(t0.Add(at), 2, budget, layers); l != wantLayer {
			t.Fatalf("at %v budget=%d: layer %d, want %d", at, budget, l, wantLayer)
		}
	}
	step(0, 2_000_000, 2)
	step(time.Second, 60_000, -1) // paused
	step(time.Second+ProbeAfter-time.Millisecond, 60_000, -1)
	step(time.Second+ProbeAfter, 60_000, 0) // probe: lowest layer despite the estimate
	step(time.Second+ProbeAfter+ProbeFor-time.Millisecond, 60_000, 0)
	step(time.Second+ProbeAfter+ProbeFor, 60_000, -1)  // the estimate did not grow: paused again
	step(time.Second+2*ProbeAfter+ProbeFor, 60_000, 0) // and probes again
	// This time the link has recovered: the estimate grows while probing, and
	// the video climbs after the hold.
	base := time.Second + 2*ProbeAfter + ProbeFor
	step(base+time.Second, 2_000_000, 0)
	step(base+2*time.Second, 2_000_000, 0)
	step(base+3*time.Second, 2_000_000, 2)
	step(base+10*time.Second, 2_000_000, 2)
}

func TestSelectorFollowsActiveLayers(t *testing.T) {
	var s Selector
	now := time.Unix(1, 0)
	// A non-simulcast track has only the top slot: low still gets it.
	single := []LayerState{{}, {}, {Active: true, Bitrate: 500_000}}
	if l, _ := s.Choose(now, 0, 0, single); l != 2 {
		t.Fatalf("low on a single-layer track = %d, want 2", l)
	}
	if l, lim := s.Choose(now, 2, 100_000, single); l != -1 || !lim {
		t.Fatalf("single layer over budget = %d %v, want audio only, limited", l, lim)
	}
	// The top layer stops (publisher's uplink is weak): the next one down.
	var s2 Selector
	three := []LayerState{{Active: true, Bitrate: 1}, {Active: true, Bitrate: 1}, {Active: true, Bitrate: 1}}
	if l, _ := s2.Choose(now, 2, 0, three); l != 2 {
		t.Fatalf("got %d, want 2", l)
	}
	three[2].Active = false
	if l, _ := s2.Choose(now, 2, 0, three); l != 1 {
		t.Fatalf("after the top layer stopped: %d, want 1", l)
	}
	three[2].Active = true
	if l, _ := s2.Choose(now, 2, 0, three); l != 2 {
		t.Fatalf("after the top layer came back: %d, want 2", l)
	}
	if l, _ := s2.Choose(now, 2, 0, []LayerState{{}, {}, {}}); l != -1 {
		t.Fatalf("no active layer: %d, want -1", l)
	}
}

func TestLayerForSize(t *testing.T) {
	layers := []LayerState{{Active: true, Width: 320, Height: 180}, {Active: true, Width: 640, Height: 360}, {Active: true, Width: 1280, Height: 720}}
	for _, c := range []struct{ w, h, want int }{
		{0, 0, 2}, {160, 90, 0}, {320, 180, 0}, {321, 100, 1}, {300, 200, 1}, {1280, 720, 2}, {1920, 1080, 2},
	} {
		if got := LayerForSize(layers, c.w, c.h); got != c.want {
			t.Errorf("LayerForSize(%dx%d) = %d, want %d", c.w, c.h, got, c.want)
		}
	}
	layers[0].Active = false
	if got := LayerForSize(layers, 160, 90); got != 1 {
		t.Errorf("with the low layer stopped: %d, want 1", got)
	}
	if got := LayerForSize([]LayerState{{Active: true}, {}, {}}, 100, 100); got != 2 {
		t.Errorf("sizes unknown: %d, want no cap", got)
	}
}
