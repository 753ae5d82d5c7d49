package rounds

import (
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // the IANA zone to compare the fixed offset with, whatever the host has

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/referral"
)

func wantField(t *testing.T, err error, code, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code || field != "" && e.Field != field {
		t.Fatalf("error = %v; want %s on %q", err, code, field)
	}
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestStartsWeeklyInBeijingTime(t *testing.T) {
	r := Recurrence{Weekday: "tuesday", Time: "09:00", DurationMinutes: 60, From: "2025-03-01"}
	got := r.Starts("2025-03-01", "2025-03-31")
	want := []time.Time{utc("2025-03-04T01:00:00Z"), utc("2025-03-11T01:00:00Z"), utc("2025-03-18T01:00:00Z"),
		utc("2025-03-25T01:00:00Z")}
	if !slices.Equal(got, want) {
		t.Fatalf("Starts = %v\nwant %v", got, want)
	}
	for _, s := range got {
		if l := s.In(Shanghai); l.Weekday() != time.Tuesday || l.Hour() != 9 || l.Minute() != 0 {
			t.Errorf("%v is %v in Beijing, want Tuesday 09:00", s, l)
		}
	}
}

func TestStartsBounds(t *testing.T) {
	r := Recurrence{Weekday: "friday", Time: "14:30", DurationMinutes: 90, From: "2025-01-10", Until: "2025-01-31"}
	for _, tc := range []struct {
		name, from, to string
		want           []string
	}{
		{"window before the series", "2024-12-01", "2025-01-09", nil},
		{"window covers the series", "2024-12-01", "2025-03-01",
			[]string{"2025-01-10T06:30:00Z", "2025-01-17T06:30:00Z", "2025-01-24T06:30:00Z", "2025-01-31T06:30:00Z"}},
		{"window inside", "2025-01-11", "2025-01-24", []string{"2025-01-17T06:30:00Z", "2025-01-24T06:30:00Z"}},
		{"one day, the weekday", "2025-01-17", "2025-01-17", []string{"2025-01-17T06:30:00Z"}},
		{"one day, another weekday", "2025-01-18", "2025-01-18", nil},
		{"inverted window", "2025-01-31", "2025-01-10", nil},
		{"until is inclusive", "2025-01-31", "2025-02-28", []string{"2025-01-31T06:30:00Z"}},
		{"bad window date", "2025-13-01", "2025-01-31", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []time.Time
			for _, s := range tc.want {
				want = append(want, utc(s))
			}
			if got := r.Starts(tc.from, tc.to); !slices.Equal(got, want) {
				t.Fatalf("Starts(%s, %s) = %v, want %v", tc.from, tc.to, got, want)
			}
		})
	}
}

// A Beijing-time round starts at the same UTC instant all year: no daylight
// saving, unlike the zones of many video clients, and the fixed offset agrees
// with the IANA zone on every date since China stopped daylight saving.
func TestStartsHaveNoDaylightSaving(t *testing.T) {
	iana, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	r := Recurrence{Weekday: "sunday", Time: "23:30", DurationMinutes: 30, From: "1992-01-01"}
	starts := r.Starts("1992-01-01", "2031-12-31")
	if len(starts) < 2000 {
		t.Fatalf("only %d starts over 40 years", len(starts))
	}
	for _, s := range starts {
		if s.Hour() != 15 || s.Minute() != 30 || s.Weekday() != time.Sunday {
			t.Fatalf("start %v is not Sunday 15:30 UTC", s)
		}
		l := s.In(iana)
		if l.Hour() != 23 || l.Minute() != 30 || l.Weekday() != time.Sunday {
			t.Fatalf("start %v is %v in the IANA zone", s, l)
		}
	}
	// Around the European and American clock changes nothing moves.
	for _, day := range []string{"2025-03-09", "2025-03-30", "2025-10-26", "2025-11-02"} {
		got := r.Starts(day, day)
		if len(got) != 1 || got[0] != utc(day+"T15:30:00Z") {
			t.Errorf("Starts(%s) = %v", day, got)
		}
	}
}

func TestStartsAcrossMidnightUTC(t *testing.T) {
	// 07:00 Beijing on a Monday is 23:00 UTC on Sunday.
	r := Recurrence{Weekday: "monday", Time: "07:00", DurationMinutes: 60, From: "2025-06-02"}
	got := r.Starts("2025-06-02", "2025-06-09")
	want := []time.Time{utc("2025-06-01T23:00:00Z"), utc("2025-06-08T23:00:00Z")}
	if !slices.Equal(got, want) {
		t.Fatalf("Starts = %v, want %v", got, want)
	}
}

func TestRecurrenceValidate(t *testing.T) {
	ok := Recurrence{Weekday: " Tuesday ", Time: "09:00", DurationMinutes: 60, From: "2025-03-01", Until: "2025-12-31"}
	if err := ok.Validate("recurrence."); err != nil {
		t.Fatal(err)
	}
	if ok.Weekday != "tuesday" {
		t.Fatalf("weekday not normalised: %q", ok.Weekday)
	}
	with := func(edit func(r *Recurrence)) Recurrence { r := ok; edit(&r); return r }
	for _, tc := range []struct {
		name  string
		r     Recurrence
		field string
	}{
		{"unknown weekday", with(func(r *Recurrence) { r.Weekday = "tue" }), "weekday"},
		{"empty weekday", with(func(r *Recurrence) { r.Weekday = "" }), "weekday"},
		{"hour 24", with(func(r *Recurrence) { r.Time = "24:00" }), "time"},
		{"no minutes", with(func(r *Recurrence) { r.Time = "9" }), "time"},
		{"one-digit hour", with(func(r *Recurrence) { r.Time = "9:00" }), "time"},
		{"seconds", with(func(r *Recurrence) { r.Time = "09:00:00" }), "time"},
		{"too short", with(func(r *Recurrence) { r.DurationMinutes = 10 }), "durationMinutes"},
		{"too long", with(func(r *Recurrence) { r.DurationMinutes = 481 }), "durationMinutes"},
		{"no from", with(func(r *Recurrence) { r.From = "" }), "from"},
		{"bad from", with(func(r *Recurrence) { r.From = "2025-02-30" }), "from"},
		{"bad until", with(func(r *Recurrence) { r.Until = "31.12.2025" }), "until"},
		{"until before from", with(func(r *Recurrence) { r.Until = "2025-02-28" }), "until"},
		{"over five years", with(func(r *Recurrence) { r.Until = "2031-01-01" }), "until"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantField(t, tc.r.Validate("recurrence."), apperr.Invalid, "recurrence."+tc.field)
		})
	}
}

func TestSeriesRequestValidate(t *testing.T) {
	valid := func() SeriesRequest {
		return SeriesRequest{Title: " 周二查房 ", WardInstitutionIDs: []string{"a", " b "},
			Recurrence: Recurrence{Weekday: "tuesday", Time: "09:00", DurationMinutes: 60, From: "2025-03-01"}}
	}
	q := valid()
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	if q.Title != "周二查房" || !slices.Equal(q.WardInstitutionIDs, []string{"a", "b"}) {
		t.Fatalf("not normalised: %+v", q)
	}
	many := make([]string, MaxWards+1)
	for i := range many {
		many[i] = string(rune('a' + i))
	}
	for _, tc := range []struct {
		name  string
		edit  func(q *SeriesRequest)
		field string
	}{
		{"no title", func(q *SeriesRequest) { q.Title = "  " }, "title"},
		{"long title", func(q *SeriesRequest) { q.Title = string(make([]rune, 201)) }, "title"},
		{"no wards", func(q *SeriesRequest) { q.WardInstitutionIDs = nil }, "wardInstitutionIds"},
		{"duplicate ward", func(q *SeriesRequest) { q.WardInstitutionIDs = []string{"a", "a"} }, "wardInstitutionIds"},
		{"empty ward", func(q *SeriesRequest) { q.WardInstitutionIDs = []string{""} }, "wardInstitutionIds"},
		{"too many wards", func(q *SeriesRequest) { q.WardInstitutionIDs = many }, "wardInstitutionIds"},
		{"bad recurrence", func(q *SeriesRequest) { q.Recurrence.Time = "" }, "recurrence.time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := valid()
			tc.edit(&q)
			wantField(t, q.Validate(), apperr.Invalid, tc.field)
		})
	}
}

var (
	specialist = referral.Who{UserID: "u-spec", InstitutionID: "core", Roles: []auth.Role{auth.RoleSpecialist}}
	colleague  = referral.Who{UserID: "u-spec2", InstitutionID: "core", Roles: []auth.Role{auth.RoleSpecialist}}
	convener   = referral.Who{UserID: "u-conv", InstitutionID: "core", Roles: []auth.Role{auth.RoleConvener}}
	wardDoctor = referral.Who{UserID: "u-ward", InstitutionID: "ward", Roles: []auth.Role{auth.RoleDoctor}}
	wardConv   = referral.Who{UserID: "u-wconv", InstitutionID: "ward", Roles: []auth.Role{auth.RoleConvener}}
	outsider   = referral.Who{UserID: "u-out", InstitutionID: "other", Roles: []auth.Role{auth.RoleDoctor}}
)

func testSeries() Series {
	return Series{ID: "s1", HostInstitutionID: "core", HostUserID: "u-spec", WardInstitutionIDs: []string{"ward"}}
}

func TestSchedulingAndHosting(t *testing.T) {
	for _, who := range []referral.Who{specialist, convener} {
		if err := CanSchedule(who, "core"); err != nil {
			t.Errorf("%s: %v", who.UserID, err)
		}
	}
	for _, who := range []referral.Who{wardDoctor, wardConv, outsider,
		{UserID: "d", InstitutionID: "core", Roles: []auth.Role{auth.RoleDoctor}}} {
		wantField(t, CanSchedule(who, "core"), apperr.Forbidden, "")
	}
	wantField(t, CheckHostInstitution(alliance.Institution{Level: alliance.LevelSecondGrade}), apperr.Forbidden, "")
	if err := CheckHostInstitution(alliance.Institution{Level: alliance.LevelTertiary}); err != nil {
		t.Fatal(err)
	}
	host := auth.User{ID: "h", InstitutionID: "core", Roles: []auth.Role{auth.RoleSpecialist}}
	if err := CheckHost("hostUserId", host, "core"); err != nil {
		t.Fatal(err)
	}
	wantField(t, CheckHost("hostUserId", host, "ward"), apperr.Invalid, "hostUserId")
	host.Roles = []auth.Role{auth.RoleConvener}
	wantField(t, CheckHost("hostUserId", host, "core"), apperr.Invalid, "hostUserId")

	s := New(SeriesRequest{Title: "t", WardInstitutionIDs: []string{"ward"}}, convener, utc("2025-03-01T00:00:00Z"))
	if s.HostUserID != convener.UserID || s.HostInstitutionID != "core" || s.Version != 1 {
		t.Fatalf("New = %+v", s)
	}
	if !s.VisibleTo("core") || !s.VisibleTo("ward") || s.VisibleTo("other") {
		t.Fatal("VisibleTo is wrong")
	}
}

func TestOccurrenceActions(t *testing.T) {
	s := testSeries()
	start := utc("2025-03-04T01:00:00Z")
	before, during := start.Add(-time.Hour), start.Add(10*time.Minute)
	fresh := func() Occurrence { o := NewOccurrence("s1", start, 60, before); o.ID = "o1"; return o }

	o := fresh()
	if !o.EndsAt.Equal(start.Add(time.Hour)) || o.Status != Scheduled {
		t.Fatalf("NewOccurrence = %+v", o)
	}
	if got := AllowedActions(&o, &s, specialist, before); !slices.Equal(got, []Action{Cancel}) {
		t.Errorf("before the start: %v", got)
	}
	if got := AllowedActions(&o, &s, convener, during); !slices.Equal(got, []Action{Hold, Cancel}) {
		t.Errorf("during: %v", got)
	}
	if got := AllowedActions(&o, &s, wardDoctor, during); len(got) != 0 {
		t.Errorf("ward doctor: %v", got)
	}
	wantField(t, Act(&o, &s, Hold, ActInput{Version: 1}, wardDoctor, during), apperr.Forbidden, "")
	wantField(t, Act(&o, &s, Hold, ActInput{}, specialist, during), apperr.Invalid, "version")
	wantField(t, Act(&o, &s, Hold, ActInput{Version: 2}, specialist, during), apperr.Conflict, "")
	wantField(t, Act(&o, &s, Hold, ActInput{Version: 1}, specialist, before), apperr.Conflict, "")
	wantField(t, Act(&o, &s, Cancel, ActInput{Version: 1, Note: " "}, specialist, before), apperr.Invalid, "note")
	if err := Act(&o, &s, Hold, ActInput{Version: 1}, specialist, during); err != nil {
		t.Fatal(err)
	}
	if o.Status != Held || o.Version != 2 {
		t.Fatalf("after hold: %+v", o)
	}
	wantField(t, Act(&o, &s, Cancel, ActInput{Version: 2, Note: "x"}, specialist, during), apperr.Conflict, "")

	o = fresh()
	if err := Act(&o, &s, Cancel, ActInput{Version: 1, Note: " 专家出差 "}, convener, before); err != nil {
		t.Fatal(err)
	}
	if o.Status != Cancelled || o.Note != "专家出差" {
		t.Fatalf("after cancel: %+v", o)
	}
	wantField(t, o.CheckInOpen(during), apperr.Conflict, "")

	o = fresh()
	for _, tc := range []struct {
		at   time.Time
		open bool
	}{
		{start.Add(-31 * time.Minute), false}, {start.Add(-30 * time.Minute), true}, {during, true},
		{start.Add(time.Hour), true}, {start.Add(time.Hour + time.Second), false},
	} {
		if err := o.CheckInOpen(tc.at); (err == nil) != tc.open {
			t.Errorf("CheckInOpen(%v) = %v, want open %v", tc.at, err, tc.open)
		}
	}
}

func TestOccurrenceRequest(t *testing.T) {
	now := utc("2025-03-01T00:00:00Z")
	q := OccurrenceRequest{StartsAt: "2025-03-05T09:00:00+08:00", DurationMinutes: 45}
	got, err := q.Validate(now)
	if err != nil || !got.Equal(utc("2025-03-05T01:00:00Z")) || got.Location() != time.UTC {
		t.Fatalf("Validate = %v, %v", got, err)
	}
	for _, tc := range []struct {
		q     OccurrenceRequest
		field string
	}{
		{OccurrenceRequest{DurationMinutes: 45}, "startsAt"},
		{OccurrenceRequest{StartsAt: "2025-03-05 09:00", DurationMinutes: 45}, "startsAt"},
		{OccurrenceRequest{StartsAt: "2025-03-05T09:00:00", DurationMinutes: 45}, "startsAt"},
		{OccurrenceRequest{StartsAt: "2025-02-28T09:00:00+08:00", DurationMinutes: 45}, "startsAt"},
		{OccurrenceRequest{StartsAt: "2025-03-05T09:00:00+08:00", DurationMinutes: 0}, "durationMinutes"},
	} {
		_, err := tc.q.Validate(now)
		wantField(t, err, apperr.Invalid, tc.field)
	}
}

func TestCasesNotesAndTasks(t *testing.T) {
	s := testSeries()
	now := utc("2025-03-01T00:00:00Z")
	o := NewOccurrence("s1", utc("2025-03-04T01:00:00Z"), 60, now)
	o.ID = "o1"
	q := CaseRequest{PatientID: " p1 ", Question: " 调整用药？ "}
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	wantField(t, (&CaseRequest{Question: "q"}).Validate(), apperr.Invalid, "patientId")
	wantField(t, (&CaseRequest{PatientID: "p"}).Validate(), apperr.Invalid, "question")

	for _, who := range []referral.Who{specialist, outsider, wardConv} {
		_, err := Present(&s, &o, q, who, now)
		wantField(t, err, apperr.Forbidden, "")
	}
	_, err := Present(&s, &o, CaseRequest{PatientID: "p1"}, wardDoctor, now)
	wantField(t, err, apperr.Invalid, "question")
	c, err := Present(&s, &o, q, wardDoctor, now)
	if err != nil {
		t.Fatal(err)
	}
	if c.PatientID != "p1" || c.Question != "调整用药？" || c.PresenterUserID != "u-ward" || c.PresenterInstitutionID != "ward" {
		t.Fatalf("Present = %+v", c)
	}
	c.ID = "c1"

	in := NotesInput{Version: 1, Notes: " 幻听减少 ", Recommendations: "维持剂量"}
	for _, who := range []referral.Who{wardDoctor, convener, outsider} {
		wantField(t, WriteNotes(&c, &s, &o, in, who, now), apperr.Forbidden, "")
	}
	wantField(t, WriteNotes(&c, &s, &o, NotesInput{Version: 1}, specialist, now), apperr.Invalid, "notes")
	wantField(t, WriteNotes(&c, &s, &o, NotesInput{Notes: "x"}, specialist, now), apperr.Invalid, "version")
	wantField(t, WriteNotes(&c, &s, &o, NotesInput{Version: 3, Notes: "x"}, specialist, now), apperr.Conflict, "")
	if err := WriteNotes(&c, &s, &o, in, colleague, now); err != nil {
		t.Fatal(err)
	}
	if c.Notes != "幻听减少" || c.NotesByUserID != "u-spec2" || c.Version != 2 || c.NotesAt == nil {
		t.Fatalf("after notes: %+v", c)
	}

	_, err = NewTask(&c, &s, &o, TaskRequest{Text: "两周后复诊", DueOn: "2025-03-18"}, wardDoctor, now)
	wantField(t, err, apperr.Forbidden, "")
	_, err = NewTask(&c, &s, &o, TaskRequest{Text: " ", DueOn: "2025-03-18"}, specialist, now)
	wantField(t, err, apperr.Invalid, "text")
	_, err = NewTask(&c, &s, &o, TaskRequest{Text: "x", DueOn: "18/03/2025"}, specialist, now)
	wantField(t, err, apperr.Invalid, "dueOn")
	_, err = NewTask(&c, &s, &o, TaskRequest{Text: "x", DueOn: "2025-03-03"}, specialist, now)
	wantField(t, err, apperr.Invalid, "dueOn")
	task, err := NewTask(&c, &s, &o, TaskRequest{Text: "两周后复诊", DueOn: "2025-03-04"}, specialist, now)
	if err != nil {
		t.Fatal(err)
	}
	if task.AssigneeUserID != "u-ward" || task.Done || task.Version != 1 {
		t.Fatalf("NewTask = %+v", task)
	}

	yes := true
	wantField(t, UpdateTask(&task, TaskUpdate{Version: 1, Done: &yes}, specialist, now), apperr.Forbidden, "")
	wantField(t, UpdateTask(&task, TaskUpdate{Version: 1}, wardDoctor, now), apperr.Invalid, "done")
	wantField(t, UpdateTask(&task, TaskUpdate{Version: 2, Done: &yes}, wardDoctor, now), apperr.Conflict, "")
	if err := UpdateTask(&task, TaskUpdate{Version: 1, Done: &yes}, wardDoctor, now); err != nil {
		t.Fatal(err)
	}
	if !task.Done || task.DoneAt == nil || task.Version != 2 {
		t.Fatalf("after done: %+v", task)
	}

	o.Status = Cancelled
	wantField(t, WriteNotes(&c, &s, &o, NotesInput{Version: 2, Notes: "x"}, specialist, now), apperr.Conflict, "")
	_, err = Present(&s, &o, q, wardDoctor, now)
	wantField(t, err, apperr.Conflict, "")
}
