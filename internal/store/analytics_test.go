package store_test

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/analytics"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/consult"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

// anaEach runs fn on a fresh clocked store of each dialect: SQLite, and
// PostgreSQL when LIANXIN_TEST_DATABASE_URL is set (storetest.URL fails the
// test when it is set and unreachable). The clock starts on Monday
// 2025-12-29 09:00 China Standard Time, so the data cross a month and a
// year, and a UTC day differs from the CST day the figures use.
func anaEach(t *testing.T, fn func(t *testing.T, w *anaWorld)) {
	for _, d := range []string{store.SQLite, store.Postgres} {
		t.Run(d, func(t *testing.T) {
			if d == store.Postgres && os.Getenv(storetest.EnvDatabaseURL) == "" {
				t.Skip(storetest.EnvDatabaseURL + " is not set; PostgreSQL store tests run in CI")
			}
			c := &clock{now: time.Date(2025, 12, 29, 1, 0, 0, 0, time.UTC)}
			s := openClocked(t, d, c)
			w := &anaWorld{fixture: seedDemo(t, s), c: c}
			w.users["ana-gen"] = newUser(t, s, "ana-gen", w.instID(instGeneral), auth.RoleSpecialist)
			w.users["ana-mg"] = newUser(t, s, "ana-mg", w.instID(instMingguang), auth.RoleDoctor)
			w.users["ana-sys"] = newUser(t, s, "ana-sys", w.instID(instCore), auth.RoleSysadmin)
			fn(t, w)
		})
	}
}

// anaWorld is the demo alliance on a manual clock, with helpers that make
// referrals move.
type anaWorld struct {
	*fixture
	c *clock
	n int
}

// patient registers a patient at username's institution with referral and
// teleconsultation consent.
func (w *anaWorld) patient(t *testing.T, username string) string {
	t.Helper()
	w.n++
	ctx := w.as(username)
	p := newPatient(t, w.s, ctx, fmt.Sprintf("统计%d", w.n), nationalID("340104", "1979-03-0"+fmt.Sprint(w.n%9+1), fmt.Sprintf("%03d", 500+w.n)))
	for _, sc := range []patient.Scope{patient.ScopeReferral, patient.ScopeTeleconsult} {
		if _, err := w.s.AddConsent(ctx, patient.Consent{PatientID: p.ID, Scope: sc, SignedBy: "patient",
			SignerName: p.Name, SignedOn: "2025-12-01"}); err != nil {
			t.Fatalf("AddConsent: %v", err)
		}
	}
	return p.ID
}

// refer makes a referral as username to the named institution.
func (w *anaWorld) refer(t *testing.T, username, patientID, to string, d referral.Direction, u referral.Urgency, draft bool) *referral.Referral {
	t.Helper()
	q := referral.Request{PatientID: patientID, Direction: d, Urgency: u, ReceiverInstitutionID: w.instID(to), Draft: draft,
		Clinical: referral.Clinical{Reason: "复发", Summary: "幻听三周", Diagnoses: []string{"F20.0"}, RiskGrade: 2}}
	if d == referral.Down {
		q.DischargeSummary, q.MedicationPlan, q.FollowUpPlan = "出院小结", "利培酮 4mg", "两周内首次随访"
	}
	r, _, err := w.s.CreateReferral(w.as(username), q, "")
	if err != nil {
		t.Fatalf("CreateReferral as %s: %v", username, err)
	}
	return &r
}

// do takes action a on r as username (at r's version) and updates r.
func (w *anaWorld) do(t *testing.T, username string, r *referral.Referral, a referral.Action, edit ...func(*referral.Input)) {
	t.Helper()
	now := w.c.Now()
	in := referral.Input{Version: r.Version, Note: "原因：" + string(a)}
	switch a {
	case referral.Schedule:
		at := now.Add(48 * time.Hour)
		in.At, in.Place = &at, "门诊楼 301"
	case referral.Complete:
		in.Outcome = &referral.Outcome{Summary: "好转出院", Diagnoses: []string{"F20.0"}, Plan: "维持治疗"}
		in.FollowUp = &referral.FollowUp{Date: analytics.DayOf(now), RiskGrade: 1, Condition: referral.Stable}
	}
	for _, e := range edit {
		e(&in)
	}
	out, err := w.s.ActOnReferral(w.as(username), r.ID, a, in)
	if err != nil {
		t.Fatalf("%s %s as %s: %v", a, r.ID, username, err)
	}
	*r = out
}

// build runs the varied data set the agreement test checks: every action,
// redirects, returns and resubmission, a no-show, drafts submitted and
// discarded, fast tracks met and missed (late acceptance; cancelled after
// the admit clock ran out), downward referrals followed up on time and
// late, a lateral referral, a county hospital's referral, and an eConsult.
func (w *anaWorld) build(t *testing.T) {
	t.Helper()
	const chc, conv, spec = "chc-doctor", "convener", "specialist"
	hour := time.Hour
	pA, pB, pD := w.patient(t, chc), w.patient(t, chc), w.patient(t, chc)
	pC := w.patient(t, "county-doctor")
	r1 := w.refer(t, chc, pA, instCore, referral.Up, referral.Routine, false)
	r2 := w.refer(t, chc, pB, instCore, referral.Up, referral.FastTrack, false)
	r3 := w.refer(t, chc, pD, instCore, referral.Up, referral.FastTrack, false)
	w.c.Advance(hour)
	w.do(t, conv, r2, referral.Accept)
	w.c.Advance(2 * hour)
	w.do(t, conv, r3, referral.Accept) // three hours: the two-hour clock missed
	w.do(t, conv, r1, referral.Accept)
	w.do(t, conv, r1, referral.Schedule)
	w.c.Advance(2 * hour)
	w.do(t, conv, r2, referral.Arrive)
	w.do(t, conv, r3, referral.Arrive)
	r4 := w.refer(t, chc, pA, instCore, referral.Up, referral.Urgent, false)
	w.do(t, conv, r4, referral.Hold)
	w.do(t, chc, r4, referral.Resume)
	w.do(t, spec, r4, referral.Return)
	w.do(t, chc, r4, referral.Submit)
	r5 := w.refer(t, chc, pB, instCore, referral.Up, referral.Routine, false)
	w.do(t, spec, r5, referral.Redirect, func(in *referral.Input) { in.ReceiverInstitutionID = w.instID(instGeneral) })
	r5b := &referral.Referral{ID: r5.RedirectedToID, Version: 1}
	w.do(t, "ana-gen", r5b, referral.Accept)
	w.do(t, chc, r5b, referral.Cancel)
	r6 := w.refer(t, chc, pD, instCore, referral.Up, referral.Routine, true)
	w.do(t, chc, r6, referral.Submit)
	w.do(t, conv, r6, referral.Cancel)
	r7 := w.refer(t, chc, pA, instCore, referral.Up, referral.Routine, true)
	w.do(t, chc, r7, referral.Cancel) // a discarded draft
	r8 := w.refer(t, chc, pB, instCore, referral.Up, referral.FastTrack, false)
	w.do(t, conv, r8, referral.Accept)
	r9 := w.refer(t, chc, pA, instMingguang, referral.Lateral, referral.Routine, false)
	w.do(t, "ana-mg", r9, referral.Accept)
	r10 := w.refer(t, spec, pA, instSanlian, referral.Down, referral.Routine, false)
	r11 := w.refer(t, spec, pB, instSanlian, referral.Down, referral.Urgent, false)
	// 2025-12-31 23:30 CST (15:30 UTC).
	w.c.Advance(time.Date(2025, 12, 31, 15, 30, 0, 0, time.UTC).Sub(w.c.Now()))
	w.do(t, conv, r4, referral.Accept)
	w.do(t, conv, r4, referral.Schedule)
	w.do(t, conv, r1, referral.Arrive)
	w.do(t, chc, r10, referral.Accept)
	w.do(t, chc, r11, referral.Accept)
	// 2026-01-01 00:30 CST: still 2025-12-31 in UTC.
	w.c.Advance(hour)
	w.do(t, spec, r1, referral.Complete)
	w.do(t, conv, r8, referral.Cancel) // after its admit clock ran out
	w.do(t, conv, r4, referral.Schedule)
	w.do(t, conv, r4, referral.Fail)
	w.do(t, "ana-mg", r9, referral.Arrive)
	w.do(t, "ana-mg", r9, referral.Complete)
	w.do(t, chc, r10, referral.Arrive)
	w.do(t, chc, r10, referral.Complete) // followed up on time
	r12 := w.refer(t, "county-doctor", pC, instCore, referral.Up, referral.Urgent, false)
	w.do(t, conv, r12, referral.Accept)
	w.c.Advance(20 * 24 * hour)
	w.do(t, chc, r11, referral.Arrive)
	w.do(t, chc, r11, referral.Complete) // followed up late
	w.do(t, spec, r2, referral.Complete)
	w.do(t, spec, r3, referral.Complete)
	c, err := w.s.CreateConsult(w.as(chc), consult.Request{PatientID: pA, TargetInstitutionID: w.instID(instCore),
		Question: "是否需要调整用药？", Summary: "睡眠差", Diagnoses: []string{"F20.0"}})
	must(t, err)
	_, err = w.s.ActOnConsult(w.as(conv), c.ID, consult.Assign, consult.Input{Version: 1, SpecialistUserID: w.user(spec).ID})
	must(t, err)
	w.c.Advance(30 * hour)
	_, err = w.s.ActOnConsult(w.as(spec), c.ID, consult.Answer, consult.Input{Version: 2,
		Opinion: &consult.Opinion{Impression: "阴性症状为主", Diagnoses: []string{"F20.0"}, Recommendations: "继续观察"}})
	must(t, err)
	w.c.Advance(40 * 24 * hour)
	w.refer(t, chc, pD, instCore, referral.Up, referral.Routine, false)
}

// rollupDump lists every rollup row as text, in key order.
func rollupDump(t *testing.T, s *store.Store) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		"SELECT * FROM analytics_referrals ORDER BY grain, alliance_id, institution_id, side, period, direction, urgency",
		"SELECT * FROM analytics_referral_times ORDER BY grain, alliance_id, institution_id, side, period, direction, urgency, kind",
		"SELECT * FROM analytics_referral_flows ORDER BY grain, alliance_id, period, sender_institution_id, receiver_institution_id, direction, urgency",
	} {
		for _, r := range rawRows(t, s, q) {
			out = append(out, fmt.Sprint(r))
		}
	}
	return out
}

// TestAnalyticsRollupEqualsRebuildEqualsRaw: the rollups the transitions
// kept live equal what RebuildRollups computes from the raw tables, and
// every dashboard view read from the rollups equals the same view computed
// naively from the raw events, for filters across scopes, sides,
// directions, urgencies and date ranges that cut days, months and years.
func TestAnalyticsRollupEqualsRebuildEqualsRaw(t *testing.T) {
	anaEach(t, func(t *testing.T, w *anaWorld) {
		w.build(t)
		live := rollupDump(t, w.s)
		if len(live) < 100 {
			t.Fatalf("only %d rollup rows after the data set", len(live))
		}
		n, err := w.s.RebuildRollups(context.Background())
		must(t, err)
		if n != int64(len(live)) {
			t.Errorf("RebuildRollups wrote %d rows; the live rollups have %d", n, len(live))
		}
		rebuilt := rollupDump(t, w.s)
		if !reflect.DeepEqual(live, rebuilt) {
			for i := 0; i < len(live) || i < len(rebuilt); i++ {
				var a, b string
				if i < len(live) {
					a = live[i]
				}
				if i < len(rebuilt) {
					b = rebuilt[i]
				}
				if a != b {
					t.Fatalf("live and rebuilt rollups differ at row %d:\nlive    %s\nrebuilt %s", i, a, b)
				}
			}
		}

		alliance := w.alliance.ID
		core, chc := w.instID(instCore), w.instID(instSanlian)
		filters := []analytics.Filter{
			{AllianceID: alliance, From: "2025-12-01", To: "2026-03-31"},
			{From: "2025-01-01", To: "2026-12-31"},
			{AllianceID: alliance, From: "2025-12-30", To: "2026-01-01"},
			{AllianceID: alliance, From: "2026-01-01", To: "2026-01-01"},
			{AllianceID: alliance, From: "2025-12-29", To: "2026-02-14", Direction: referral.Up},
			{AllianceID: alliance, From: "2025-12-01", To: "2026-12-31", Urgency: referral.FastTrack},
			{AllianceID: alliance, InstitutionID: core, From: "2025-12-01", To: "2026-03-31"},
			{AllianceID: alliance, InstitutionID: core, Side: analytics.Received, From: "2025-12-15", To: "2026-01-20"},
			{AllianceID: alliance, InstitutionID: chc, Side: analytics.Sent, From: "2025-12-01", To: "2026-12-31"},
			{InstitutionID: chc, Side: analytics.Received, From: "2025-01-01", To: "2026-12-31", Direction: referral.Down},
		}
		sys := w.as("ana-sys")
		for _, f := range filters {
			name := describe(f)
			q := store.AnalyticsQuery{Filter: f}
			raw := q
			raw.Raw = true
			for _, iv := range []analytics.Interval{analytics.Monthly, analytics.Weekly, analytics.Daily} {
				q.Interval, raw.Interval = iv, iv
				a, err1 := w.s.AnalyticsVolume(sys, q)
				b, err2 := w.s.AnalyticsVolume(sys, raw)
				if f.InstitutionID != "" && iv != analytics.Monthly {
					wantCode(t, err1, "invalid", "interval") // a member's rows are kept by month
					continue
				}
				agree(t, name+" volume "+string(iv), a, b, err1, err2)
			}
			k1, err1 := w.s.AnalyticsKPIs(sys, q)
			k2, err2 := w.s.AnalyticsKPIs(sys, raw)
			agree(t, name+" kpis", k1, k2, err1, err2)
			t1, err1 := w.s.AnalyticsTimes(sys, q)
			t2, err2 := w.s.AnalyticsTimes(sys, raw)
			agree(t, name+" times", t1, t2, err1, err2)
			f1, err1 := w.s.AnalyticsFlows(sys, q)
			f2, err2 := w.s.AnalyticsFlows(sys, raw)
			if f.AllianceID == "" && f.InstitutionID == "" {
				wantCode(t, err1, "invalid", "alliance") // thousands of nodes
			} else {
				agree(t, name+" flows", f1, f2, err1, err2)
			}
			if f.AllianceID != "" && f.InstitutionID == "" {
				m1, err1 := w.s.AnalyticsMembers(sys, q)
				m2, err2 := w.s.AnalyticsMembers(sys, raw)
				agree(t, name+" members", m1, m2, err1, err2)
			}
		}

		// The figures themselves, against the data set.
		k, err := w.s.AnalyticsKPIs(sys, store.AnalyticsQuery{Filter: filters[0]})
		must(t, err)
		want := map[string][4]int64{ // up, down, lateral, total
			"created": {11, 2, 1, 14}, "submitted": {10, 2, 1, 13}, "resubmitted": {1, 0, 0, 1},
			"accepted": {7, 2, 1, 10}, "returned": {1, 0, 0, 1}, "redirected": {1, 0, 0, 1}, "cancelled": {3, 0, 0, 3},
			"failed": {1, 0, 0, 1}, "scheduled": {2, 0, 0, 2}, "admitted": {3, 2, 1, 6}, "completed": {3, 2, 1, 6},
		}
		for m, v := range want {
			dc := k.Counts[m]
			if got := [4]int64{dc.Up.N, dc.Down.N, dc.Lateral.N, dc.Total.N}; got != v {
				t.Errorf("%s = %v, want %v", m, got, v)
			}
		}
		if k.FastTrack.SLAMet.N != 1 || k.FastTrack.SLAMissed.N != 2 || k.FollowUp.OnTime.N != 1 || k.FollowUp.Late.N != 1 {
			t.Errorf("fast track met/missed %d/%d, follow-ups on time/late %d/%d; want 1/2, 1/1",
				k.FastTrack.SLAMet.N, k.FastTrack.SLAMissed.N, k.FollowUp.OnTime.N, k.FollowUp.Late.N)
		}
		// Days are China Standard Time: the completions at 00:30 on 1 January
		// (16:30 UTC on 31 December) count on 1 January.
		for day, completed := range map[string]int64{"2025-12-31": 0, "2026-01-01": 3} {
			k, err := w.s.AnalyticsKPIs(sys, store.AnalyticsQuery{Filter: analytics.Filter{AllianceID: alliance, From: day, To: day}})
			must(t, err)
			if got := k.Counts["completed"].Total.N; got != completed {
				t.Errorf("completed on %s = %d, want %d", day, got, completed)
			}
		}
		// All alliances together have no member table, goals or scoreboard.
		_, err = w.s.AnalyticsMembers(sys, store.AnalyticsQuery{Filter: filters[1]})
		wantCode(t, err, "invalid", "alliance")
		_, err = w.s.Scoreboard(sys, "", 2026)
		wantCode(t, err, "invalid", "alliance")
		_, err = w.s.ListGoals(sys, "", 0)
		wantCode(t, err, "invalid", "alliance")
		c, err := w.s.AnalyticsConsults(sys, store.AnalyticsQuery{Filter: filters[0]})
		must(t, err)
		if c.EConsults.Asked.N != 1 || c.EConsults.Answered.N != 1 || c.EConsults.ResolvedNoReferral.N != 1 ||
			!c.EConsults.MedianResponseHours.Suppressed {
			t.Errorf("eConsults = %+v; want 1 asked, 1 answered and resolved, the median of one suppressed", c.EConsults)
		}
	})
}

func describe(f analytics.Filter) string {
	return strings.TrimSpace(fmt.Sprintf("%.8s/%.8s/%s/%s/%s %s..%s", f.AllianceID, f.InstitutionID, f.Side, f.Direction,
		f.Urgency, f.From, f.To))
}

func agree(t *testing.T, name string, a, b any, err1, err2 error) {
	t.Helper()
	if err1 != nil || err2 != nil {
		t.Fatalf("%s: %v / %v", name, err1, err2)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("%s: rollup and raw differ:\nrollup %+v\nraw    %+v", name, a, b)
	}
}
