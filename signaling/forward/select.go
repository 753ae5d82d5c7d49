package forward

import "time"

// Layer choice. Each subscriber's copy of a simulcast track forwards one
// layer, chosen from what the subscriber asked for and what its downlink can
// carry. The rules, in order:
//
//   - Only active layers count (the publisher is sending them; a browser
//     drops its top layer on a weak uplink or a small camera).
//   - The cap is the highest active layer at or below the requested one; if
//     the request is below every active layer (low on a non-simulcast track),
//     the lowest active layer.
//   - Down fast: when the current layer's bitrate no longer fits the budget,
//     drop at once to the highest layer that fits, or to none (audio only).
//   - Up slowly: a higher layer must fit with 25% headroom for UpHold
//     before the selector climbs to it, so a link that just recovered is not
//     flooded again, and an estimate hovering at a threshold does not make
//     the picture flap. A climb that bandwidth did not hold back (the
//     subscriber asked for more, or a layer appeared) happens at once.

// MaxLayers is the most simulcast layers a track has; layer 0 is the lowest.
const MaxLayers = 3

// DefaultUpHold is how long a higher layer must fit before a subscriber
// climbs to it.
const DefaultUpHold = 3 * time.Second

// A subscriber paused for bandwidth (audio only) gets its lowest layer again
// after ProbeAfter, for at least ProbeFor, whatever the estimate says: a
// receiver's estimate (REMB, like a sender's GCC) grows only with what it
// receives, up to about 1.5 times that, so a paused video would otherwise
// never see the estimate it needs to resume, even once the link recovered.
// If the link has not recovered, the probe ends and the video pauses again.
const (
	ProbeAfter = 8 * time.Second
	ProbeFor   = 4 * time.Second
)

// LayerState is what a Selector knows of one layer.
type LayerState struct {
	Active        bool
	Bitrate       uint64 // bits per second as received; 0 while still unmeasured
	Width, Height int    // picture size from the layer's last keyframe; 0 unknown
}

// LayerForSize returns the lowest active layer whose pictures are at least
// width x height, the size the subscriber renders the track at in device
// pixels: sending more pixels than are shown wastes the downlink and the
// decoder. It returns MaxLayers-1 (no cap) when the size is unknown (0) or
// no layer with a known size is large enough.
func LayerForSize(layers []LayerState, width, height int) int {
	if width <= 0 && height <= 0 {
		return MaxLayers - 1
	}
	for l, st := range layers {
		if st.Active && st.Width > 0 && st.Width >= width && st.Height >= height {
			return l
		}
	}
	return MaxLayers - 1
}

// Selector picks the layer for one subscriber's copy of one track. The zero
// value with UpHold set (0 means DefaultUpHold) is ready; it is not safe for
// concurrent use.
type Selector struct {
	UpHold time.Duration

	started bool
	current int       // -1: none fits, audio only
	since   time.Time // when a higher layer started to fit; zero if none does
	limited bool      // current is below the cap because of the budget

	pausedAt   time.Time // when the budget paused the video; zero unless paused
	probeUntil time.Time // the lowest layer is kept until then (a probe)
}

// Choose returns the layer to forward, or -1 for none, given the highest
// layer the subscriber asked for (want), its budget in bits per second (0:
// no estimate yet, no limit) and the layers' states. It also reports whether
// the budget is what keeps the choice below the cap. With no active layer it
// returns -1, not limited.
func (s *Selector) Choose(now time.Time, want int, budget uint64, layers []LayerState) (layer int, limited bool) {
	hold := s.UpHold
	if hold <= 0 {
		hold = DefaultUpHold
	}
	lowest, capLayer := -1, -1
	for l, st := range layers {
		if !st.Active {
			continue
		}
		if lowest < 0 {
			lowest = l
		}
		if l <= want {
			capLayer = l
		}
	}
	if capLayer < 0 {
		capLayer = lowest
	}
	if capLayer < 0 {
		s.started, s.current, s.since, s.limited = true, -1, time.Time{}, false
		return -1, false
	}
	// fit is the best layer the budget carries now, climb the best it
	// carries with headroom.
	fit, climb := -1, -1
	for l := 0; l <= capLayer; l++ {
		st := layers[l]
		if !st.Active {
			continue
		}
		if budget == 0 || st.Bitrate <= budget {
			fit = l
		}
		if budget == 0 || st.Bitrate+st.Bitrate/4 <= budget {
			climb = l
		}
	}
	currentOK := s.current >= 0 && s.current <= capLayer && layers[s.current].Active
	probing := currentOK && now.Before(s.probeUntil)
	switch {
	case probing && fit < s.current:
		// A probe keeps its layer for ProbeFor, so the estimate can grow.
	case !s.started || (!currentOK && s.current >= 0) || fit < s.current:
		// First choice, the current layer is gone or above the cap, or
		// it no longer fits: take what fits, now.
		s.started, s.current, s.since = true, fit, time.Time{}
	case max(climb, fit) > s.current && !s.limited:
		s.current, s.since = max(climb, fit), time.Time{}
	case climb > s.current:
		if s.since.IsZero() {
			s.since = now
		} else if now.Sub(s.since) >= hold {
			s.current, s.since = climb, time.Time{}
		}
	default:
		s.since = time.Time{}
	}
	s.limited = budget != 0 && s.current < capLayer
	switch {
	case s.current >= 0 || !s.limited:
		s.pausedAt = time.Time{}
	case s.pausedAt.IsZero():
		s.pausedAt = now
	case now.Sub(s.pausedAt) >= ProbeAfter:
		// Paused long enough: probe with the lowest layer.
		s.current, s.since, s.pausedAt, s.probeUntil = lowest, time.Time{}, time.Time{}, now.Add(ProbeFor)
	}
	return s.current, s.limited
}
