package analytics

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
)

// Measure names a figure an annual goal may target.
type Measure string

// Kind of a measure's value.
const (
	KindCount = "count"   // a number of things in the year
	KindRate  = "percent" // 0–100
	KindHours = "hours"
)

// MeasureInfo describes a goal measure: its unit, whether more is better,
// and which of the member's figures it reads.
type MeasureInfo struct {
	Key          Measure `json:"key"`
	Kind         string  `json:"kind"`
	HigherBetter bool    `json:"higherIsBetter"`
	Label        string  `json:"label"`
	LabelZh      string  `json:"labelZh"`
}

// The goal measures. Referral figures count the member's side named in the
// key (sent or received); consultation, round and lecture figures count the
// member as requester, answerer, host or presenter as described.
const (
	MUpSent            Measure = "referrals_up_sent"
	MDownSent          Measure = "referrals_down_sent"
	MReceived          Measure = "referrals_received"
	MDownReceived      Measure = "referrals_down_received"
	MAcceptanceRate    Measure = "acceptance_rate"
	MFastTrackSLA      Measure = "fast_track_sla"
	MFollowUpOnTime    Measure = "follow_up_on_time"
	MMedianAcceptHours Measure = "median_accept_hours"
	MEConsultsAsked    Measure = "econsults_asked"
	MEConsultsAnswered Measure = "econsults_answered"
	MEConsultHours     Measure = "econsult_median_response_hours"
	MVideoHeld         Measure = "video_consults_held"
	MRoundsHeld        Measure = "ward_rounds_held"
	MRoundCases        Measure = "round_cases"
	MLecturesHeld      Measure = "lectures_held"
	MStaffTrained      Measure = "staff_trained"
)

// Measures is the catalogue of goal measures.
var Measures = []MeasureInfo{
	{MUpSent, KindCount, true, "Upward referrals made", "上转患者数"},
	{MDownSent, KindCount, true, "Downward referrals made", "下转患者数"},
	{MReceived, KindCount, true, "Referrals received", "接收转诊数"},
	{MDownReceived, KindCount, true, "Downward referrals received", "接收下转患者数"},
	{MAcceptanceRate, KindRate, true, "Acceptance rate of referrals received (%)", "转诊接收率（%）"},
	{MFastTrackSLA, KindRate, true, "Fast-track SLA compliance (%)", "绿色通道时限达标率（%）"},
	{MFollowUpOnTime, KindRate, true, "Downward referrals followed up on time (%)", "下转患者按时随访率（%）"},
	{MMedianAcceptHours, KindHours, false, "Median hours to accept a referral", "转诊受理时间中位数（小时）"},
	{MEConsultsAsked, KindCount, true, "eConsults asked", "发起远程咨询数"},
	{MEConsultsAnswered, KindCount, true, "eConsults answered", "答复远程咨询数"},
	{MEConsultHours, KindHours, false, "Median eConsult response hours", "远程咨询答复时间中位数（小时）"},
	{MVideoHeld, KindCount, true, "Video consultations held", "远程视频会诊次数"},
	{MRoundsHeld, KindCount, true, "Ward rounds held (as host)", "远程查房次数"},
	{MRoundCases, KindCount, true, "Cases presented at ward rounds", "查房病例数"},
	{MLecturesHeld, KindCount, true, "Lectures given", "授课次数"},
	{MStaffTrained, KindCount, true, "Staff trained (attended a lecture or round)", "培训人员数"},
}

// MeasureOf returns the catalogue entry of m.
func MeasureOf(m Measure) (MeasureInfo, bool) {
	for _, x := range Measures {
		if x.Key == m {
			return x, true
		}
	}
	return MeasureInfo{}, false
}

// Goal is an administrator's target for one member, year and measure. A
// member is rated against all its goals of the year; Weight says how much
// each counts.
type Goal struct {
	ID            string    `json:"id"`
	AllianceID    string    `json:"allianceId"`
	InstitutionID string    `json:"institutionId"`
	Year          int       `json:"year"`
	Measure       Measure   `json:"measure"`
	Target        float64   `json:"target"`
	Weight        float64   `json:"weight"`
	Version       int       `json:"version"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

// Validate checks a goal's own fields. Errors: invalid, naming the field.
func (g *Goal) Validate() error {
	g.AllianceID, g.InstitutionID = strings.TrimSpace(g.AllianceID), strings.TrimSpace(g.InstitutionID)
	info, ok := MeasureOf(g.Measure)
	switch {
	case g.AllianceID == "":
		return apperr.InvalidField("allianceId", "choose the alliance")
	case g.InstitutionID == "":
		return apperr.InvalidField("institutionId", "choose the member institution")
	case g.Year < 2000 || g.Year > 2100:
		return apperr.InvalidField("year", "year must be between 2000 and 2100")
	case !ok:
		return apperr.InvalidField("measure", "unknown measure %q", g.Measure)
	}
	return g.validateNumbers(info)
}

func (g *Goal) validateNumbers(info MeasureInfo) error {
	switch {
	case math.IsNaN(g.Target) || math.IsInf(g.Target, 0) || g.Target < 0:
		return apperr.InvalidField("target", "target must be a number ≥ 0")
	case info.Kind == KindRate && g.Target > 100:
		return apperr.InvalidField("target", "a percentage target is at most 100")
	case g.Target > 1e9:
		return apperr.InvalidField("target", "target is too large")
	case math.IsNaN(g.Weight) || g.Weight <= 0 || g.Weight > 100:
		return apperr.InvalidField("weight", "weight must be more than 0 and at most 100")
	case info.Kind == KindHours && g.Target == 0:
		return apperr.InvalidField("target", "a time target must be more than 0 hours")
	}
	return nil
}

// Rating is how a member did against a goal, or against all its goals.
type Rating string

const (
	Attained Rating = "attained"
	Partly   Rating = "partly"
	NotMet   Rating = "not"
	NoData   Rating = "no_data" // nothing to measure (no decisions to rate, say): left out of the score
)

// RatingRules say how close counts as "partly" and what it earns. The blue
// book asks for a rating mechanism without fixing one; these are the hub's
// defaults, kept in one place so an alliance can change them.
type RatingRules struct {
	// PartlyFraction: a higher-is-better goal is partly attained at this
	// fraction of its target; a lower-is-better one up to target/PartlyFraction.
	PartlyFraction float64 `json:"partlyFraction"`
	// PartlyCredit is the share of a goal's weight a partly attained goal earns.
	PartlyCredit float64 `json:"partlyCredit"`
}

// DefaultRatingRules: partly from 80% of the target, for half the weight.
var DefaultRatingRules = RatingRules{PartlyFraction: 0.8, PartlyCredit: 0.5}

// Rate rates an actual value against a target. actual is nil when there is
// nothing to measure.
func (r RatingRules) Rate(info MeasureInfo, target float64, actual *float64) (Rating, float64) {
	if actual == nil {
		return NoData, 0
	}
	a := *actual
	if info.HigherBetter {
		switch {
		case a >= target:
			return Attained, 1
		case a >= r.PartlyFraction*target:
			return Partly, r.PartlyCredit
		}
		return NotMet, 0
	}
	switch {
	case a <= target:
		return Attained, 1
	case a <= target/r.PartlyFraction:
		return Partly, r.PartlyCredit
	}
	return NotMet, 0
}

// GoalResult is one goal rated.
type GoalResult struct {
	Goal   Goal    `json:"goal"`
	Actual Value   `json:"actual"` // counts that are small show as "suppressed"
	Rating Rating  `json:"rating"`
	Credit float64 `json:"credit"` // 0, PartlyCredit or 1
}

// MemberScore is a member's rating for a year.
type MemberScore struct {
	Institution Institution  `json:"institution"`
	Rank        int          `json:"rank"`  // 1 is best; 0 when nothing could be rated
	Score       Value        `json:"score"` // 0–100: weighted credit of the rated goals
	Rating      Rating       `json:"rating"`
	Attained    int          `json:"attained"`
	Goals       []GoalResult `json:"goals"`
}

// Actual is a member's figure for a goal: the true value the rating uses
// (nil when there is nothing to measure) and the value as shown, with the
// small-cell rule applied.
type Actual struct {
	V     *float64
	Shown Value
}

// Score rates a member's goals: each rated goal earns its weight times its
// credit; the score is the earned share of the rated goals' weight, 0–100.
// The member has attained when every rated goal is attained, has not when
// no goal earned anything, and has partly attained otherwise. Goals without
// data are shown but left out; with no rated goal the member is no_data.
func (r RatingRules) Score(in Institution, goals []Goal, actual func(Goal) Actual) MemberScore {
	ms := MemberScore{Institution: in, Rating: NoData, Score: Value{NA: true}, Goals: []GoalResult{}}
	var weight, earned float64
	rated := 0
	for _, g := range goals {
		info, _ := MeasureOf(g.Measure)
		a := actual(g)
		rating, credit := r.Rate(info, g.Target, a.V)
		ms.Goals = append(ms.Goals, GoalResult{Goal: g, Rating: rating, Credit: credit, Actual: a.Shown})
		if rating == NoData {
			continue
		}
		rated++
		weight += g.Weight
		earned += g.Weight * credit
		if rating == Attained {
			ms.Attained++
		}
	}
	if rated == 0 {
		return ms
	}
	ms.Score = Value{V: math.Round(1000*earned/weight) / 10}
	switch {
	case ms.Attained == rated:
		ms.Rating = Attained
	case earned == 0:
		ms.Rating = NotMet
	default:
		ms.Rating = Partly
	}
	return ms
}

// Scoreboard is an alliance's members rated against their goals of a year.
type Scoreboard struct {
	AllianceID  string        `json:"allianceId"`
	Year        int           `json:"year"`
	MinCellSize int           `json:"minCellSize"`
	Rules       RatingRules   `json:"rules"`
	Items       []MemberScore `json:"items"`
}

// Rank orders members best first — by score, then by goals attained, then by
// name — and numbers them with competition ranks (1, 2, 2, 4: equal score
// and equal goals attained share a rank). Members with no rated goal come
// last, unranked (rank 0).
func Rank(ms []MemberScore) {
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		if a.Score.NA != b.Score.NA {
			return !a.Score.NA
		}
		if a.Score.V != b.Score.V {
			return a.Score.V > b.Score.V
		}
		if a.Attained != b.Attained {
			return a.Attained > b.Attained
		}
		return a.Institution.Name < b.Institution.Name
	})
	for i := range ms {
		switch {
		case ms[i].Score.NA:
			ms[i].Rank = 0
		case i > 0 && !ms[i-1].Score.NA && ms[i-1].Score.V == ms[i].Score.V && ms[i-1].Attained == ms[i].Attained:
			ms[i].Rank = ms[i-1].Rank
		default:
			ms[i].Rank = i + 1
		}
	}
}

// CountActual is a count as a goal's actual.
func (s Suppressor) CountActual(n int64) Actual {
	v := float64(n)
	shown := Value{V: v}
	if s.small(n) {
		shown = Value{Suppressed: true}
	}
	return Actual{V: &v, Shown: shown}
}

// PercentActual is num/den in percent as a goal's actual: no data when den
// is 0, shown under the same rule as Rate.
func (s Suppressor) PercentActual(num, den int64) Actual {
	if den == 0 {
		return Actual{Shown: Value{NA: true}}
	}
	v := 100 * float64(num) / float64(den)
	shown := s.Rate(num, den)
	shown.V *= 100
	return Actual{V: &v, Shown: shown}
}

// MedianHoursActual is a histogram's median in hours as a goal's actual.
func (s Suppressor) MedianHoursActual(h Histogram) Actual {
	secs, ok := h.Quantile(0.5)
	if !ok {
		return Actual{Shown: Value{NA: true}}
	}
	v := secs / 3600
	return Actual{V: &v, Shown: s.Hours(h, 0.5)}
}
