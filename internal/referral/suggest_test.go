package referral_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/referral"
)

func inst(id string, level alliance.Level, region string, subs ...string) alliance.Institution {
	return alliance.Institution{ID: id, Name: "name-" + id, Level: level, RegionCode: region, SubSpecialties: subs}
}

func ids(ss []referral.Suggestion) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Institution.ID
	}
	return out
}

// TestSuggestUpward: sub-specialty first, then the core level, then
// nearness, then load; levels that do not fit, and the sender, are left out.
func TestSuggestUpward(t *testing.T) {
	sender := inst("chc", alliance.LevelCHC, "340104")
	cands := []referral.Candidate{
		{Institution: sender},
		{Institution: inst("chc-2", alliance.LevelCHC, "340104")},                              // same level: not up
		{Institution: inst("village", alliance.LevelVillage, "340104")},                        // lower: not up
		{Institution: inst("far-mood", alliance.LevelTertiary, "310104", "mood"), OpenLoad: 3}, // other province
		{Institution: inst("near-core", alliance.LevelTertiary, "340111", "general_adult"), OpenLoad: 0},
		{Institution: inst("county-mood", alliance.LevelSecondGrade, "340123", "mood"), OpenLoad: 50},
		{Institution: inst("near-mood", alliance.LevelTertiary, "340102", "mood", "sleep"), OpenLoad: 40},
		{Institution: inst("province", alliance.LevelSecondGrade, "341502"), OpenLoad: 0},
	}
	got := referral.Suggest(sender, referral.Up, "mood", cands)
	// near-mood 1000+300+200+59, far-mood 1000+300+96, county-mood 1000+200+49,
	// near-core 300+200+99, province 100+99.
	want := []string{"near-mood", "far-mood", "county-mood", "near-core", "province"}
	if !slices.Equal(ids(got), want) {
		t.Fatalf("order = %v, want %v", ids(got), want)
	}
	reasons := map[string][]string{
		"near-mood":   {"subspecialty", "level", "region"},
		"far-mood":    {"subspecialty", "level", "load"},
		"county-mood": {"subspecialty", "region"},
		"near-core":   {"level", "region", "load"},
		"province":    {"province", "load"},
	}
	for _, s := range got {
		if !slices.Equal(s.Reasons, reasons[s.Institution.ID]) {
			t.Errorf("%s: reasons %v, want %v", s.Institution.ID, s.Reasons, reasons[s.Institution.ID])
		}
	}
	if got[0].Score != 1559 {
		t.Errorf("near-mood score %d, want 1559", got[0].Score)
	}

	// Without a wanted sub-specialty the core hospital nearest comes first.
	got = referral.Suggest(sender, referral.Up, "", cands)
	if ids(got)[0] != "near-core" {
		t.Errorf("no sub-specialty: order %v, want near-core first", ids(got))
	}
}

func TestSuggestLoadAndNameBreakTies(t *testing.T) {
	sender := inst("chc", alliance.LevelCHC, "340104")
	a := inst("b-busy", alliance.LevelTertiary, "340104")
	b := inst("a-idle", alliance.LevelTertiary, "340104")
	c := inst("c-idle", alliance.LevelTertiary, "340104")
	got := referral.Suggest(sender, referral.Up, "", []referral.Candidate{{Institution: a, OpenLoad: 12},
		{Institution: c, OpenLoad: 1}, {Institution: b, OpenLoad: 1}})
	if want := []string{"a-idle", "c-idle", "b-busy"}; !slices.Equal(ids(got), want) {
		t.Errorf("order %v, want %v (load, then name)", ids(got), want)
	}
	// Loads beyond 99 count as 99 and never make a score negative.
	got = referral.Suggest(sender, referral.Up, "", []referral.Candidate{{Institution: a, OpenLoad: 5000}})
	if got[0].Score != 500 {
		t.Errorf("score with load 5000 = %d, want 500", got[0].Score)
	}
}

func TestSuggestDownwardAndLateral(t *testing.T) {
	core := inst("core", alliance.LevelTertiary, "340104")
	cands := []referral.Candidate{
		{Institution: core},
		{Institution: inst("general", alliance.LevelTertiary, "340104")},
		{Institution: inst("county", alliance.LevelSecondGrade, "340123")},
		{Institution: inst("chc", alliance.LevelCHC, "340104")},
		{Institution: inst("township", alliance.LevelTownship, "340122")},
	}
	got := referral.Suggest(core, referral.Down, "", cands)
	if want := []string{"chc", "county", "township"}; !slices.Equal(ids(got), want) {
		t.Errorf("down: %v, want %v", ids(got), want)
	}
	got = referral.Suggest(core, referral.Lateral, "", cands)
	if want := []string{"general"}; !slices.Equal(ids(got), want) {
		t.Errorf("lateral: %v, want %v", ids(got), want)
	}
	if got := referral.Suggest(core, referral.Up, "", cands); len(got) != 0 {
		t.Errorf("up from the top: %v", ids(got))
	}
}

func TestCheckLevels(t *testing.T) {
	for _, d := range referral.Directions {
		for _, s := range alliance.Levels {
			for _, r := range alliance.Levels {
				t.Run(fmt.Sprintf("%s/%s_to_%s", d, s, r), func(t *testing.T) {
					want := (d == referral.Up && r.Rank() < s.Rank()) || (d == referral.Down && r.Rank() > s.Rank()) ||
						(d == referral.Lateral && r == s)
					err := referral.CheckLevels(d, s, r)
					if want && err != nil {
						t.Fatalf("CheckLevels = %v; want allowed", err)
					}
					if !want {
						wantErr(t, err, apperr.Invalid, "direction")
					}
				})
			}
		}
	}
	// Spot checks in words, so the rule above is not only restated.
	if referral.CheckLevels(referral.Up, alliance.LevelCHC, alliance.LevelTertiary) != nil ||
		referral.CheckLevels(referral.Down, alliance.LevelTertiary, alliance.LevelCHC) != nil ||
		referral.CheckLevels(referral.Up, alliance.LevelTertiary, alliance.LevelCHC) == nil ||
		referral.CheckLevels(referral.Lateral, alliance.LevelCHC, alliance.LevelTownship) == nil {
		t.Error("a CHC refers up to a tertiary hospital, which refers down; not the reverse, and CHC→township is not lateral")
	}
}
