package store_test

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/analytics"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/consult"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/rounds"
	"github.com/lianxin-hub/lianxin/internal/schedule"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
	"github.com/lianxin-hub/lianxin/internal/teaching"
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

// activity adds consultation activity after build, in March 2026: a
// video consultation held (two people, 27 minutes) and one cancelled on
// Monday the 9th, a second eConsult answered and turned into a referral, a
// ward round held on Tuesday the 10th with a case and three attendees (one
// of them twice), and a lecture on Wednesday the 11th with two attendees.
func (w *anaWorld) activity(t *testing.T) {
	t.Helper()
	s, chc, spec := w.s, w.as("chc-doctor"), w.user("specialist")
	at := func(rfc string) time.Time {
		tm, err := time.Parse(time.RFC3339, rfc)
		must(t, err)
		return tm
	}
	to := func(rfc string) { w.c.Advance(at(rfc).Sub(w.c.Now())) }
	to("2026-03-09T01:00:00Z")
	_, err := s.AddTemplate(w.as("specialist"), schedule.Template{UserID: spec.ID, Weekday: time.Monday, Start: "09:00",
		End: "12:00", SlotMinutes: 30, ValidFrom: "2025-12-01"})
	must(t, err)
	pid := w.patient(t, "chc-doctor")
	var consentID string
	must(t, w.s.SQL().QueryRow(rebind(s, "SELECT id FROM consents WHERE patient_id = ? AND scope = ?"), pid,
		string(patient.ScopeTeleconsult)).Scan(&consentID))
	book := func(start string) consult.Video {
		st := at(start)
		v, err := s.BookVideo(chc, consult.Booking{PatientID: pid, SpecialistUserID: spec.ID, Start: st, End: st.Add(30 * time.Minute),
			Purpose: "明确诊断", RecordSummary: "幻听两月", InvitedSpecialty: "general_adult", ConsentID: consentID})
		must(t, err)
		return v
	}
	held, cancelled := book("2026-03-09T02:00:00Z"), book("2026-03-09T02:30:00Z")
	_, err = s.ActOnVideo(chc, cancelled.ID, consult.CancelVideo, consult.VideoInput{Version: 1, Note: "患者住院"})
	must(t, err)
	must(t, s.RoomJoined(t.Context(), held.RoomID, spec.ID, at("2026-03-09T01:58:00Z")))
	must(t, s.RoomJoined(t.Context(), held.RoomID, w.user("chc-doctor").ID, at("2026-03-09T02:00:00Z")))
	must(t, s.RoomLeft(t.Context(), held.RoomID, w.user("chc-doctor").ID, at("2026-03-09T02:20:00Z")))
	must(t, s.RoomLeft(t.Context(), held.RoomID, spec.ID, at("2026-03-09T02:25:00Z")))
	to("2026-03-09T02:40:00Z")
	_, err = s.ActOnVideo(w.as("specialist"), held.ID, consult.FileOpinion, consult.VideoInput{Version: 1,
		Opinion: &consult.Opinion{Impression: "抑郁发作", Recommendations: "门诊随访"}})
	must(t, err)

	c, err := s.CreateConsult(chc, consult.Request{PatientID: pid, TargetInstitutionID: w.instID(instCore),
		Question: "是否需要住院？", Summary: "自杀观念", Diagnoses: []string{"F32.2"}})
	must(t, err)
	_, err = s.ActOnConsult(w.as("convener"), c.ID, consult.Assign, consult.Input{Version: 1, SpecialistUserID: spec.ID})
	must(t, err)
	to("2026-03-09T05:00:00Z")
	_, err = s.ActOnConsult(w.as("specialist"), c.ID, consult.Answer, consult.Input{Version: 2,
		Opinion: &consult.Opinion{Impression: "重度抑郁", Diagnoses: []string{"F32.2"}, Recommendations: "建议上转住院"}})
	must(t, err)
	_, err = s.ConvertConsultToReferral(chc, c.ID, referral.Urgent, "")
	must(t, err)

	county := w.as("county-doctor")
	sr, err := s.CreateRound(w.as("convener"), rounds.SeriesRequest{Title: "周二远程查房", HostUserID: spec.ID,
		WardInstitutionIDs: []string{w.instID(instFeixi)}, Recurrence: rounds.Recurrence{Weekday: "tuesday", Time: "09:00",
			DurationMinutes: 60, From: "2026-03-01"}})
	must(t, err)
	occ, err := s.RoundOccurrences(county, sr.ID, "2026-03-10", "2026-03-10")
	must(t, err)
	if len(occ) != 1 {
		t.Fatalf("%d occurrences on 10 March", len(occ))
	}
	_, err = s.PresentRoundCase(county, occ[0].ID, rounds.CaseRequest{PatientID: w.patient(t, "county-doctor"), Question: "是否换药？"})
	must(t, err)
	to("2026-03-10T00:55:00Z")
	for _, u := range []string{"specialist", "county-doctor", "ana-sys"} {
		left := at("2026-03-10T01:50:00Z")
		must(t, s.RecordAttendance(t.Context(), occ[0].RoomID, w.user(u).ID, at("2026-03-10T01:00:00Z"), &left))
	}
	left := at("2026-03-10T01:59:00Z") // the county doctor comes back: still one attendee
	must(t, s.RecordAttendance(t.Context(), occ[0].RoomID, w.user("county-doctor").ID, at("2026-03-10T01:55:00Z"), &left))
	to("2026-03-10T02:05:00Z")
	_, err = s.ActOnRoundOccurrence(w.as("specialist"), occ[0].ID, rounds.Hold, rounds.ActInput{Version: 1})
	must(t, err)

	l, err := s.CreateLecture(w.as("convener"), teaching.Request{Kind: teaching.Lecture, Title: "抑郁障碍的规范化治疗",
		Description: "面向基层医生", StartsAt: "2026-03-11T19:00:00+08:00", DurationMinutes: 60, PresenterUserID: spec.ID})
	must(t, err)
	to("2026-03-11T10:58:00Z")
	must(t, s.RoomJoined(t.Context(), l.Session.RoomID, spec.ID, w.c.Now()))
	_, err = s.CheckInLecture(w.as("chc-doctor"), l.Session.ID, teaching.CheckIn{Event: teaching.Join})
	must(t, err)
	to("2026-03-11T12:00:00Z")
	must(t, s.RoomLeft(t.Context(), l.Session.RoomID, spec.ID, w.c.Now()))
	_, err = s.CheckInLecture(w.as("chc-doctor"), l.Session.ID, teaching.CheckIn{Event: teaching.Leave})
	must(t, err)
	to("2026-03-12T01:00:00Z")
}

// rollupDump lists every rollup row as text, in key order.
func rollupDump(t *testing.T, s *store.Store) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		"SELECT * FROM analytics_referrals ORDER BY grain, alliance_id, institution_id, side, period, direction, urgency",
		"SELECT * FROM analytics_referral_times ORDER BY grain, alliance_id, institution_id, side, period, direction, urgency, kind",
		"SELECT * FROM analytics_referral_flows ORDER BY grain, alliance_id, period, sender_institution_id, receiver_institution_id, direction, urgency",
		"SELECT * FROM analytics_activity ORDER BY grain, institution_id, side, period",
		"SELECT * FROM analytics_trained ORDER BY institution_id, day, user_id",
		"SELECT * FROM analytics_trainees ORDER BY institution_id, user_id",
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
		w.activity(t)
		live := rollupDump(t, w.s)
		if len(live) < 100 {
			t.Fatalf("only %d rollup rows after the data set", len(live))
		}
		counts := "SELECT id, cases, attendees FROM round_occurrences WHERE status = 'held' UNION ALL SELECT id, 0, attendees FROM lectures"
		liveCounts := rawRows(t, w.s, counts)
		n, err := w.s.RebuildRollups(context.Background())
		must(t, err)
		if n != int64(len(live)) {
			t.Errorf("RebuildRollups wrote %d rows; the live rollups have %d", n, len(live))
		}
		if got := rawRows(t, w.s, counts); !reflect.DeepEqual(got, liveCounts) || len(got) != 2 {
			t.Errorf("cases and attendees: live %v, rebuilt %v", liveCounts, got)
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
			{From: "2026-03-09", To: "2026-03-11"},
			{AllianceID: alliance, InstitutionID: core, From: "2026-03-10", To: "2026-04-30"},
			{AllianceID: alliance, InstitutionID: chc, From: "2026-02-01", To: "2026-03-09"},
			// Many years: flows read as all time less what lies outside.
			{AllianceID: alliance, From: "2020-01-01", To: "2026-02-28"},
			{AllianceID: alliance, InstitutionID: core, Side: analytics.Sent, From: "2019-06-01", To: "2026-01-31"},
			{AllianceID: alliance, From: "2021-01-01", To: "2026-12-31", Direction: referral.Up},
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
			c1, err1 := w.s.AnalyticsConsults(sys, q)
			c2, err2 := w.s.AnalyticsConsults(sys, raw)
			agree(t, name+" consultations", c1, c2, err1, err2)
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
			"created": {12, 2, 1, 15}, "submitted": {11, 2, 1, 14}, "resubmitted": {1, 0, 0, 1}, // activity's referral too
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
		if c.EConsults.Asked.N != 2 || c.EConsults.Answered.N != 2 || c.EConsults.ResolvedNoReferral.N != 1 ||
			!c.EConsults.MedianResponseHours.Suppressed {
			t.Errorf("eConsults = %+v; want 2 asked, 2 answered, 1 resolved, the median of two suppressed", c.EConsults)
		}
		wantConsultFigures(t, c)
	})
}

// wantConsultFigures checks the consultation figures of activity against
// the data set (N is the count before the small-cell rule hides it).
func wantConsultFigures(t *testing.T, c analytics.Consults) {
	t.Helper()
	v, r, l := c.Video, c.Rounds, c.Lectures
	got := []int64{v.Booked.N, v.Held.N, v.Cancelled.N, v.NoShow.N, v.RoomsWithRecord.N, v.Attendees.N,
		r.Held.N, r.Cases.N, r.Attendees.N, l.Held.N, l.Attendees.N, l.StaffTrained.N}
	want := []int64{2, 1, 1, 0, 1, 2, 1, 1, 3, 1, 2, 4}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("video booked/held/cancelled/no-show/rooms/attendees, rounds held/cases/attendees, lectures held/attendees, "+
			"staff trained = %v, want %v", got, want)
	}
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

// TestActivityRollupUnderConcurrentWrites: eConsults asked at once by two
// institutions of the same target, on a day with no rows yet, all count —
// the recomputations of the shared rows run one after the other — and the
// live rows equal a rebuild.
func TestActivityRollupUnderConcurrentWrites(t *testing.T) {
	anaEach(t, func(t *testing.T, w *anaWorld) {
		askers := []string{"chc-doctor", "county-doctor"}
		patients := map[string]string{}
		for _, u := range askers {
			patients[u] = w.patient(t, u)
		}
		const each = 6
		errs := make(chan error, each*len(askers))
		var wg sync.WaitGroup
		for _, u := range askers {
			for range each {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := w.s.CreateConsult(w.as(u), consult.Request{PatientID: patients[u], TargetInstitutionID: w.instID(instCore),
						Question: "是否需要调整用药？", Summary: "睡眠差"})
					errs <- err
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		c, err := w.s.AnalyticsConsults(w.as("ana-sys"), store.AnalyticsQuery{Filter: analytics.Filter{
			From: analytics.DayOf(w.c.Now()), To: analytics.DayOf(w.c.Now())}})
		must(t, err)
		if c.EConsults.Asked.N != each*int64(len(askers)) {
			t.Errorf("asked = %d, want %d", c.EConsults.Asked.N, each*len(askers))
		}
		live := rollupDump(t, w.s)
		_, err = w.s.RebuildRollups(context.Background())
		must(t, err)
		if rebuilt := rollupDump(t, w.s); !reflect.DeepEqual(live, rebuilt) {
			t.Errorf("live rows differ from a rebuild:\nlive    %v\nrebuilt %v", live, rebuilt)
		}
	})
}
