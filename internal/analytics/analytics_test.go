package analytics

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/referral"
)

func TestCoverCutsRangesIntoYearsMonthsAndDays(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		coarsest Grain
		want     []Span
	}{
		{"2024-01-01", "2024-12-31", Year, []Span{{Year, "2024", "2024"}}},
		{"2015-01-01", "2024-12-31", Year, []Span{{Year, "2015", "2024"}}},
		{"2023-12-30", "2025-02-03", Year, []Span{{Day, "2023-12-30", "2023-12-31"}, {Year, "2024", "2024"},
			{Month, "2025-01", "2025-01"}, {Day, "2025-02-01", "2025-02-03"}}},
		{"2024-03-15", "2024-03-20", Year, []Span{{Day, "2024-03-15", "2024-03-20"}}},
		{"2024-01-01", "2024-12-31", Month, []Span{{Month, "2024-01", "2024-12"}}},
		{"2024-02-01", "2024-02-29", Year, []Span{{Month, "2024-02", "2024-02"}}}, // leap year
		{"2024-02-01", "2024-02-28", Year, []Span{{Day, "2024-02-01", "2024-02-28"}}},
		{"2024-01-01", "2024-01-31", Day, []Span{{Day, "2024-01-01", "2024-01-31"}}},
		{"2024-05-01", "2024-04-01", Year, nil},
	} {
		if got := Cover(tc.from, tc.to, tc.coarsest); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Cover(%s, %s, %s) = %v, want %v", tc.from, tc.to, tc.coarsest, got, tc.want)
		}
	}
}

func TestPeriodsAndTrendKeys(t *testing.T) {
	if got := Periods("2024-11-15", "2025-02-01", Monthly); !reflect.DeepEqual(got, []string{"2024-11", "2024-12", "2025-01", "2025-02"}) {
		t.Errorf("months = %v", got)
	}
	// 2025-01-01 is a Wednesday: its ISO week starts on Monday 2024-12-30.
	if got := Periods("2025-01-01", "2025-01-13", Weekly); !reflect.DeepEqual(got, []string{"2024-12-30", "2025-01-06", "2025-01-13"}) {
		t.Errorf("weeks = %v", got)
	}
	if k := TrendKey("2025-01-05", Weekly); k != "2024-12-30" {
		t.Errorf("the week of Sunday 2025-01-05 = %s", k)
	}
	if k := TrendKey("2025-01-05", Monthly); k != "2025-01" {
		t.Errorf("month = %s", k)
	}
	if len(Periods("2024-01-01", "2024-12-31", Daily)) != 366 {
		t.Error("a leap year does not have 366 days")
	}
}

func TestDaysAreChinaStandardTime(t *testing.T) {
	// 16:30 UTC on 31 December is half past midnight on 1 January in Beijing.
	if d := DayOf(time.Date(2025, 12, 31, 16, 30, 0, 0, time.UTC)); d != "2026-01-01" {
		t.Errorf("DayOf = %s", d)
	}
	f := Filter{From: "2026-01-01", To: "2026-01-01"}
	start, end := f.Bounds()
	if !start.Equal(time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC)) || end.Sub(start) != 24*time.Hour {
		t.Errorf("Bounds = %s, %s", start, end)
	}
}

func TestFilterNormalize(t *testing.T) {
	now := time.Date(2026, 5, 20, 3, 0, 0, 0, time.UTC)
	f := Filter{}
	if err := f.Normalize(now); err != nil || f.From != "2025-06-01" || f.To != "2026-05-20" {
		t.Errorf("default range = %s..%s, %v; want the last twelve months", f.From, f.To, err)
	}
	for _, tc := range []struct {
		f     Filter
		field string
	}{
		{Filter{From: "2026-02-30"}, "from"},
		{Filter{To: "yesterday"}, "to"},
		{Filter{From: "2026-03-01", To: "2026-02-01"}, "from"},
		{Filter{From: "2000-01-01", To: "2026-01-01"}, "from"},
		{Filter{Side: Sent}, "side"},
		{Filter{InstitutionID: "x", Side: "both"}, "side"},
		{Filter{Direction: "sideways"}, "direction"},
		{Filter{Urgency: "whenever"}, "urgency"},
	} {
		err := tc.f.Normalize(now)
		if e, ok := apperr.As(err); !ok || e.Code != apperr.Invalid || e.Field != tc.field {
			t.Errorf("Normalize(%+v) = %v; want invalid %s", tc.f, err, tc.field)
		}
	}
	g := Filter{From: "2025-02-14", To: "2025-04-02"}
	g.RoundToMonths()
	if g.From != "2025-02-01" || g.To != "2025-04-30" {
		t.Errorf("RoundToMonths = %s..%s", g.From, g.To)
	}
}

func TestBucketsAndQuantiles(t *testing.T) {
	for secs, want := range map[int64]int{0: 0, 299: 0, 300: 1, 3599: 5, 3600: 6, 7200: 8, 86399: 14, 86400: 15,
		90 * 86400: len(BucketEdges) - 1, 400 * 86400: len(BucketEdges) - 1, -5: 0} {
		if got := Bucket(secs); got != want {
			t.Errorf("Bucket(%d) = %d, want %d", secs, got, want)
		}
	}
	if len(BucketColumns) != NumBuckets || BucketColumns[0] != "b00" || BucketColumns[NumBuckets-1] != "b28" {
		t.Errorf("BucketColumns = %v", BucketColumns)
	}
	h := NewHistogram()
	if _, ok := h.Quantile(0.5); ok {
		t.Error("an empty histogram has a median")
	}
	// Ten delays in [60, 90) minutes: the median interpolates to 75 minutes.
	h[Bucket(3600)] = 10
	if m, _ := h.Quantile(0.5); m != 75*60 {
		t.Errorf("median = %v s, want 4500", m)
	}
	if p, _ := h.Quantile(0.9); math.Abs(p-87*60) > 1e-6 {
		t.Errorf("p90 = %v s, want 5220", p)
	}
	h = NewHistogram()
	h[len(h)-1] = 3 // open-ended: the lower bound
	if m, _ := h.Quantile(0.5); m != float64(BucketEdges[len(BucketEdges)-1]*60) {
		t.Errorf("median in the last bucket = %v", m)
	}
}

func TestSmallCellSuppression(t *testing.T) {
	s := Suppressor{MinCell: DefaultMinCell}
	js := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for n, want := range map[int64]string{0: "0", 1: `"\u003c5"`, 4: `"\u003c5"`, 5: "5", 120: "120"} {
		if got := js(s.Count(n)); got != want {
			t.Errorf("Count(%d) = %s, want %s", n, got, want)
		}
	}
	if got := js(Suppressor{MinCell: 10}.Count(9)); got != `"\u003c10"` {
		t.Errorf("threshold 10: Count(9) = %s", got)
	}
	for _, tc := range []struct {
		num, den int64
		want     string
	}{
		{0, 0, "null"},
		{3, 10, `"suppressed"`},   // a small numerator
		{3, 4, `"suppressed"`},    // a small denominator
		{98, 100, `"suppressed"`}, // the complement (two) could be worked out
		{0, 20, "0"},
		{20, 20, "1"},
		{30, 40, "0.75"},
	} {
		if got := js(s.Rate(tc.num, tc.den)); got != tc.want {
			t.Errorf("Rate(%d, %d) = %s, want %s", tc.num, tc.den, got, tc.want)
		}
	}
	if got := js(s.Ratio(10, 3)); got != `"suppressed"` {
		t.Errorf("Ratio(10, 3) = %s", got)
	}
	if got := js(s.Ratio(10, 0)); got != "null" {
		t.Errorf("Ratio(10, 0) = %s", got)
	}
	h := NewHistogram()
	h[3] = 4
	if got := js(s.Hours(h, 0.5)); got != `"suppressed"` {
		t.Errorf("the median of four delays = %s", got)
	}
	h[3] = 5
	if got := js(s.Hours(h, 0.5)); got == `"suppressed"` || got == "null" {
		t.Errorf("the median of five delays = %s", got)
	}
	// Published with their total: one hidden part hides the smallest other.
	g := s.Group([]int64{40, 3, 7})
	if !g[1].Hidden || !g[2].Hidden || g[0].Hidden {
		t.Errorf("Group(40, 3, 7) = %+v; want 3 and 7 hidden", g)
	}
	g = s.Group([]int64{40, 3, 2})
	if g[0].Hidden || !g[1].Hidden || !g[2].Hidden {
		t.Errorf("Group(40, 3, 2) = %+v; two hidden parts protect each other", g)
	}
	g = s.Group([]int64{40, 3, 0})
	if !g[0].Hidden || !g[1].Hidden || g[2].Hidden {
		t.Errorf("Group(40, 3, 0) = %+v; a zero reveals nothing, so 40 is hidden", g)
	}
	// The KPIs built on small cells show none of them.
	k := BuildKPIs(Filter{}, s, map[referral.Direction]Counts{referral.Up: {Submitted: 3, Accepted: 2, Returned: 1}},
		Counts{Submitted: 1, FTMet: 1})
	out := js(k)
	for _, want := range []string{`"submitted":{"up":"\u003c5","down":0,"lateral":0,"total":"\u003c5"}`, `"acceptanceRate":"suppressed"`,
		`"compliance":"suppressed"`, `"upDownRatio":null`} {
		if !contains(out, want) {
			t.Errorf("KPIs lack %s: %s", want, out)
		}
	}
	if err := ValidateMinCell(1); err == nil {
		t.Error("a threshold of 1 (no suppression) is accepted")
	}
}

func contains(s, sub string) bool { return len(s) >= len(sub) && (s == sub || indexOf(s, sub) >= 0) }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestTally(t *testing.T) {
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	hours := func(h int) *time.Time { x := at.Add(time.Duration(h) * time.Hour); return &x }
	fast := referral.Referral{Urgency: referral.FastTrack, Direction: referral.Up, SubmittedAt: hours(0),
		AcceptDueAt: hours(2), AdmitDueAt: hours(24)}
	ev := func(a referral.Action, from, to referral.Status, h int) referral.Event {
		return referral.Event{Action: a, From: from, To: to, At: *hours(h)}
	}
	for _, tc := range []struct {
		name  string
		r     referral.Referral
		ev    referral.Event
		want  Counts
		times []Timing
	}{
		{"made and sent", fast, ev(referral.Create, "", referral.Requested, 0), Counts{Created: 1, Submitted: 1}, nil},
		{"a draft", fast, ev(referral.Create, "", referral.Draft, 0), Counts{Created: 1}, nil},
		{"a draft sent", fast, ev(referral.Submit, referral.Draft, referral.Requested, 0), Counts{Submitted: 1}, nil},
		{"sent again", fast, ev(referral.Submit, referral.Returned, referral.Requested, 0), Counts{Resubmitted: 1}, nil},
		{"accepted in 1 h", fast, ev(referral.Accept, referral.Requested, referral.Accepted, 1), Counts{Accepted: 1},
			[]Timing{{ToAccept, 3600}}},
		{"a hold counts nothing", fast, ev(referral.Hold, referral.Requested, referral.OnHold, 1), Counts{}, nil},
		{"first booking", fast, ev(referral.Schedule, referral.Accepted, referral.Scheduled, 3), Counts{Scheduled: 1},
			[]Timing{{ToSchedule, 3 * 3600}}},
		{"a booking moved", fast, ev(referral.Schedule, referral.Scheduled, referral.Scheduled, 4), Counts{}, nil},
		{"a discarded draft", fast, ev(referral.Cancel, referral.Draft, referral.Cancelled, 30), Counts{}, nil},
	} {
		c, times := Tally(&tc.r, tc.ev)
		if c != tc.want || !reflect.DeepEqual(times, tc.times) {
			t.Errorf("%s: %+v %v; want %+v %v", tc.name, c, times, tc.want, tc.times)
		}
	}
	met := fast
	met.AcceptedAt, met.ArrivedAt = hours(1), hours(20)
	if c, _ := Tally(&met, ev(referral.Arrive, referral.Accepted, referral.InProgress, 20)); c.FTMet != 1 || c.FTMissed != 0 || c.Admitted != 1 {
		t.Errorf("admitted within both clocks: %+v", c)
	}
	late := fast
	late.AcceptedAt, late.ArrivedAt = hours(3), hours(20)
	if c, _ := Tally(&late, ev(referral.Arrive, referral.Accepted, referral.InProgress, 20)); c.FTMissed != 1 {
		t.Errorf("accepted late: %+v", c)
	}
	closed := fast
	closed.AcceptedAt = hours(1)
	if c, _ := Tally(&closed, ev(referral.Cancel, referral.Accepted, referral.Cancelled, 30)); c.FTMissed != 1 || c.Cancelled != 1 {
		t.Errorf("cancelled after the admit clock ran out: %+v", c)
	}
	if c, _ := Tally(&closed, ev(referral.Cancel, referral.Accepted, referral.Cancelled, 10)); c.FTMissed != 0 {
		t.Errorf("cancelled in time: %+v", c)
	}
	if c, _ := Tally(&closed, ev(referral.Cancel, referral.Returned, referral.Cancelled, 30)); c.FTMissed != 0 {
		t.Errorf("a returned referral cancelled is not the receiver's miss: %+v", c)
	}
	down := referral.Referral{Direction: referral.Down, FollowUp: &referral.FollowUp{OnTime: false}}
	if c, _ := Tally(&down, ev(referral.Complete, referral.InProgress, referral.Completed, 300)); c.FULate != 1 || c.Completed != 1 {
		t.Errorf("completed down with a late follow-up: %+v", c)
	}
}

func TestCoverWeeksCutsWholeISOWeeksAndEdgeDays(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		want     []Span
	}{
		// Wednesday 2025-12-31 to Tuesday 2026-01-20: days, two whole weeks, days.
		{"2025-12-31", "2026-01-20", []Span{{Day, "2025-12-31", "2026-01-04"}, {Week, "2026-01-05", "2026-01-12"},
			{Day, "2026-01-19", "2026-01-20"}}},
		// Monday to Sunday: one week, no edges.
		{"2026-01-05", "2026-01-18", []Span{{Week, "2026-01-05", "2026-01-12"}}},
		// Inside one week: days only.
		{"2026-01-06", "2026-01-09", []Span{{Day, "2026-01-06", "2026-01-09"}}},
		// Tuesday to the next Monday: no whole week.
		{"2026-01-06", "2026-01-12", []Span{{Day, "2026-01-06", "2026-01-12"}}},
		{"2026-01-12", "2026-01-06", nil},
	} {
		if got := CoverWeeks(tc.from, tc.to); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("CoverWeeks(%s, %s) = %v, want %v", tc.from, tc.to, got, tc.want)
		}
	}
	if got := PeriodOf("2026-01-01", Week); got != "2025-12-29" {
		t.Errorf("the week of Thursday 2026-01-01 starts %s, want Monday 2025-12-29", got)
	}
}
