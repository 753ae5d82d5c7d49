package analytics

import (
	"encoding/json"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/apperr"
)

func ptr(f float64) *float64 { return &f }

func TestRateAGoal(t *testing.T) {
	r := DefaultRatingRules
	more, _ := MeasureOf(MDownSent)
	less, _ := MeasureOf(MMedianAcceptHours)
	pct, _ := MeasureOf(MFastTrackSLA)
	for _, tc := range []struct {
		name   string
		info   MeasureInfo
		target float64
		actual *float64
		rating Rating
		credit float64
	}{
		{"downward referrals ≥ 300: 300", more, 300, ptr(300), Attained, 1},
		{"downward referrals ≥ 300: 412", more, 300, ptr(412), Attained, 1},
		{"downward referrals ≥ 300: 240 is 80%", more, 300, ptr(240), Partly, 0.5},
		{"downward referrals ≥ 300: 239", more, 300, ptr(239), NotMet, 0},
		{"downward referrals ≥ 300: none", more, 300, ptr(0), NotMet, 0},
		{"fast-track SLA ≥ 95%: 95", pct, 95, ptr(95), Attained, 1},
		{"fast-track SLA ≥ 95%: 80", pct, 95, ptr(80), Partly, 0.5},
		{"fast-track SLA ≥ 95%: nothing to measure", pct, 95, nil, NoData, 0},
		{"median accept ≤ 24 h: 20", less, 24, ptr(20), Attained, 1},
		{"median accept ≤ 24 h: 30 is within 125%", less, 24, ptr(30), Partly, 0.5},
		{"median accept ≤ 24 h: 30.5", less, 24, ptr(30.5), NotMet, 0},
		{"a zero target is always attained", more, 0, ptr(0), Attained, 1},
	} {
		rating, credit := r.Rate(tc.info, tc.target, tc.actual)
		if rating != tc.rating || credit != tc.credit {
			t.Errorf("%s: %s %v; want %s %v", tc.name, rating, credit, tc.rating, tc.credit)
		}
	}
	strict := RatingRules{PartlyFraction: 0.9, PartlyCredit: 0.25}
	if rating, credit := strict.Rate(more, 300, ptr(260)); rating != NotMet || credit != 0 {
		t.Errorf("stricter rules: %s %v", rating, credit)
	}
	if rating, credit := strict.Rate(more, 300, ptr(280)); rating != Partly || credit != 0.25 {
		t.Errorf("stricter rules: %s %v", rating, credit)
	}
}

func TestScoreAndRankMembers(t *testing.T) {
	s := Suppressor{MinCell: 5}
	goal := func(m Measure, target, weight float64) Goal {
		return Goal{ID: string(m), Measure: m, Target: target, Weight: weight, Year: 2025}
	}
	actuals := func(vals map[Measure]*float64) func(Goal) Actual {
		return func(g Goal) Actual {
			v := vals[g.Measure]
			if v == nil {
				return Actual{Shown: Value{NA: true}}
			}
			return Actual{V: v, Shown: Value{V: *v}}
		}
	}
	goals := []Goal{goal(MDownSent, 300, 3), goal(MFastTrackSLA, 95, 1), goal(MRoundsHeld, 12, 1)}
	all := DefaultRatingRules.Score(Institution{ID: "a", Name: "甲"}, goals,
		actuals(map[Measure]*float64{MDownSent: ptr(310), MFastTrackSLA: ptr(97), MRoundsHeld: ptr(12)}))
	if all.Rating != Attained || all.Score.V != 100 || all.Attained != 3 {
		t.Errorf("all attained: %+v", all)
	}
	// 3×1 + 1×0.5 + 1×0 of 5 = 70.
	some := DefaultRatingRules.Score(Institution{ID: "b", Name: "乙"}, goals,
		actuals(map[Measure]*float64{MDownSent: ptr(300), MFastTrackSLA: ptr(80), MRoundsHeld: ptr(3)}))
	if some.Rating != Partly || some.Score.V != 70 || some.Attained != 1 {
		t.Errorf("partly: %+v", some)
	}
	// Goals without data are left out: 1×0.5 of 1 = 50, although the
	// heavier goal has no referrals to measure.
	noData := DefaultRatingRules.Score(Institution{ID: "c", Name: "丙"}, goals,
		actuals(map[Measure]*float64{MRoundsHeld: ptr(10)}))
	if noData.Rating != Partly || noData.Score.V != 50 || noData.Goals[0].Rating != NoData {
		t.Errorf("partly with no data: %+v", noData)
	}
	none := DefaultRatingRules.Score(Institution{ID: "d", Name: "丁"}, goals,
		actuals(map[Measure]*float64{MDownSent: ptr(10), MFastTrackSLA: ptr(50), MRoundsHeld: ptr(0)}))
	if none.Rating != NotMet || none.Score.V != 0 {
		t.Errorf("not attained: %+v", none)
	}
	empty := DefaultRatingRules.Score(Institution{ID: "e", Name: "戊"}, goals, actuals(nil))
	if empty.Rating != NoData || !empty.Score.NA {
		t.Errorf("nothing to rate: %+v", empty)
	}
	// The same score as "c" (50) with more goals attained ranks above it;
	// the same score and goals attained ("b" and its twin) share a rank.
	tie := DefaultRatingRules.Score(Institution{ID: "f", Name: "己"}, []Goal{goal(MDownSent, 300, 1), goal(MRoundsHeld, 12, 1)},
		actuals(map[Measure]*float64{MDownSent: ptr(300), MRoundsHeld: ptr(0)}))
	twin := some
	twin.Institution = Institution{ID: "g", Name: "庚"}
	ms := []MemberScore{empty, none, tie, some, all, noData, twin}
	Rank(ms)
	var order []string
	var ranks []int
	for _, m := range ms {
		order, ranks = append(order, m.Institution.ID), append(ranks, m.Rank)
	}
	wantOrder, wantRanks := []string{"a", "b", "g", "f", "c", "d", "e"}, []int{1, 2, 2, 4, 5, 6, 0}
	for i := range wantOrder {
		if order[i] != wantOrder[i] || ranks[i] != wantRanks[i] {
			t.Fatalf("ranking %v %v; want %v %v", order, ranks, wantOrder, wantRanks)
		}
	}
	// A small count shown against a goal is suppressed; the rating keeps the true value.
	small := DefaultRatingRules.Score(Institution{ID: "h"}, []Goal{goal(MUpSent, 3, 1)},
		func(Goal) Actual { return s.CountActual(4) })
	b, _ := json.Marshal(small.Goals[0])
	if small.Rating != Attained || string(b) == "" || small.Goals[0].Actual.Suppressed != true {
		t.Errorf("small actual: %+v %s", small, b)
	}
	if a := s.PercentActual(3, 4); a.V == nil || *a.V != 75 || !a.Shown.Suppressed {
		t.Errorf("PercentActual(3, 4) = %+v", a)
	}
	if a := s.PercentActual(30, 40); a.Shown.V != 75 {
		t.Errorf("PercentActual(30, 40) shows %v", a.Shown.V)
	}
}

func TestGoalValidate(t *testing.T) {
	ok := Goal{AllianceID: "a", InstitutionID: "i", Year: 2025, Measure: MDownSent, Target: 300, Weight: 2}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		edit  func(*Goal)
		field string
	}{
		{func(g *Goal) { g.AllianceID = " " }, "allianceId"},
		{func(g *Goal) { g.InstitutionID = "" }, "institutionId"},
		{func(g *Goal) { g.Year = 1999 }, "year"},
		{func(g *Goal) { g.Measure = "wellbeing" }, "measure"},
		{func(g *Goal) { g.Target = -1 }, "target"},
		{func(g *Goal) { g.Measure, g.Target = MAcceptanceRate, 101 }, "target"},
		{func(g *Goal) { g.Measure, g.Target = MMedianAcceptHours, 0 }, "target"},
		{func(g *Goal) { g.Weight = 0 }, "weight"},
		{func(g *Goal) { g.Weight = 101 }, "weight"},
	} {
		g := ok
		tc.edit(&g)
		err := g.Validate()
		if e, isApp := apperr.As(err); !isApp || e.Code != apperr.Invalid || e.Field != tc.field {
			t.Errorf("%+v: %v; want invalid %s", g, err, tc.field)
		}
	}
	seen := map[Measure]bool{}
	for _, m := range Measures {
		if seen[m.Key] || m.Label == "" || m.LabelZh == "" {
			t.Errorf("measure %q is duplicated or unlabelled", m.Key)
		}
		seen[m.Key] = true
	}
}
