package teaching

import (
	"slices"
	"testing"
	"time"

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

var (
	now        = utc("2025-03-01T00:00:00Z")
	presenter  = referral.Who{UserID: "u-p", InstitutionID: "core", Roles: []auth.Role{auth.RoleSpecialist}}
	convener   = referral.Who{UserID: "u-c", InstitutionID: "core", Roles: []auth.Role{auth.RoleConvener}}
	otherConv  = referral.Who{UserID: "u-c2", InstitutionID: "county", Roles: []auth.Role{auth.RoleConvener}}
	viewer     = referral.Who{UserID: "u-v", InstitutionID: "county", Roles: []auth.Role{auth.RoleDoctor}}
	colleagues = referral.Who{UserID: "u-s2", InstitutionID: "core", Roles: []auth.Role{auth.RoleSpecialist}}
)

func TestRequestValidate(t *testing.T) {
	valid := func() Request {
		return Request{Kind: Lecture, Title: " 抑郁症的规范化治疗 ", StartsAt: "2025-03-10T19:00:00+08:00", DurationMinutes: 90}
	}
	q := valid()
	start, err := q.Validate(now)
	if err != nil || !start.Equal(utc("2025-03-10T11:00:00Z")) || q.Title != "抑郁症的规范化治疗" {
		t.Fatalf("Validate = %v, %v, %+v", start, err, q)
	}
	for _, tc := range []struct {
		name  string
		edit  func(q *Request)
		field string
	}{
		{"unknown kind", func(q *Request) { q.Kind = "webinar" }, "kind"},
		{"no kind", func(q *Request) { q.Kind = "" }, "kind"},
		{"lecture with a patient", func(q *Request) { q.PatientID = "p1" }, "patientId"},
		{"no title", func(q *Request) { q.Title = " " }, "title"},
		{"long description", func(q *Request) { q.Description = string(make([]rune, 8001)) }, "description"},
		{"no start", func(q *Request) { q.StartsAt = "" }, "startsAt"},
		{"start without offset", func(q *Request) { q.StartsAt = "2025-03-10T19:00:00" }, "startsAt"},
		{"start in the past", func(q *Request) { q.StartsAt = "2025-02-28T19:00:00+08:00" }, "startsAt"},
		{"too short", func(q *Request) { q.DurationMinutes = 5 }, "durationMinutes"},
		{"too long", func(q *Request) { q.DurationMinutes = 601 }, "durationMinutes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := valid()
			tc.edit(&q)
			_, err := q.Validate(now)
			wantField(t, err, apperr.Invalid, tc.field)
		})
	}
	q = valid()
	q.Kind, q.PatientID, q.RecordingEnabled = CaseConference, "p1", true
	start, err = q.Validate(now)
	if err != nil {
		t.Fatal(err)
	}
	s := New(q, start, convener, now)
	if s.PresenterUserID != "u-c" || !s.HasPatient || !s.NeedsRecordingConsent() || !s.EndsAt.Equal(start.Add(90*time.Minute)) {
		t.Fatalf("New = %+v", s)
	}
	s.RecordingEnabled = false
	if s.NeedsRecordingConsent() {
		t.Fatal("an unrecorded conference needs no recording consent")
	}
	s.RecordingEnabled, s.Kind, s.HasPatient = true, Lecture, false
	if s.NeedsRecordingConsent() {
		t.Fatal("a lecture without a patient needs no recording consent")
	}
}

func TestWhoSchedulesAndPresents(t *testing.T) {
	if err := CanSchedule(presenter); err != nil {
		t.Fatal(err)
	}
	if err := CanSchedule(convener); err != nil {
		t.Fatal(err)
	}
	wantField(t, CanSchedule(viewer), apperr.Forbidden, "")
	if !Clinician(viewer.Roles) || Clinician([]auth.Role{auth.RoleAllianceAdmin}) {
		t.Fatal("Clinician is wrong")
	}
	u := auth.User{ID: "u", InstitutionID: "core", Roles: []auth.Role{auth.RoleDoctor}}
	if err := CheckPresenter("presenterUserId", u, "core"); err != nil {
		t.Fatal(err)
	}
	wantField(t, CheckPresenter("presenterUserId", u, "county"), apperr.Invalid, "presenterUserId")
	u.Roles = []auth.Role{auth.RoleConvener}
	wantField(t, CheckPresenter("presenterUserId", u, "core"), apperr.Invalid, "presenterUserId")
}

func TestPatch(t *testing.T) {
	base := Session{ID: "l1", Kind: Lecture, Title: "t", PresenterUserID: "u-p", PresenterInstitutionID: "core",
		CreatedBy: "u-c", StartsAt: utc("2025-03-10T11:00:00Z"), DurationMinutes: 60, Version: 1}
	title, bad, minutes, on := " 新题目 ", "2025-02-01T00:00:00Z", 120, true
	start := "2025-03-11T09:00:00+08:00"
	for _, who := range []referral.Who{presenter, convener} {
		s := base
		if err := (Patch{Version: 1, Title: &title, StartsAt: &start, DurationMinutes: &minutes, RecordingEnabled: &on}).Apply(&s, who, now); err != nil {
			t.Fatalf("%s: %v", who.UserID, err)
		}
		if s.Title != "新题目" || !s.StartsAt.Equal(utc("2025-03-11T01:00:00Z")) || !s.EndsAt.Equal(utc("2025-03-11T03:00:00Z")) ||
			!s.RecordingEnabled || s.Version != 2 {
			t.Fatalf("after patch: %+v", s)
		}
	}
	for _, who := range []referral.Who{viewer, otherConv, colleagues} {
		s := base
		wantField(t, Patch{Version: 1, Title: &title}.Apply(&s, who, now), apperr.Forbidden, "")
	}
	s := base
	wantField(t, Patch{Title: &title}.Apply(&s, presenter, now), apperr.Invalid, "version")
	wantField(t, Patch{Version: 2, Title: &title}.Apply(&s, presenter, now), apperr.Conflict, "")
	wantField(t, Patch{Version: 1, StartsAt: &bad}.Apply(&s, presenter, now), apperr.Invalid, "startsAt")
	blank, zero := " ", 0
	wantField(t, Patch{Version: 1, Title: &blank}.Apply(&s, presenter, now), apperr.Invalid, "title")
	s = base
	wantField(t, Patch{Version: 1, DurationMinutes: &zero}.Apply(&s, presenter, now), apperr.Invalid, "durationMinutes")
}

func TestRecordings(t *testing.T) {
	for _, loc := range []string{"recordings/2025/l1.webm", "/media/l1.mp4", "https://media.example.cn/l1.m3u8"} {
		q := RecordingRequest{Title: "回放", Location: loc}
		if err := q.Validate(); err != nil {
			t.Errorf("%s: %v", loc, err)
		}
	}
	for _, tc := range []struct {
		q     RecordingRequest
		field string
	}{
		{RecordingRequest{Location: "a"}, "title"},
		{RecordingRequest{Title: "t"}, "location"},
		{RecordingRequest{Title: "t", Location: "javascript:alert(1)"}, "location"},
		{RecordingRequest{Title: "t", Location: "http://insecure/x"}, "location"},
		{RecordingRequest{Title: "t", Location: "a b"}, "location"},
	} {
		wantField(t, tc.q.Validate(), apperr.Invalid, tc.field)
	}
	s := Session{PresenterUserID: "u-p", PresenterInstitutionID: "core", CreatedBy: "u-c"}
	wantField(t, s.CanRecord(presenter), apperr.Conflict, "")
	s.RecordingEnabled = true
	if err := s.CanRecord(presenter); err != nil {
		t.Fatal(err)
	}
	wantField(t, s.CanRecord(viewer), apperr.Forbidden, "")
}

func TestCheckIn(t *testing.T) {
	wantField(t, CheckIn{Event: "arrive"}.Validate(), apperr.Invalid, "event")
	if (CheckIn{Event: Join}).Validate() != nil || (CheckIn{Event: Leave}).Validate() != nil {
		t.Fatal("join and leave are valid")
	}
	s := Session{StartsAt: utc("2025-03-10T11:00:00Z"), EndsAt: utc("2025-03-10T12:00:00Z")}
	if err := s.CheckInOpen(utc("2025-03-10T10:30:00Z")); err != nil {
		t.Fatal(err)
	}
	wantField(t, s.CheckInOpen(utc("2025-03-10T10:29:00Z")), apperr.Conflict, "")
	wantField(t, s.CheckInOpen(utc("2025-03-10T12:00:01Z")), apperr.Conflict, "")
}

func stretch(from, to string) Stretch {
	a := Stretch{JoinedAt: utc(from)}
	if to != "" {
		l := utc(to)
		a.LeftAt = &l
	}
	return a
}

func TestAttendedMinutes(t *testing.T) {
	start, end := utc("2025-03-10T01:00:00Z"), utc("2025-03-10T02:00:00Z")
	after := utc("2025-03-11T00:00:00Z")
	for _, tc := range []struct {
		name      string
		stretches []Stretch
		now       time.Time
		want      int
	}{
		{"none", nil, after, 0},
		{"whole session", []Stretch{stretch("2025-03-10T01:00:00Z", "2025-03-10T02:00:00Z")}, after, 60},
		{"early and late are clipped", []Stretch{stretch("2025-03-10T00:40:00Z", "2025-03-10T02:30:00Z")}, after, 60},
		{"two stretches", []Stretch{stretch("2025-03-10T01:00:00Z", "2025-03-10T01:20:00Z"),
			stretch("2025-03-10T01:30:00Z", "2025-03-10T01:45:00Z")}, after, 35},
		{"two devices overlap once", []Stretch{stretch("2025-03-10T01:00:00Z", "2025-03-10T01:40:00Z"),
			stretch("2025-03-10T01:10:00Z", "2025-03-10T01:30:00Z"), stretch("2025-03-10T01:35:00Z", "2025-03-10T01:50:00Z")}, after, 50},
		{"open stretch counts to the end", []Stretch{stretch("2025-03-10T01:30:00Z", "")}, after, 30},
		{"open stretch counts to now", []Stretch{stretch("2025-03-10T01:30:00Z", "")}, utc("2025-03-10T01:42:30Z"), 12},
		{"outside the window", []Stretch{stretch("2025-03-10T03:00:00Z", "2025-03-10T04:00:00Z")}, after, 0},
		{"left before joining", []Stretch{stretch("2025-03-10T01:30:00Z", "2025-03-10T01:10:00Z")}, after, 0},
		{"seconds round down", []Stretch{stretch("2025-03-10T01:00:00Z", "2025-03-10T01:00:59Z")}, after, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := AttendedMinutes(tc.stretches, start, end, tc.now); got != tc.want {
				t.Fatalf("AttendedMinutes = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestCredits(t *testing.T) {
	after := utc("2026-06-01T00:00:00Z")
	sessions := []Attended{
		{Kind: RoundAttendance, StartsAt: utc("2025-03-04T01:00:00Z"), EndsAt: utc("2025-03-04T02:00:00Z"),
			Stretches: []Stretch{stretch("2025-03-04T01:00:00Z", "2025-03-04T02:00:00Z")}},
		{Kind: LectureAttendance, StartsAt: utc("2025-05-10T11:00:00Z"), EndsAt: utc("2025-05-10T12:30:00Z"),
			Stretches: []Stretch{stretch("2025-05-10T11:00:00Z", "2025-05-10T12:00:00Z")}},
		// 2025-12-31 20:00 UTC is already 2026 in Beijing.
		{Kind: LectureAttendance, StartsAt: utc("2025-12-31T20:00:00Z"), EndsAt: utc("2025-12-31T21:00:00Z"),
			Stretches: []Stretch{stretch("2025-12-31T20:00:00Z", "2025-12-31T20:45:00Z")}},
		{Kind: RoundAttendance, StartsAt: utc("2026-01-06T01:00:00Z"), EndsAt: utc("2026-01-06T02:00:00Z")},
	}
	got := Credits(sessions, after)
	want := []Credit{
		{Year: 2026, LectureMinutes: 45, TotalMinutes: 45, Sessions: 2},
		{Year: 2025, RoundMinutes: 60, LectureMinutes: 60, TotalMinutes: 120, Sessions: 2},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Credits = %+v\nwant %+v", got, want)
	}
	if got := Credits(nil, after); got == nil || len(got) != 0 {
		t.Fatalf("Credits(nil) = %#v, want empty", got)
	}
}
