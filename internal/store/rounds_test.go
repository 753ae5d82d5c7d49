package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/rounds"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

// roundsFixture is the demo alliance on a store whose clock the test moves;
// it starts on Saturday 2025-03-01, 17:00 Beijing time.
type roundsFixture struct {
	*fixture
	clk *clock
}

func eachRounds(t *testing.T, fn func(t *testing.T, f *roundsFixture)) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		clk := newClock()
		fn(t, &roundsFixture{fixture: seedDemo(t, openClocked(t, s.Dialect(), clk)), clk: clk})
	})
}

// at moves the clock to an RFC 3339 time.
func (f *roundsFixture) at(s string) {
	f.t.Helper()
	want, err := time.Parse(time.RFC3339, s)
	if err != nil {
		f.t.Fatal(err)
	}
	f.clk.Advance(want.Sub(f.clk.Now()))
}

// consented registers a patient at the actor's institution with consents of
// the given scopes.
func (f *roundsFixture) consented(ctx context.Context, name, nid string, scopes ...patient.Scope) patient.Patient {
	f.t.Helper()
	p := newPatient(f.t, f.s, ctx, name, nid)
	for _, sc := range scopes {
		if _, err := f.s.AddConsent(ctx, patient.Consent{PatientID: p.ID, Scope: sc, SignedBy: "patient", SignerName: name,
			SignedOn: "2025-02-01"}); err != nil {
			f.t.Fatalf("AddConsent(%s): %v", sc, err)
		}
	}
	return p
}

// tuesdayRound is every Tuesday 09:00 Beijing time from 2025-03-01, hosted by
// the demo specialist for the given wards.
func (f *roundsFixture) tuesdayRound(wards ...string) rounds.Series {
	f.t.Helper()
	sr, err := f.s.CreateRound(f.as("convener"), rounds.SeriesRequest{Title: "周二远程查房", HostUserID: f.user("specialist").ID,
		WardInstitutionIDs: wards, Recurrence: rounds.Recurrence{Weekday: "tuesday", Time: "09:00", DurationMinutes: 60,
			From: "2025-03-01"}})
	if err != nil {
		f.t.Fatalf("CreateRound: %v", err)
	}
	return sr
}

// march lists the series' March occurrences as ctx's actor.
func (f *roundsFixture) march(ctx context.Context, seriesID string) []rounds.Occurrence {
	f.t.Helper()
	os, err := f.s.RoundOccurrences(ctx, seriesID, "2025-03-01", "2025-03-31")
	if err != nil {
		f.t.Fatalf("RoundOccurrences: %v", err)
	}
	return os
}

func TestRoundScheduling(t *testing.T) {
	eachRounds(t, func(t *testing.T, f *roundsFixture) {
		s, feixi, core := f.s, f.instID(instFeixi), f.instID(instCore)
		req := func(edit func(q *rounds.SeriesRequest)) rounds.SeriesRequest {
			q := rounds.SeriesRequest{Title: "周二远程查房", WardInstitutionIDs: []string{feixi},
				Recurrence: rounds.Recurrence{Weekday: "tuesday", Time: "09:00", DurationMinutes: 60, From: "2025-03-01"}}
			edit(&q)
			return q
		}
		_, err := s.CreateRound(f.as("county-doctor"), req(func(*rounds.SeriesRequest) {}))
		wantCode(t, err, apperr.Forbidden, "")
		countyConvener := newUser(t, s, "feixi-convener", feixi, auth.RoleConvener)
		_, err = s.CreateRound(asUser(t, countyConvener), req(func(q *rounds.SeriesRequest) { q.WardInstitutionIDs = []string{core} }))
		wantCode(t, err, apperr.Forbidden, "") // a county hospital hosts no rounds
		outside := newInstitution(t, s, "联盟外社区卫生服务中心")
		for _, tc := range []struct {
			name  string
			edit  func(q *rounds.SeriesRequest)
			field string
		}{
			{"the convener cannot host", func(*rounds.SeriesRequest) {}, "hostUserId"},
			{"a county doctor cannot host", func(q *rounds.SeriesRequest) { q.HostUserID = f.user("county-doctor").ID }, "hostUserId"},
			{"unknown host", func(q *rounds.SeriesRequest) { q.HostUserID = "no-such-user" }, "hostUserId"},
			{"host as its own ward", func(q *rounds.SeriesRequest) {
				q.HostUserID, q.WardInstitutionIDs = f.user("specialist").ID, []string{core}
			}, "wardInstitutionIds"},
			{"ward outside the alliance", func(q *rounds.SeriesRequest) {
				q.HostUserID, q.WardInstitutionIDs = f.user("specialist").ID, []string{outside.ID}
			}, "wardInstitutionIds"},
			{"unknown ward", func(q *rounds.SeriesRequest) {
				q.HostUserID, q.WardInstitutionIDs = f.user("specialist").ID, []string{"no-such-institution"}
			}, "wardInstitutionIds"},
			{"bad time", func(q *rounds.SeriesRequest) { q.Recurrence.Time = "9am" }, "recurrence.time"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.CreateRound(f.as("convener"), req(tc.edit))
				wantCode(t, err, apperr.Invalid, tc.field)
			})
		}
		if n := count(t, s, "round_series", ""); n != 0 {
			t.Fatalf("%d series written by refused calls", n)
		}

		sr := f.tuesdayRound(feixi)
		if sr.HostInstitutionID != core || sr.HostUserID != f.user("specialist").ID || sr.CreatedBy != f.user("convener").ID {
			t.Fatalf("CreateRound = %+v", sr)
		}
		// The specialist may schedule with themself as the default host.
		own, err := s.CreateRound(f.as("specialist"), req(func(*rounds.SeriesRequest) {}))
		must(t, err)
		if own.HostUserID != f.user("specialist").ID {
			t.Fatalf("default host = %q", own.HostUserID)
		}

		occ := f.march(f.as("county-doctor"), sr.ID)
		want := []string{"2025-03-04T01:00:00Z", "2025-03-11T01:00:00Z", "2025-03-18T01:00:00Z", "2025-03-25T01:00:00Z"}
		if len(occ) != len(want) {
			t.Fatalf("%d March occurrences, want %d: %+v", len(occ), len(want), occ)
		}
		for i, o := range occ {
			if o.StartsAt.Format(time.RFC3339) != want[i] || o.Status != rounds.Scheduled || o.RoomID == "" ||
				o.EndsAt.Sub(o.StartsAt) != time.Hour {
				t.Errorf("occurrence %d = %+v, want start %s", i, o, want[i])
			}
		}
		again := f.march(f.as("specialist"), sr.ID)
		for i := range again {
			if again[i].ID != occ[i].ID || again[i].RoomID != occ[i].RoomID {
				t.Fatalf("listing again made new occurrences: %+v vs %+v", again[i], occ[i])
			}
		}
		if n := count(t, s, "round_occurrences", "series_id = ?", sr.ID); n != 4 {
			t.Fatalf("%d occurrences stored, want 4", n)
		}
		if n := count(t, s, "rooms", "kind = ?", store.RoomWardRound); n != 4 {
			t.Fatalf("%d ward-round rooms, want one per occurrence", n)
		}
		// A window the default way: four weeks from today.
		def, err := s.RoundOccurrences(f.as("specialist"), sr.ID, "", "")
		must(t, err)
		if len(def) != 4 || def[0].ID != occ[0].ID {
			t.Fatalf("default window: %d occurrences", len(def))
		}
		for _, tc := range []struct{ from, to, field string }{
			{"2025-03-31", "2025-03-01", "to"}, {"2025-01-01", "2026-06-01", "to"}, {"March", "", "from"}, {"", "soon", "to"},
		} {
			_, err := s.RoundOccurrences(f.as("specialist"), sr.ID, tc.from, tc.to)
			wantCode(t, err, apperr.Invalid, tc.field)
		}

		// Visibility: the host and the wards; any other institution sees nothing.
		for _, u := range []string{"specialist", "convener", "county-doctor"} {
			list, err := s.ListRounds(f.as(u))
			if err != nil || len(list) == 0 || list[len(list)-1].ID != sr.ID {
				t.Fatalf("%s's rounds = %+v, %v", u, list, err)
			}
		}
		if list, err := s.ListRounds(f.as("chc-doctor")); err != nil || len(list) != 0 {
			t.Fatalf("a third institution lists %+v, %v", list, err)
		}
		_, err = s.GetRound(f.as("chc-doctor"), sr.ID)
		wantCode(t, err, apperr.NotFound, "")
		_, err = s.RoundOccurrences(f.as("chc-doctor"), sr.ID, "2025-03-01", "2025-03-31")
		wantCode(t, err, apperr.NotFound, "")
		_, _, err = s.GetRoundOccurrence(f.as("chc-doctor"), occ[0].ID)
		wantCode(t, err, apperr.NotFound, "")

		// An extra session.
		extra := rounds.OccurrenceRequest{StartsAt: "2025-03-05T14:00:00+08:00", DurationMinutes: 90}
		_, err = s.AddRoundOccurrence(f.as("county-doctor"), sr.ID, extra)
		wantCode(t, err, apperr.Forbidden, "")
		_, err = s.AddRoundOccurrence(f.as("chc-doctor"), sr.ID, extra)
		wantCode(t, err, apperr.NotFound, "")
		_, err = s.AddRoundOccurrence(f.as("convener"), sr.ID, rounds.OccurrenceRequest{StartsAt: "2025-02-28T14:00:00+08:00", DurationMinutes: 90})
		wantCode(t, err, apperr.Invalid, "startsAt")
		x, err := s.AddRoundOccurrence(f.as("convener"), sr.ID, extra)
		must(t, err)
		if x.StartsAt.Format(time.RFC3339) != "2025-03-05T06:00:00Z" || x.DurationMinutes != 90 {
			t.Fatalf("extra occurrence = %+v", x)
		}
		_, err = s.AddRoundOccurrence(f.as("convener"), sr.ID, rounds.OccurrenceRequest{StartsAt: "2025-03-11T09:00:00+08:00", DurationMinutes: 30})
		wantCode(t, err, apperr.Conflict, "startsAt")
		if got := f.march(f.as("county-doctor"), sr.ID); len(got) != 5 || got[1].ID != x.ID {
			t.Fatalf("March with the extra session: %d occurrences", len(got))
		}

		// Held and cancelled.
		_, err = s.ActOnRoundOccurrence(f.as("specialist"), occ[0].ID, rounds.Hold, rounds.ActInput{Version: 1})
		wantCode(t, err, apperr.Conflict, "") // not started yet
		_, err = s.ActOnRoundOccurrence(f.as("county-doctor"), occ[1].ID, rounds.Cancel, rounds.ActInput{Version: 1, Note: "x"})
		wantCode(t, err, apperr.Forbidden, "")
		_, err = s.ActOnRoundOccurrence(f.as("convener"), occ[1].ID, rounds.Cancel, rounds.ActInput{Version: 1})
		wantCode(t, err, apperr.Invalid, "note")
		c, err := s.ActOnRoundOccurrence(f.as("convener"), occ[1].ID, rounds.Cancel, rounds.ActInput{Version: 1, Note: "专家出差"})
		must(t, err)
		if c.Status != rounds.Cancelled || c.Version != 2 {
			t.Fatalf("cancelled = %+v", c)
		}
		f.at("2025-03-04T01:10:00Z")
		_, err = s.ActOnRoundOccurrence(f.as("specialist"), occ[0].ID, rounds.Hold, rounds.ActInput{Version: 2})
		wantCode(t, err, apperr.Conflict, "")
		h, err := s.ActOnRoundOccurrence(f.as("specialist"), occ[0].ID, rounds.Hold, rounds.ActInput{Version: 1})
		must(t, err)
		if h.Status != rounds.Held {
			t.Fatalf("held = %+v", h)
		}
		if n := auditCount(t, s, "round.occurrence_cancel", ""); n != 1 {
			t.Fatalf("%d cancel audit entries", n)
		}
	})
}

func TestRoundCasesNotesAndTasks(t *testing.T) {
	eachRounds(t, func(t *testing.T, f *roundsFixture) {
		s, county, chc := f.s, f.as("county-doctor"), f.as("chc-doctor")
		// Two wards: the county hospital and the CHC.
		sr := f.tuesdayRound(f.instID(instFeixi), f.instID(instSanlian))
		occ := f.march(county, sr.ID)
		first := occ[0].ID
		p := newPatient(t, s, county, "周八", nationalID("340123", "1975-05-05", "111"))
		q := rounds.CaseRequest{PatientID: p.ID, Question: "氯氮平加量后仍有幻听，是否换药？"}

		_, err := s.PresentRoundCase(county, first, q)
		wantCode(t, err, apperr.Invalid, "patientId") // no teleconsult consent
		_, err = s.AddConsent(county, patient.Consent{PatientID: p.ID, Scope: patient.ScopeTeleconsult, SignedBy: "patient",
			SignerName: "周八", SignedOn: "2025-02-01"})
		must(t, err)
		_, err = s.GetPatient(f.as("specialist"), p.ID)
		wantCode(t, err, apperr.NotFound, "") // the host does not see the patient before the presentation
		_, err = s.PresentRoundCase(f.as("specialist"), first, q)
		wantCode(t, err, apperr.Forbidden, "") // the host does not present
		_, err = s.PresentRoundCase(chc, first, q)
		wantCode(t, err, apperr.NotFound, "") // a ward, but not the patient's doctor
		_, err = s.PresentRoundCase(county, first, rounds.CaseRequest{PatientID: p.ID})
		wantCode(t, err, apperr.Invalid, "question")

		c, err := s.PresentRoundCase(county, first, q)
		must(t, err)
		if c.PresenterUserID != f.user("county-doctor").ID || c.Version != 1 || c.SeriesID != sr.ID {
			t.Fatalf("case = %+v", c)
		}
		if _, err := s.GetPatient(f.as("specialist"), p.ID); err != nil {
			t.Fatalf("the host cannot see the presented patient: %v", err)
		}
		_, err = s.PresentRoundCase(county, first, q)
		wantCode(t, err, apperr.Conflict, "patientId")
		if n := auditCount(t, s, "round.case_present", p.ID); n != 1 {
			t.Fatalf("%d presentation audit entries, want 1", n)
		}

		// The host and the presenter see the case; the other ward sees the
		// round but not the patient; a third institution sees nothing.
		for _, u := range []string{"specialist", "county-doctor"} {
			list, err := s.ListRoundCases(f.as(u), first)
			if err != nil || len(list) != 1 || list[0].PatientName != "周八" {
				t.Fatalf("%s's case list = %+v, %v", u, list, err)
			}
		}
		if list, err := s.ListRoundCases(chc, first); err != nil || len(list) != 0 {
			t.Fatalf("the other ward's case list = %+v, %v", list, err)
		}
		_, err = s.GetRoundCase(chc, c.ID)
		wantCode(t, err, apperr.NotFound, "")
		third := newInstitution(t, s, "联盟外医院")
		stranger := asUser(t, newUser(t, s, "stranger", third.ID, auth.RoleDoctor))
		_, err = s.ListRoundCases(stranger, first)
		wantCode(t, err, apperr.NotFound, "")
		_, err = s.GetRoundCase(stranger, c.ID)
		wantCode(t, err, apperr.NotFound, "")

		// Notes by the host's specialist only.
		in := rounds.NotesInput{Version: 1, Notes: "幻听频率下降，睡眠差", Recommendations: "维持氯氮平，加用奥氮平需评估代谢"}
		for _, u := range []string{"county-doctor", "convener"} {
			_, err = s.WriteRoundCaseNotes(f.as(u), c.ID, in)
			wantCode(t, err, apperr.Forbidden, "")
		}
		_, err = s.WriteRoundCaseNotes(chc, c.ID, in)
		wantCode(t, err, apperr.NotFound, "")
		_, err = s.WriteRoundCaseNotes(f.as("specialist"), c.ID, rounds.NotesInput{Version: 1})
		wantCode(t, err, apperr.Invalid, "notes")
		noted, err := s.WriteRoundCaseNotes(f.as("specialist"), c.ID, in)
		must(t, err)
		if noted.Version != 2 || noted.NotesByUserID != f.user("specialist").ID || noted.NotesAt == nil {
			t.Fatalf("after notes: %+v", noted)
		}
		_, err = s.WriteRoundCaseNotes(f.as("specialist"), c.ID, in)
		wantCode(t, err, apperr.Conflict, "") // version 1 is stale
		d, err := s.GetRoundCase(county, c.ID)
		must(t, err)
		if d.Case.Recommendations != in.Recommendations || d.PatientName != "周八" || len(d.Tasks) != 0 {
			t.Fatalf("case detail = %+v", d)
		}

		// Follow-up tasks for the presenting doctor.
		_, err = s.AddRoundTask(county, c.ID, rounds.TaskRequest{Text: "复查血常规", DueOn: "2025-03-11"})
		wantCode(t, err, apperr.Forbidden, "")
		_, err = s.AddRoundTask(f.as("specialist"), c.ID, rounds.TaskRequest{Text: "复查血常规", DueOn: "2025-02-11"})
		wantCode(t, err, apperr.Invalid, "dueOn")
		task, err := s.AddRoundTask(f.as("specialist"), c.ID, rounds.TaskRequest{Text: "复查血常规", DueOn: "2025-03-11"})
		must(t, err)
		if task.AssigneeUserID != f.user("county-doctor").ID {
			t.Fatalf("task assigned to %s", task.AssigneeUserID)
		}
		mine, err := s.ListRoundTasks(county, false)
		if err != nil || len(mine) != 1 || mine[0].PatientName != "周八" || mine[0].SeriesTitle != sr.Title ||
			!mine[0].StartsAt.Equal(occ[0].StartsAt) {
			t.Fatalf("open tasks = %+v, %v", mine, err)
		}
		yes := true
		_, err = s.UpdateRoundTask(f.as("specialist"), task.ID, rounds.TaskUpdate{Version: 1, Done: &yes})
		wantCode(t, err, apperr.Forbidden, "")
		_, err = s.UpdateRoundTask(chc, task.ID, rounds.TaskUpdate{Version: 1, Done: &yes})
		wantCode(t, err, apperr.NotFound, "")
		done, err := s.UpdateRoundTask(county, task.ID, rounds.TaskUpdate{Version: 1, Done: &yes})
		must(t, err)
		if !done.Done || done.DoneAt == nil || done.Version != 2 {
			t.Fatalf("done task = %+v", done)
		}
		_, err = s.UpdateRoundTask(county, task.ID, rounds.TaskUpdate{Version: 1, Done: &yes})
		wantCode(t, err, apperr.Conflict, "")
		no := false
		reopened, err := s.UpdateRoundTask(county, task.ID, rounds.TaskUpdate{Version: 2, Done: &no})
		must(t, err)
		if reopened.Done || reopened.DoneAt != nil {
			t.Fatalf("reopened task = %+v", reopened)
		}
		done, err = s.UpdateRoundTask(county, task.ID, rounds.TaskUpdate{Version: 3, Done: &yes})
		must(t, err)
		if open, _ := s.ListRoundTasks(county, false); len(open) != 0 {
			t.Fatalf("%d open tasks after done", len(open))
		}
		if all, _ := s.ListRoundTasks(county, true); len(all) != 1 {
			t.Fatalf("%d tasks in all", len(all))
		}
		if d, _ := s.GetRoundCase(f.as("specialist"), c.ID); len(d.Tasks) != 1 || !d.Tasks[0].Done {
			t.Fatalf("case tasks = %+v", d.Tasks)
		}
		for action, want := range map[string]int{"round.case_read": 2, "round.case_notes": 1, "round.task_create": 1, "round.task_update": 3} {
			if n := auditCount(t, s, action, p.ID); n != want {
				t.Errorf("%d %s audit entries about the patient, want %d", n, action, want)
			}
		}

		// A cancelled round takes no more cases, notes or tasks.
		_, err = s.ActOnRoundOccurrence(f.as("convener"), first, rounds.Cancel, rounds.ActInput{Version: 1, Note: "停电"})
		must(t, err)
		_, err = s.WriteRoundCaseNotes(f.as("specialist"), c.ID, rounds.NotesInput{Version: 2, Notes: "补记"})
		wantCode(t, err, apperr.Conflict, "")
		p2 := f.consented(county, "吴九", nationalID("340123", "1980-06-06", "222"), patient.ScopeTeleconsult)
		_, err = s.PresentRoundCase(county, first, rounds.CaseRequest{PatientID: p2.ID, Question: "q"})
		wantCode(t, err, apperr.Conflict, "")
	})
}

func TestRoundAttendanceAndCredits(t *testing.T) {
	eachRounds(t, func(t *testing.T, f *roundsFixture) {
		s, county := f.s, f.as("county-doctor")
		sr := f.tuesdayRound(f.instID(instFeixi))
		occ := f.march(county, sr.ID) // the first: Tuesday 2025-03-04 01:00–02:00 UTC
		o := occ[0]
		join, leave := teachingEvent("join"), teachingEvent("leave")

		_, err := s.CheckInRound(county, o.ID, join)
		wantCode(t, err, apperr.Conflict, "") // three days early
		_, err = s.CheckInRound(county, o.ID, teachingEvent("arrive"))
		wantCode(t, err, apperr.Invalid, "event")
		_, err = s.CheckInRound(f.as("chc-doctor"), o.ID, join)
		wantCode(t, err, apperr.NotFound, "")

		f.at("2025-03-04T00:50:00Z")
		me, err := s.CheckInRound(county, o.ID, join)
		must(t, err)
		if !me.Present || me.Minutes != 0 || len(me.Stretches) != 1 || me.RoomID != o.RoomID {
			t.Fatalf("after join: %+v", me)
		}
		if _, err := s.CheckInRound(county, o.ID, join); err != nil { // joining twice is one stay
			t.Fatal(err)
		}
		f.at("2025-03-04T01:20:00Z")
		me, err = s.CheckInRound(county, o.ID, leave)
		must(t, err)
		if me.Present || me.Minutes != 20 || len(me.Stretches) != 1 {
			t.Fatalf("after leave: %+v", me)
		}
		_, err = s.CheckInRound(county, o.ID, leave)
		wantCode(t, err, apperr.Conflict, "")

		// The video layer reports a second stay, first its join, then both ends.
		joined, left := mustTime(t, "2025-03-04T01:30:00Z"), mustTime(t, "2025-03-04T01:50:00Z")
		must(t, s.RecordAttendance(context.Background(), o.RoomID, f.user("county-doctor").ID, joined, nil))
		must(t, s.RecordAttendance(context.Background(), o.RoomID, f.user("county-doctor").ID, joined, &left))
		must(t, s.RecordAttendance(context.Background(), o.RoomID, f.user("county-doctor").ID, joined, &left))
		// The specialist's whole stay, reported at once.
		specJoin, specLeft := mustTime(t, "2025-03-04T01:00:00Z"), mustTime(t, "2025-03-04T02:10:00Z")
		must(t, s.RecordAttendance(context.Background(), o.RoomID, f.user("specialist").ID, specJoin, &specLeft))
		err = s.RecordAttendance(context.Background(), "no-such-room", f.user("specialist").ID, specJoin, nil)
		wantCode(t, err, apperr.NotFound, "")
		err = s.RecordAttendance(context.Background(), o.RoomID, "no-such-user", specJoin, nil)
		wantCode(t, err, apperr.Invalid, "userId")
		err = s.RecordAttendance(context.Background(), o.RoomID, f.user("specialist").ID, specLeft, &specJoin)
		wantCode(t, err, apperr.Invalid, "leftAt")
		if n := count(t, s, "room_attendance", "room_id = ?", o.RoomID); n != 3 {
			t.Fatalf("%d stays recorded, want 3", n)
		}

		// The host sees everyone; a ward sees itself.
		host, err := s.RoundAttendance(f.as("convener"), o.ID)
		must(t, err)
		minutes := map[string]int{}
		for _, at := range host {
			minutes[at.DisplayName] = at.Minutes
		}
		if len(host) != 2 || minutes[f.user("county-doctor").DisplayName] != 40 || minutes[f.user("specialist").DisplayName] != 60 {
			t.Fatalf("host's attendance list = %+v", host)
		}
		ward, err := s.RoundAttendance(county, o.ID)
		if err != nil || len(ward) != 1 || ward[0].UserID != f.user("county-doctor").ID || ward[0].InstitutionID != f.instID(instFeixi) {
			t.Fatalf("ward's attendance list = %+v, %v", ward, err)
		}
		_, err = s.RoundAttendance(f.as("chc-doctor"), o.ID)
		wantCode(t, err, apperr.NotFound, "")

		// A cancelled round earns no credit and takes no check-in.
		f.at("2025-03-05T00:00:00Z")
		_, err = s.ActOnRoundOccurrence(f.as("convener"), occ[1].ID, rounds.Cancel, rounds.ActInput{Version: 1, Note: "x"})
		must(t, err)
		f.at("2025-03-11T01:05:00Z")
		_, err = s.CheckInRound(county, occ[1].ID, join)
		wantCode(t, err, apperr.Conflict, "")
		must(t, s.RecordAttendance(context.Background(), occ[1].RoomID, f.user("county-doctor").ID,
			mustTime(t, "2025-03-11T01:00:00Z"), ptr(mustTime(t, "2025-03-11T02:00:00Z"))))

		credits, err := s.TrainingCredits(county)
		must(t, err)
		if len(credits) != 1 || credits[0].Year != 2025 || credits[0].RoundMinutes != 40 || credits[0].TotalMinutes != 40 ||
			credits[0].Sessions != 1 {
			t.Fatalf("county doctor's credits = %+v", credits)
		}
		if credits, _ := s.TrainingCredits(f.as("chc-doctor")); len(credits) != 0 {
			t.Fatalf("chc doctor's credits = %+v", credits)
		}
	})
}

// TestRoundOccurrencesConcurrent: several viewers opening the same window at
// once make each occurrence, and its room, exactly once.
func TestRoundOccurrencesConcurrent(t *testing.T) {
	eachRounds(t, func(t *testing.T, f *roundsFixture) {
		sr := f.tuesdayRound(f.instID(instFeixi))
		users := []string{"specialist", "convener", "county-doctor", "specialist"}
		errs := make(chan error, len(users))
		var wg sync.WaitGroup
		for _, u := range users {
			ctx := f.as(u)
			wg.Add(1)
			go func() {
				defer wg.Done()
				os, err := f.s.RoundOccurrences(ctx, sr.ID, "2025-03-01", "2025-05-31")
				if err == nil && len(os) != 13 {
					err = fmt.Errorf("%d occurrences, want 13", len(os))
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		if n := count(t, f.s, "round_occurrences", ""); n != 13 {
			t.Fatalf("%d occurrences stored, want 13", n)
		}
		if n := count(t, f.s, "rooms", "kind = ?", store.RoomWardRound); n != 13 {
			t.Fatalf("%d rooms, want 13", n)
		}
	})
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func ptr[T any](v T) *T { return &v }
