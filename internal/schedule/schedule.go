// Package schedule is a specialist's published availability for video
// consultations: weekly templates (e.g. Tuesdays 14:00–17:00 in 30-minute
// slots) with exceptions (a day off, an extra session), expanded into the
// bookable slots of a date window. Times are wall-clock times in China
// Standard Time, where the alliance works. Pure domain code: no adapter,
// database or HTTP import.
package schedule

import (
	"slices"
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/apperr"
)

// Zone is the alliance's wall clock (China has one time zone and no DST).
var Zone = alliance.ChinaTime

// Template is one weekly session of a specialist.
type Template struct {
	ID          string       `json:"id"`
	UserID      string       `json:"userId"`
	Weekday     time.Weekday `json:"weekday"` // 0 = Sunday
	Start       string       `json:"start"`   // HH:MM
	End         string       `json:"end"`     // HH:MM, after Start
	SlotMinutes int          `json:"slotMinutes"`
	ValidFrom   string       `json:"validFrom"` // YYYY-MM-DD
	ValidUntil  string       `json:"validUntil"`
}

// ExceptionKind says whether an exception removes or adds time.
type ExceptionKind string

const (
	Off   ExceptionKind = "off"   // not available (leave, a meeting)
	Extra ExceptionKind = "extra" // an extra session outside the templates
)

// Exception changes one day's availability.
type Exception struct {
	ID          string        `json:"id"`
	UserID      string        `json:"userId"`
	Date        string        `json:"date"` // YYYY-MM-DD
	Start       string        `json:"start"`
	End         string        `json:"end"`
	Kind        ExceptionKind `json:"kind"`
	SlotMinutes int           `json:"slotMinutes"` // extra sessions only
}

// Slot is one bookable period.
type Slot struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

func parseClock(field, s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, apperr.InvalidField(field, "%s must be a time HH:MM", field)
	}
	return t.Hour()*60 + t.Minute(), nil
}

func checkSpan(start, end string, slot int) (int, int, error) {
	s, err := parseClock("start", start)
	if err != nil {
		return 0, 0, err
	}
	e, err := parseClock("end", end)
	if err != nil {
		return 0, 0, err
	}
	if e <= s {
		return 0, 0, apperr.InvalidField("end", "end must be after start")
	}
	if slot != 0 && (slot < 10 || slot > 240 || (e-s) < slot) {
		return 0, 0, apperr.InvalidField("slotMinutes", "slotMinutes must be 10 to 240 and fit in the session")
	}
	return s, e, nil
}

// Validate checks a template. Errors: invalid.
func (t *Template) Validate() error {
	if t.Weekday < time.Sunday || t.Weekday > time.Saturday {
		return apperr.InvalidField("weekday", "weekday must be 0 (Sunday) to 6")
	}
	if t.SlotMinutes == 0 {
		return apperr.InvalidField("slotMinutes", "slotMinutes is required")
	}
	if _, _, err := checkSpan(t.Start, t.End, t.SlotMinutes); err != nil {
		return err
	}
	if _, err := time.Parse(time.DateOnly, t.ValidFrom); err != nil {
		return apperr.InvalidField("validFrom", "validFrom must be a date YYYY-MM-DD")
	}
	if t.ValidUntil != "" {
		if _, err := time.Parse(time.DateOnly, t.ValidUntil); err != nil || t.ValidUntil < t.ValidFrom {
			return apperr.InvalidField("validUntil", "validUntil must be a date YYYY-MM-DD on or after validFrom")
		}
	}
	return nil
}

// Validate checks an exception. Errors: invalid.
func (x *Exception) Validate() error {
	if _, err := time.Parse(time.DateOnly, x.Date); err != nil {
		return apperr.InvalidField("date", "date must be a date YYYY-MM-DD")
	}
	switch x.Kind {
	case Off:
		x.SlotMinutes = 0
	case Extra:
		if x.SlotMinutes == 0 {
			return apperr.InvalidField("slotMinutes", "an extra session needs slotMinutes")
		}
	default:
		return apperr.InvalidField("kind", "kind must be off or extra")
	}
	_, _, err := checkSpan(x.Start, x.End, x.SlotMinutes)
	return err
}

func at(day time.Time, minute int) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 0, minute, 0, 0, Zone)
}

// Slots expands templates and exceptions into the slots starting in
// [from, to), in time order, leaving out those that overlap an "off"
// exception or one of taken (booked periods).
func Slots(ts []Template, xs []Exception, taken []Slot, from, to time.Time) []Slot {
	var out []Slot
	add := func(day time.Time, start, end string, slot int) {
		s, e, err := checkSpan(start, end, slot)
		if err != nil {
			return
		}
		for m := s; m+slot <= e; m += slot {
			sl := Slot{Start: at(day, m).UTC(), End: at(day, m+slot).UTC()}
			if sl.Start.Before(from) || !sl.Start.Before(to) {
				continue
			}
			out = append(out, sl)
		}
	}
	first := from.In(Zone)
	first = time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, Zone)
	for day := first; day.Before(to); day = day.AddDate(0, 0, 1) {
		date := day.Format(time.DateOnly)
		for _, t := range ts {
			if t.Weekday != day.Weekday() || date < t.ValidFrom || (t.ValidUntil != "" && date > t.ValidUntil) {
				continue
			}
			add(day, t.Start, t.End, t.SlotMinutes)
		}
		for _, x := range xs {
			if x.Date == date && x.Kind == Extra {
				add(day, x.Start, x.End, x.SlotMinutes)
			}
		}
	}
	var blocked []Slot
	for _, x := range xs {
		if x.Kind != Off {
			continue
		}
		day, _ := time.ParseInLocation(time.DateOnly, x.Date, Zone)
		s, e, err := checkSpan(x.Start, x.End, 0)
		if err == nil {
			blocked = append(blocked, Slot{Start: at(day, s).UTC(), End: at(day, e).UTC()})
		}
	}
	blocked = append(blocked, taken...)
	out = slices.DeleteFunc(out, func(s Slot) bool {
		return slices.ContainsFunc(blocked, func(b Slot) bool { return s.Overlaps(b) })
	})
	slices.SortFunc(out, func(a, b Slot) int { return a.Start.Compare(b.Start) })
	return slices.CompactFunc(out, func(a, b Slot) bool { return a.Start.Equal(b.Start) })
}

// Overlaps reports whether two periods share any time.
func (s Slot) Overlaps(o Slot) bool { return s.Start.Before(o.End) && o.Start.Before(s.End) }

// Offers reports whether slot is one of the published slots.
func Offers(published []Slot, slot Slot) bool {
	return slices.ContainsFunc(published, func(p Slot) bool { return p.Start.Equal(slot.Start) && p.End.Equal(slot.End) })
}
