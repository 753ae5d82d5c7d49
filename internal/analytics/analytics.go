// Package analytics is the alliance's reporting domain: the referral
// measures and how each referral transition counts towards them, the time
// histograms that medians and 90th percentiles are read from, the filters of
// the dashboard and the calendar spans a rollup query is cut into, small-cell
// suppression, and the annual goals with the rating and ranking of members.
// Pure domain code: it imports no adapter, no database and no HTTP package.
//
// Every figure is attributed to the China Standard Time calendar day on which
// its event happened (a referral accepted on 3 March counts as accepted on 3
// March, whenever it was made), so a day's figures are final once the day is
// over and live until then.
package analytics

import (
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/schedule"
)

// Zone is the calendar the figures are counted in: the alliance's wall clock.
var Zone = schedule.Zone

// DayOf returns the YYYY-MM-DD day of t in Zone.
func DayOf(t time.Time) string { return t.In(Zone).Format(time.DateOnly) }

// Grain is the calendar unit of a rollup row.
type Grain string

const (
	Day   Grain = "d" // period YYYY-MM-DD
	Month Grain = "m" // period YYYY-MM
	Year  Grain = "y" // period YYYY
	// AllTime is the flows' grain of every day together (period "").
	AllTime Grain = "a"
	// Week is the ISO week of the all-alliance and alliance referral counts
	// (period: its Monday, YYYY-MM-DD), for weekly trends.
	Week Grain = "w"
)

// PeriodOf returns the period key of day (YYYY-MM-DD) at grain g.
func PeriodOf(day string, g Grain) string {
	switch g {
	case Month:
		return day[:7]
	case Year:
		return day[:4]
	case AllTime:
		return ""
	case Week:
		d, err := time.Parse(time.DateOnly, day)
		if err != nil {
			return day
		}
		return weekStart(d).Format(time.DateOnly)
	}
	return day
}

// Side is which end of a referral a member institution's figures count.
type Side string

const (
	Both     Side = ""         // a member's sent and received referrals together
	Sent     Side = "sent"     // referrals the member sent
	Received Side = "received" // referrals the member received
)

// Interval is the step of a trend.
type Interval string

const (
	Daily   Interval = "day"
	Weekly  Interval = "week" // ISO weeks, keyed by their Monday
	Monthly Interval = "month"
)

// MaxRange is the longest date range a query may cover.
const MaxRange = 16 * 366 * 24 * time.Hour

// Filter narrows every dashboard view. Dates are CST calendar days,
// inclusive; the zero values mean "all".
type Filter struct {
	AllianceID    string
	InstitutionID string
	Side          Side
	Direction     referral.Direction
	Urgency       referral.Urgency
	From, To      string // YYYY-MM-DD
}

// Normalize checks f and fills in the default range (the last twelve
// calendar months up to today, in Zone). Errors: invalid, naming the query
// parameter.
func (f *Filter) Normalize(now time.Time) error {
	f.AllianceID, f.InstitutionID = strings.TrimSpace(f.AllianceID), strings.TrimSpace(f.InstitutionID)
	switch f.Side {
	case Both, Sent, Received:
	default:
		return apperr.InvalidField("side", "side must be sent or received")
	}
	if f.Side != Both && f.InstitutionID == "" {
		return apperr.InvalidField("side", "side needs an institution")
	}
	if f.Direction != "" && !containsDir(f.Direction) {
		return apperr.InvalidField("direction", "direction must be up, down or lateral")
	}
	if f.Urgency != "" && !containsUrg(f.Urgency) {
		return apperr.InvalidField("urgency", "urgency must be routine, urgent or fast_track")
	}
	today := now.In(Zone)
	if f.To == "" {
		f.To = today.Format(time.DateOnly)
	}
	to, err := time.Parse(time.DateOnly, f.To)
	if err != nil {
		return apperr.InvalidField("to", "to must be a date YYYY-MM-DD")
	}
	if f.From == "" {
		f.From = time.Date(to.Year(), to.Month()-11, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	}
	from, err := time.Parse(time.DateOnly, f.From)
	if err != nil {
		return apperr.InvalidField("from", "from must be a date YYYY-MM-DD")
	}
	if from.After(to) {
		return apperr.InvalidField("from", "from is after to")
	}
	if to.Sub(from) > MaxRange {
		return apperr.InvalidField("from", "the range may cover at most 16 years")
	}
	return nil
}

func containsDir(d referral.Direction) bool {
	for _, x := range referral.Directions {
		if x == d {
			return true
		}
	}
	return false
}

func containsUrg(u referral.Urgency) bool {
	for _, x := range referral.Urgencies {
		if x == u {
			return true
		}
	}
	return false
}

// Bounds returns the UTC instants [start, end) that the filter's CST days cover.
func (f *Filter) Bounds() (start, end time.Time) {
	from, _ := time.ParseInLocation(time.DateOnly, f.From, Zone)
	to, _ := time.ParseInLocation(time.DateOnly, f.To, Zone)
	return from.UTC(), to.AddDate(0, 0, 1).UTC()
}

// ParseInterval reads a trend interval; "" is monthly. Errors: invalid.
func ParseInterval(s string) (Interval, error) {
	switch Interval(s) {
	case "", Monthly:
		return Monthly, nil
	case Weekly, Daily:
		return Interval(s), nil
	}
	return "", apperr.InvalidField("interval", "interval must be day, week or month")
}

// Span is a run of consecutive periods of one grain, inclusive.
type Span struct {
	Grain    Grain
	From, To string
}

// Cover cuts the days from..to (YYYY-MM-DD, inclusive) into the fewest spans
// of whole years, whole months and single days, using no grain coarser than
// coarsest. A rollup query reads each span from rows of its grain, so a
// ten-year total reads ten yearly rows instead of 3,650 daily ones.
func Cover(from, to string, coarsest Grain) []Span {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil || f.After(t) {
		return nil
	}
	var out []Span
	add := func(g Grain, a, b time.Time) {
		pa, pb := PeriodOf(a.Format(time.DateOnly), g), PeriodOf(b.Format(time.DateOnly), g)
		if n := len(out); n > 0 && out[n-1].Grain == g {
			out[n-1].To = pb
			return
		}
		out = append(out, Span{Grain: g, From: pa, To: pb})
	}
	for cur := f; !cur.After(t); {
		yearEnd := time.Date(cur.Year(), 12, 31, 0, 0, 0, 0, time.UTC)
		monthEnd := time.Date(cur.Year(), cur.Month()+1, 0, 0, 0, 0, 0, time.UTC)
		switch {
		case coarsest == Year && cur.YearDay() == 1 && !yearEnd.After(t):
			add(Year, cur, yearEnd)
			cur = yearEnd.AddDate(0, 0, 1)
		case coarsest != Day && cur.Day() == 1 && !monthEnd.After(t):
			add(Month, cur, monthEnd)
			cur = monthEnd.AddDate(0, 0, 1)
		default:
			end := monthEnd
			if end.After(t) {
				end = t
			}
			add(Day, cur, end)
			cur = end.AddDate(0, 0, 1)
		}
	}
	return out
}

// Periods lists the trend keys from..to at interval: YYYY-MM for months,
// the Monday YYYY-MM-DD of each ISO week, YYYY-MM-DD for days.
func Periods(from, to string, iv Interval) []string {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil {
		return nil
	}
	var out []string
	switch iv {
	case Monthly:
		for m := time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(t); m = m.AddDate(0, 1, 0) {
			out = append(out, m.Format("2006-01"))
		}
	case Weekly:
		for w := weekStart(f); !w.After(t); w = w.AddDate(0, 0, 7) {
			out = append(out, w.Format(time.DateOnly))
		}
	default:
		for d := f; !d.After(t); d = d.AddDate(0, 0, 1) {
			out = append(out, d.Format(time.DateOnly))
		}
	}
	return out
}

// TrendKey maps a day (YYYY-MM-DD) or month (YYYY-MM) period to its key at
// interval iv.
func TrendKey(period string, iv Interval) string {
	switch iv {
	case Monthly:
		return period[:7]
	case Weekly:
		d, err := time.Parse(time.DateOnly, period)
		if err != nil {
			return period
		}
		return weekStart(d).Format(time.DateOnly)
	}
	return period
}

func weekStart(d time.Time) time.Time {
	off := (int(d.Weekday()) + 6) % 7 // Monday = 0
	return d.AddDate(0, 0, -off)
}

// TrendGrain is the coarsest grain a trend at interval iv may read.
func TrendGrain(iv Interval) Grain {
	switch iv {
	case Monthly:
		return Month
	case Weekly:
		return Week
	}
	return Day
}

// CoverWeeks cuts the days from..to (inclusive) into the whole ISO weeks
// inside them (one Week span, Mondays first to last) and the days before
// and after (Day spans). Without a whole week it is one Day span.
func CoverWeeks(from, to string) []Span {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil || f.After(t) {
		return nil
	}
	first := weekStart(f.AddDate(0, 0, 6))                  // the first Monday on or after from
	last := weekStart(t.AddDate(0, 0, 1)).AddDate(0, 0, -7) // the Monday of the last week ending by to
	if last.Before(first) {
		return []Span{{Grain: Day, From: from, To: to}}
	}
	day := func(d time.Time) string { return d.Format(time.DateOnly) }
	var out []Span
	if f.Before(first) {
		out = append(out, Span{Grain: Day, From: from, To: day(first.AddDate(0, 0, -1))})
	}
	out = append(out, Span{Grain: Week, From: day(first), To: day(last)})
	if end := last.AddDate(0, 0, 6); end.Before(t) {
		out = append(out, Span{Grain: Day, From: day(end.AddDate(0, 0, 1)), To: to})
	}
	return out
}

// RoundToMonths widens a normalized filter's range to whole months: a
// member's figures and the flows are kept by month.
func (f *Filter) RoundToMonths() {
	from, err1 := time.Parse(time.DateOnly, f.From)
	to, err2 := time.Parse(time.DateOnly, f.To)
	if err1 != nil || err2 != nil {
		return
	}
	f.From = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	f.To = time.Date(to.Year(), to.Month()+1, 0, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

// TotalGrains are the grains of the all-alliance and alliance rows;
// MemberGrains those of a member's rows and of the flows.
var (
	TotalGrains  = []Grain{Day, Month, Year}
	MemberGrains = []Grain{Month, Year}
)
