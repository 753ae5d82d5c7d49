package forward

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

func TestThrottleSpacing(t *testing.T) {
	th := Throttle{Interval: 500 * time.Millisecond}
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	steps := []struct {
		at   time.Duration
		want bool
	}{
		{0, true},
		{1 * time.Millisecond, false},
		{499 * time.Millisecond, false},
		{500 * time.Millisecond, true}, // exactly one interval later
		{600 * time.Millisecond, false},
		{999 * time.Millisecond, false},
		{3 * time.Second, true},
	}
	for _, s := range steps {
		if got := th.Allow(t0.Add(s.at)); got != s.want {
			t.Errorf("Allow(+%v) = %v, want %v", s.at, got, s.want)
		}
	}
}

func TestThrottleConcurrentBurstAllowsOne(t *testing.T) {
	th := Throttle{Interval: time.Second}
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			if th.Allow(now) {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != 1 {
		t.Fatalf("%d of a concurrent burst allowed, want 1", n)
	}
}

// fakeClock is advanced by hand, so throttling is tested without sleeping.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestUpRequestKeyframe(t *testing.T) {
	clock := &fakeClock{now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	var sent []uint32
	newUp := func(kind webrtc.RTPCodecType) *Up {
		return NewUp(nil, UpConfig{Kind: kind, SSRC: 0xfeed, Now: clock.Now,
			SendPLI: func(ssrc uint32) error { sent = append(sent, ssrc); return nil }})
	}

	video := newUp(webrtc.RTPCodecTypeVideo)
	if !video.RequestKeyframe() {
		t.Fatal("first request was throttled")
	}
	for range 10 {
		if video.RequestKeyframe() {
			t.Fatal("a burst inside the interval got through")
		}
	}
	clock.Advance(DefaultKeyframeInterval)
	if !video.RequestKeyframe() {
		t.Fatal("request one interval later was throttled")
	}
	if len(sent) != 2 || sent[0] != 0xfeed || video.KeyframeRequests() != 2 {
		t.Fatalf("PLIs sent = %x (count %d), want two for ssrc feed", sent, video.KeyframeRequests())
	}

	clock.Advance(time.Hour)
	video.Close()
	if video.RequestKeyframe() {
		t.Fatal("a closed Up sent a PLI")
	}
	if newUp(webrtc.RTPCodecTypeAudio).RequestKeyframe() {
		t.Fatal("an audio Up sent a PLI")
	}
	if len(sent) != 2 {
		t.Fatalf("PLIs sent = %d, want 2", len(sent))
	}
}

// Add on a closed Up fails, so a subscriber racing an unpublish is not left
// with a dead Down.
func TestUpAddAfterClose(t *testing.T) {
	up := NewUp(nil, UpConfig{Kind: webrtc.RTPCodecTypeAudio})
	d := NewDown(nil, nil, DownConfig{})
	if !up.Add(d) {
		t.Fatal("Add on an open Up failed")
	}
	up.Remove(d)
	up.Remove(d) // absent: no-op
	up.Close()
	if up.Add(d) {
		t.Fatal("Add after Close succeeded")
	}
}
