package teaching

import (
	"slices"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/rounds"
)

// SubjectKind says what was attended.
type SubjectKind string

const (
	RoundAttendance   SubjectKind = "round"   // a ward round occurrence
	LectureAttendance SubjectKind = "lecture" // a lecture or case conference
)

// Stretch is one stay of a person in a session's room: joined, and left
// (nil while still there). A person who drops out and comes back has
// several; so has one who joins from two devices.
type Stretch struct {
	JoinedAt time.Time  `json:"joinedAt"`
	LeftAt   *time.Time `json:"leftAt"`
}

// Event is a self check-in or check-out.
type Event string

const (
	Join  Event = "join"
	Leave Event = "leave"
)

// CheckIn is the body of a self check-in or check-out.
type CheckIn struct {
	Event Event `json:"event"`
}

// Validate checks the event. Errors: invalid.
func (c CheckIn) Validate() error {
	if c.Event != Join && c.Event != Leave {
		return apperr.InvalidField("event", "event must be join or leave")
	}
	return nil
}

// CheckInOpen reports whether attendance at s may be recorded at now: from
// rounds.EarlyCheckIn before the start until the scheduled end.
// Errors: conflict.
func (s *Session) CheckInOpen(now time.Time) error {
	if now.Before(s.StartsAt.Add(-rounds.EarlyCheckIn)) || now.After(s.EndsAt) {
		return apperr.Conflictf("check-in opens %d minutes before the session and closes at its end",
			int(rounds.EarlyCheckIn.Minutes()))
	}
	return nil
}

// AttendedMinutes is the credit a person's stretches of presence earn in a
// session scheduled from start to end, at now: the time present within the
// scheduled window, overlapping stretches (two devices) counted once, a
// stretch still open counted until now or the end, whichever is first.
// Whole minutes, rounded down.
func AttendedMinutes(stretches []Stretch, start, end, now time.Time) int {
	type span struct{ from, to time.Time }
	var spans []span
	for _, a := range stretches {
		to := now
		if a.LeftAt != nil {
			to = *a.LeftAt
		}
		from := a.JoinedAt
		if from.Before(start) {
			from = start
		}
		if to.After(end) {
			to = end
		}
		if to.After(from) {
			spans = append(spans, span{from, to})
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return a.from.Compare(b.from) })
	var total time.Duration
	var cur *span
	for i := range spans {
		switch {
		case cur == nil:
			cur = &spans[i]
		case !spans[i].from.After(cur.to):
			if spans[i].to.After(cur.to) {
				cur.to = spans[i].to
			}
		default:
			total += cur.to.Sub(cur.from)
			cur = &spans[i]
		}
	}
	if cur != nil {
		total += cur.to.Sub(cur.from)
	}
	return int(total / time.Minute)
}

// Attended is one session a person attended, for credit.
type Attended struct {
	Kind      SubjectKind
	SubjectID string
	StartsAt  time.Time
	EndsAt    time.Time
	Stretches []Stretch
}

// Credit is one year's training credit: attended minutes by kind, and the
// number of sessions attended.
type Credit struct {
	Year           int `json:"year"`
	RoundMinutes   int `json:"roundMinutes"`
	LectureMinutes int `json:"lectureMinutes"`
	TotalMinutes   int `json:"totalMinutes"`
	Sessions       int `json:"sessions"`
}

// Credits sums attended minutes per year (by the Beijing date of each
// session's start), newest year first. A session attended for less than a
// minute counts as attended but earns nothing.
func Credits(sessions []Attended, now time.Time) []Credit {
	byYear := map[int]*Credit{}
	for _, s := range sessions {
		y := s.StartsAt.In(rounds.Shanghai).Year()
		c := byYear[y]
		if c == nil {
			c = &Credit{Year: y}
			byYear[y] = c
		}
		m := AttendedMinutes(s.Stretches, s.StartsAt, s.EndsAt, now)
		if s.Kind == RoundAttendance {
			c.RoundMinutes += m
		} else {
			c.LectureMinutes += m
		}
		c.TotalMinutes += m
		c.Sessions++
	}
	out := make([]Credit, 0, len(byYear))
	for _, c := range byYear {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b Credit) int { return b.Year - a.Year })
	return out
}
