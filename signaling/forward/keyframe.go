package forward

// Keyframe policy. A subscriber that cannot decode (it joined mid-stream, or
// lost a packet NACK could not repair) sends PLI or FIR; the SFU cannot make
// a keyframe itself, so it asks the publisher with a PLI. FIR becomes PLI
// too: both mean "send a keyframe", and every publisher we accept (browsers,
// Pion, OBS through WHIP later) honours PLI, while FIR's sequence-number
// bookkeeping would be ours to get right. Requests are throttled per
// published track, not per subscriber: in a lecture, two hundred viewers
// recovering from the same burst loss must cost the presenter's uplink one
// keyframe, not two hundred. A new subscriber also triggers a request, so
// it need not wait for the publisher's periodic keyframe.

import (
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
)

// DefaultKeyframeInterval is the least time between two keyframe requests
// sent to one publisher track. A keyframe costs several times a delta frame;
// on a rural uplink, a storm of requests from many subscribers must collapse
// into one.
const DefaultKeyframeInterval = 500 * time.Millisecond

// Throttle lets one event through per Interval. The zero value with a
// positive Interval is ready to use; it is safe for concurrent use and never
// blocks.
type Throttle struct {
	// Interval is the minimum spacing between allowed events.
	Interval time.Duration

	last atomic.Int64 // unix nanoseconds of the last allowed event; 0 = never
}

// Allow reports whether an event at now may pass, and if so records it. Of
// concurrent callers inside one interval exactly one is allowed.
func (t *Throttle) Allow(now time.Time) bool {
	n := now.UnixNano()
	for {
		last := t.last.Load()
		if last != 0 && n-last < int64(t.Interval) {
			return false
		}
		if t.last.CompareAndSwap(last, n) {
			return true
		}
	}
}

// RequestKeyframe sends a PLI to the publisher unless one was sent less than
// the keyframe interval ago; it reports whether a PLI was sent. Audio tracks
// and closed Ups never send.
func (u *Up) RequestKeyframe() bool {
	if u.kind != webrtc.RTPCodecTypeVideo {
		return false
	}
	u.mu.Lock()
	closed := u.closed
	u.mu.Unlock()
	if closed || !u.keyframes.Allow(u.now()) {
		return false
	}
	if err := u.sendPLI(u.ssrc); err != nil {
		return false
	}
	u.keyframeRequests.Add(1)
	return true
}

// KeyframeRequests counts the PLIs this Up has sent to the publisher.
func (u *Up) KeyframeRequests() uint64 { return u.keyframeRequests.Load() }
