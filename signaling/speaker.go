package signaling

// Active speaker. Browsers put an RFC 6464 audio level on every Opus packet
// they send (the header extension urn:ietf:params:rtp-hdrext:ssrc-audio-level,
// registered in media.go); forward.Up hands each one to the room, and the
// room's speakerDetector turns the stream of levels into active_speaker
// events: smoothed per participant, the loudest one above a floor wins, a
// challenger must be clearly louder than the current speaker (hysteresis),
// and the room hears at most one change per speakerInterval.
//
// Only microphone tracks count; screen audio is not someone speaking.

import (
	"math"
	"time"
)

const (
	// speakerInterval is the shortest time between two decisions, and so
	// between two active_speaker events in a room.
	speakerInterval = 500 * time.Millisecond
	// speakerTau is the smoothing time constant: a level counts fully after
	// about three of these, so a cough or a door does not take the floor.
	speakerTau = 300 * time.Millisecond
	// speakerStale is how long a participant's level holds without packets
	// (Opus DTX sends one packet every 400 ms in silence); after it the level
	// decays with speakerTau.
	speakerStale = 200 * time.Millisecond
	// speakerFloor is the loudness (127 - level, so dB above -127 dBov) a
	// participant needs to become the speaker: -60 dBov, above room noise
	// and well below speech (around -20 to -40 dBov).
	speakerFloor = 127 - 60
	// speakerMargin is how much louder (dB) a challenger must be than the
	// current speaker to take over.
	speakerMargin = 6
	// packetTime is the usual Opus packet duration, used as the time step
	// of a participant's first sample.
	packetTime = 20 * time.Millisecond
)

type speakerLevel struct {
	userID   string
	loudness float64 // smoothed, in dB above -127 dBov
	at       time.Time
}

// speakerDetector picks a room's dominant speaker from audio levels. It is
// not safe for concurrent use: the room calls it with room.mu held.
type speakerDetector struct {
	now      func() time.Time
	levels   map[string]*speakerLevel // by session id
	current  string                   // session id of the speaker, "" for none yet
	decided  time.Time                // last decision
	interval time.Duration
}

func newSpeakerDetector(now func() time.Time) *speakerDetector {
	return &speakerDetector{now: now, levels: map[string]*speakerLevel{}, interval: speakerInterval}
}

// observe records one packet's audio level (RFC 6464: 0 is loudest, 127 is
// silence, in -dBov) and, at most once per interval, decides. It returns the
// event to broadcast when the speaker changed. The voice flag is ignored:
// not every sender sets it, and the level alone ranks speakers well.
func (d *speakerDetector) observe(sessionID, userID string, level uint8) (ActiveSpeaker, bool) {
	now := d.now()
	x := float64(127 - min(level, 127))
	l := d.levels[sessionID]
	if l == nil {
		l = &speakerLevel{userID: userID, at: now.Add(-packetTime)}
		d.levels[sessionID] = l
	}
	dt := now.Sub(l.at)
	if dt > 0 {
		l.loudness += (x - l.loudness) * (1 - math.Exp(-float64(dt)/float64(speakerTau)))
		l.at = now
	}
	if d.decided.IsZero() {
		d.decided = now // the first decision waits a full interval of samples
		return ActiveSpeaker{}, false
	}
	if now.Sub(d.decided) < d.interval {
		return ActiveSpeaker{}, false
	}
	d.decided = now
	return d.decide(now)
}

// effective is l's loudness at now, decayed once its packets stopped.
func effective(l *speakerLevel, now time.Time) float64 {
	quiet := now.Sub(l.at) - speakerStale
	if quiet <= 0 {
		return l.loudness
	}
	return l.loudness * math.Exp(-float64(quiet)/float64(speakerTau))
}

func (d *speakerDetector) decide(now time.Time) (ActiveSpeaker, bool) {
	best, bestLoud := "", 0.0
	for id, l := range d.levels {
		if v := effective(l, now); v >= speakerFloor && (v > bestLoud || v == bestLoud && id < best) {
			best, bestLoud = id, v
		}
	}
	if best == "" || best == d.current {
		return ActiveSpeaker{}, false // silence keeps the last speaker, as a meeting does
	}
	if cur := d.levels[d.current]; cur != nil && effective(cur, now)+speakerMargin > bestLoud {
		return ActiveSpeaker{}, false
	}
	d.current = best
	return ActiveSpeaker{UserID: d.levels[best].userID, SessionID: best}, true
}

// forget drops a participant who left; if they were the speaker there is
// none until someone speaks (clients clear it on participant_left).
func (d *speakerDetector) forget(sessionID string) {
	delete(d.levels, sessionID)
	if d.current == sessionID {
		d.current = ""
	}
}
