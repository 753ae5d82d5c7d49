package signaling

// Simulcast layer choice for one subscriber. Every participant's subscriber
// PC has one downlink estimate (REMB from the client, or injected by tests)
// and one loop that re-chooses the layer of each video track it receives:
// immediately when the estimate or a request changes, and every
// layerCheckInterval so a recovering link climbs back and a layer the
// publisher stopped sending is left. The rules are forward.Selector's.

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/lianxin-hub/lianxin/signaling/forward"
)

// layerCheckInterval is how often each subscriber's layers are re-chosen
// without a new estimate.
const layerCheckInterval = 500 * time.Millisecond

// audioReserve is the part of a subscriber's estimate kept for each audio
// track (Opus at a consultation's bitrate plus headers) before the rest is
// shared among its video tracks.
const audioReserve = 48_000

// subscription is one track on a participant's subscriber PC; guarded by
// participant.subMu.
type subscription struct {
	track *roomTrack
	down  *forward.Down
	want  int // highest layer asked for with subscribe
	// width and height are the rendered size from subscribe; 0 unknown.
	width, height int
	sel           forward.Selector

	told bool // last has been decided (sent, or not worth sending)
	last QualityChange
}

// bandwidth is a subscriber's downlink estimate and the signals of its
// layer loop.
type bandwidth struct {
	estimate atomic.Uint64 // bits per second; 0 until the first estimate
	upHold   time.Duration
	kick     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

func (b *bandwidth) init() {
	b.upHold = forward.DefaultUpHold
	b.kick = make(chan struct{}, 1)
	b.done = make(chan struct{})
}

// set records a new estimate in bits per second and wakes the layer loop.
// It is the one input for estimates: REMB from forward.Down, and tests.
func (b *bandwidth) set(bps uint64) {
	b.estimate.Store(bps)
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

func (b *bandwidth) stop() { b.stopOnce.Do(func() { close(b.done) }) }

// budgetLocked is the estimate each video track may use: 0 (no limit)
// without an estimate, else what is left after the audio reserve, shared
// equally. participant.subMu must be held.
func (b *bandwidth) budgetLocked(subs map[string]*subscription) uint64 {
	est := b.estimate.Load()
	if est == 0 {
		return 0
	}
	var audio, video uint64
	for _, s := range subs {
		if s.track.info.Kind == KindVideo {
			video++
		} else {
			audio++
		}
	}
	if est <= audio*audioReserve {
		return 1 // nothing fits; 0 would mean "no limit"
	}
	return (est - audio*audioReserve) / max(video, 1)
}

// lowestFitLocked reports whether the estimate carries the audio reserve
// and the lowest active layer of every video track at once: only when it
// does not is the link collapsing, and videos pause for audio only.
// participant.subMu must be held.
func (b *bandwidth) lowestFitLocked(subs map[string]*subscription, now time.Time) bool {
	est := b.estimate.Load()
	if est == 0 {
		return true
	}
	var need uint64
	for _, s := range subs {
		if s.track.info.Kind != KindVideo {
			need += audioReserve
			continue
		}
		states := s.down.States(now)
		need += lowestBitrate(states[:])
	}
	return need <= est
}

// lowestBitrate is the bitrate of the lowest active layer, 0 if none.
func lowestBitrate(layers []forward.LayerState) uint64 {
	for _, st := range layers {
		if st.Active {
			return st.Bitrate
		}
	}
	return 0
}

// runLayers re-chooses layers until the participant closes.
func (p *participant) runLayers() {
	tick := time.NewTicker(layerCheckInterval)
	defer tick.Stop()
	for {
		select {
		case <-p.bw.done:
			return
		case <-tick.C:
		case <-p.bw.kick:
		}
		p.subMu.Lock()
		if p.closed {
			p.subMu.Unlock()
			return
		}
		now, budget := time.Now(), p.bw.budgetLocked(p.downs)
		for _, s := range p.downs {
			p.chooseLocked(s, now, budget)
		}
		p.subMu.Unlock()
	}
}

// setWant applies subscribe's quality to an attached track.
func (p *participant) setWant(m Subscribe) {
	p.subMu.Lock()
	defer p.subMu.Unlock()
	s := p.downs[m.TrackID]
	if s == nil {
		return
	}
	s.want = layerFor(m.Quality)
	s.width, s.height = m.Width, m.Height
	p.chooseLocked(s, time.Now(), p.bw.budgetLocked(p.downs))
}

// chooseLocked picks s's layer and tells the client when what it receives
// changes for a reason it did not ask for. participant.subMu must be held.
func (p *participant) chooseLocked(s *subscription, now time.Time, budget uint64) {
	if s.track.info.Kind != KindVideo {
		// Audio is one layer and is never dropped for bandwidth.
		if target, _ := s.down.Layers(); target < 0 {
			s.down.SetTarget(forward.MaxLayers - 1)
		}
		return
	}
	states := s.down.States(now)
	if budget != 0 && p.bw.lowestFitLocked(p.downs, now) {
		// Every video's lowest layer fits the estimate together: the equal
		// share must not pause one of them (a screen share's one big layer
		// would otherwise starve the camera).
		budget = max(budget, lowestBitrate(states[:]))
	}
	want := min(s.want, forward.LayerForSize(states[:], s.width, s.height))
	layer, limited := s.sel.Choose(now, want, budget, states[:])
	if target, _ := s.down.Layers(); target != layer {
		s.down.SetTarget(layer)
	}
	q := QualityChange{TrackID: s.track.info.TrackID, Quality: qualityOf(layer), Reason: ReasonRequested}
	switch {
	case limited:
		q.Reason = ReasonBandwidth
	case layer < s.want && layer == want:
		q.Reason = ReasonSize
	case layer < s.want:
		q.Reason = ReasonPublisher
	}
	if !s.told {
		// The first choice is news only when it is not what was asked.
		s.told, s.last = true, q
		if q.Reason == ReasonRequested {
			return
		}
	} else if q == s.last {
		return
	}
	s.last = q
	p.send(0, q)
}

// layerFor maps a requested quality to the highest layer it allows.
func layerFor(q Quality) int {
	switch q {
	case QualityLow:
		return 0
	case QualityMedium:
		return 1
	}
	return forward.MaxLayers - 1
}

// qualityOf names a layer for the client; -1 is audio only.
func qualityOf(layer int) Quality {
	switch layer {
	case -1:
		return QualityAudioOnly
	case 0:
		return QualityLow
	case 1:
		return QualityMedium
	}
	return QualityHigh
}

// layerOf places a published stream in a layer slot by its RID. Browsers
// name simulcast encodings q, h and f (quarter, half, full resolution),
// which map to layers 0, 1 and 2. Other names are ordered as the offer
// lists them (lowest first, as Chrome and our client send them) and aligned
// to the top, so two unknown RIDs become layers 1 and 2. A stream without a
// RID is the whole track, in the top slot.
func layerOf(rid string, r *webrtc.RTPReceiver) int {
	switch rid {
	case "":
		return forward.MaxLayers - 1
	case "q":
		return 0
	case "h":
		return 1
	case "f":
		return 2
	}
	tracks := r.Tracks()
	for i, t := range tracks {
		if t.RID() == rid {
			return min(max(i+forward.MaxLayers-len(tracks), 0), forward.MaxLayers-1)
		}
	}
	return forward.MaxLayers - 1
}
