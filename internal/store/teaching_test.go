package store_test

import (
	"testing"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/teaching"
)

func teachingEvent(e string) teaching.CheckIn { return teaching.CheckIn{Event: teaching.Event(e)} }

// lecture is a valid lecture request on Monday 2025-03-10, 19:00–20:00 Beijing time.
func lecture(edit func(q *teaching.Request)) teaching.Request {
	q := teaching.Request{Kind: teaching.Lecture, Title: "抑郁障碍的规范化治疗", Description: "面向基层医生",
		StartsAt: "2025-03-10T19:00:00+08:00", DurationMinutes: 60}
	if edit != nil {
		edit(&q)
	}
	return q
}

func TestLectureSchedulingAndRegistration(t *testing.T) {
	eachRounds(t, func(t *testing.T, f *roundsFixture) {
		s := f.s
		_, err := s.CreateLecture(f.as("county-doctor"), lecture(nil))
		wantCode(t, err, apperr.Forbidden, "")
		_, err = s.CreateLecture(f.as("admin"), lecture(nil))
		wantCode(t, err, apperr.Forbidden, "")
		outside := newInstitution(t, s, "联盟外精神病医院")
		other, err := s.CreateAlliance(t.Context(), alliance.Alliance{Name: "另一联盟", Model: "remote", InitiatorID: outside.ID,
			RegionCode: "340000", EstablishedOn: "2020-01-01"})
		must(t, err)
		for _, tc := range []struct {
			name  string
			edit  func(q *teaching.Request)
			field string
		}{
			{"start in the past", func(q *teaching.Request) { q.StartsAt = "2025-02-01T19:00:00+08:00" }, "startsAt"},
			{"unknown kind", func(q *teaching.Request) { q.Kind = "seminar" }, "kind"},
			{"a lecture shows no patient", func(q *teaching.Request) { q.PatientID = "p" }, "patientId"},
			{"presenter of another institution", func(q *teaching.Request) { q.PresenterUserID = f.user("county-doctor").ID }, "presenterUserId"},
			{"a convener does not present", func(q *teaching.Request) { q.PresenterUserID = f.user("convener").ID }, "presenterUserId"},
			{"another alliance", func(q *teaching.Request) { q.AllianceID = other.ID }, "allianceId"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.CreateLecture(f.as("specialist"), lecture(tc.edit))
				wantCode(t, err, apperr.Invalid, tc.field)
			})
		}
		// The convener schedules the specialist's lecture for the only alliance.
		l, err := s.CreateLecture(f.as("convener"), lecture(func(q *teaching.Request) { q.PresenterUserID = f.user("specialist").ID }))
		must(t, err)
		if l.Session.AllianceID != f.alliance.ID || l.Session.PresenterInstitutionID != f.instID(instCore) || l.Session.RoomID == "" ||
			l.Session.EndsAt.Sub(l.Session.StartsAt).Minutes() != 60 || l.Registrations != 0 {
			t.Fatalf("CreateLecture = %+v", l)
		}
		if n := count(t, s, "rooms", "id = ? AND kind = ?", l.Session.RoomID, store.RoomLecture); n != 1 {
			t.Fatalf("the lecture's room is not registered")
		}
		id := l.Session.ID

		// Anyone of the alliance sees it; clinicians register.
		for _, u := range []string{"chc-doctor", "county-doctor", "admin"} {
			list, err := s.ListLectures(f.as(u), store.LectureFilter{})
			if err != nil || len(list) != 1 || list[0].Session.ID != id {
				t.Fatalf("%s's lectures = %+v, %v", u, list, err)
			}
		}
		created, err := s.RegisterForLecture(f.as("chc-doctor"), id)
		if err != nil || !created {
			t.Fatalf("register = %v, %v", created, err)
		}
		created, err = s.RegisterForLecture(f.as("chc-doctor"), id)
		if err != nil || created {
			t.Fatalf("register again = %v, %v; want no new registration", created, err)
		}
		_, err = s.RegisterForLecture(f.as("admin"), id)
		wantCode(t, err, apperr.Forbidden, "")
		_, err = s.RegisterForLecture(f.as("county-doctor"), id)
		must(t, err)
		got, err := s.GetLecture(f.as("chc-doctor"), id)
		must(t, err)
		if !got.Registered || got.Registrations != 2 {
			t.Fatalf("GetLecture = %+v", got)
		}
		must(t, s.UnregisterFromLecture(f.as("county-doctor"), id))
		must(t, s.UnregisterFromLecture(f.as("county-doctor"), id))
		if got, _ := s.GetLecture(f.as("specialist"), id); got.Registered || got.Registrations != 1 {
			t.Fatalf("after unregistering: %+v", got)
		}

		// Users of institutions outside the alliance see nothing.
		stranger := asUser(t, newUser(t, s, "stranger", outside.ID, auth.RoleSpecialist))
		if list, err := s.ListLectures(stranger, store.LectureFilter{}); err != nil || len(list) != 0 {
			t.Fatalf("an outsider lists %+v, %v", list, err)
		}
		_, err = s.GetLecture(stranger, id)
		wantCode(t, err, apperr.NotFound, "")
		_, err = s.RegisterForLecture(stranger, id)
		wantCode(t, err, apperr.NotFound, "")
		_, err = s.ListLectureRecordings(stranger, id)
		wantCode(t, err, apperr.NotFound, "")
		_, err = s.CheckInLecture(stranger, id, teachingEvent("join"))
		wantCode(t, err, apperr.NotFound, "")

		// Editing: the presenter, the scheduler, the presenter's convener.
		title := "抑郁障碍的规范化治疗（更新）"
		_, err = s.UpdateLecture(f.as("chc-doctor"), id, teaching.Patch{Version: 1, Title: &title})
		wantCode(t, err, apperr.Forbidden, "")
		up, err := s.UpdateLecture(f.as("specialist"), id, teaching.Patch{Version: 1, Title: &title})
		must(t, err)
		if up.Session.Title != title || up.Session.Version != 2 {
			t.Fatalf("after update: %+v", up.Session)
		}
		_, err = s.UpdateLecture(f.as("convener"), id, teaching.Patch{Version: 1, Title: &title})
		wantCode(t, err, apperr.Conflict, "")

		// Filters.
		if list, _ := s.ListLectures(f.as("chc-doctor"), store.LectureFilter{Kind: teaching.CaseConference}); len(list) != 0 {
			t.Fatalf("case conferences: %+v", list)
		}
		if list, _ := s.ListLectures(f.as("chc-doctor"), store.LectureFilter{From: mustTime(t, "2025-03-11T00:00:00Z")}); len(list) != 0 {
			t.Fatalf("lectures from 11 March: %+v", list)
		}
		if list, _ := s.ListLectures(f.as("chc-doctor"), store.LectureFilter{Recorded: true}); len(list) != 0 {
			t.Fatalf("recorded lectures: %+v", list)
		}

		// Attendance and credit.
		chc := f.as("chc-doctor")
		f.at("2025-03-10T10:55:00Z")
		_, err = s.CheckInLecture(f.as("admin"), id, teachingEvent("join"))
		wantCode(t, err, apperr.Forbidden, "")
		must2(t)(s.CheckInLecture(chc, id, teachingEvent("join")))
		f.at("2025-03-10T11:45:00Z")
		me, err := s.CheckInLecture(chc, id, teachingEvent("leave"))
		must(t, err)
		if me.Minutes != 45 || me.Present {
			t.Fatalf("lecture attendance = %+v", me)
		}
		credits, err := s.TrainingCredits(chc)
		if err != nil || len(credits) != 1 || credits[0].LectureMinutes != 45 || credits[0].RoundMinutes != 0 || credits[0].Sessions != 1 {
			t.Fatalf("credits = %+v, %v", credits, err)
		}
		f.at("2025-03-10T12:00:01Z")
		_, err = s.CheckInLecture(chc, id, teachingEvent("join"))
		wantCode(t, err, apperr.Conflict, "") // over
		_, err = s.RegisterForLecture(f.as("county-doctor"), id)
		wantCode(t, err, apperr.Conflict, "")
	})
}

func must2(t *testing.T) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		must(t, err)
	}
}

func TestCaseConferenceRecordingConsent(t *testing.T) {
	eachRounds(t, func(t *testing.T, f *roundsFixture) {
		s, county, feixi := f.s, f.as("county-doctor"), f.instID(instFeixi)
		conv := asUser(t, newUser(t, s, "feixi-convener", feixi, auth.RoleConvener))
		p := newPatient(t, s, county, "郑十", nationalID("340123", "1969-07-07", "333"))
		conf := func(recording bool) teaching.Request {
			return lecture(func(q *teaching.Request) {
				q.Kind, q.Title, q.PatientID = teaching.CaseConference, "难治性精神分裂症病例讨论", p.ID
				q.PresenterUserID, q.RecordingEnabled = f.user("county-doctor").ID, recording
			})
		}
		_, err := s.CreateLecture(f.as("convener"), lecture(func(q *teaching.Request) {
			q.Kind, q.PatientID, q.PresenterUserID = teaching.CaseConference, p.ID, f.user("specialist").ID
		}))
		wantCode(t, err, apperr.NotFound, "") // the core hospital does not see the patient
		_, err = s.CreateLecture(conv, conf(false))
		wantCode(t, err, apperr.Invalid, "patientId") // no teleconsult consent
		_, err = s.AddConsent(county, patient.Consent{PatientID: p.ID, Scope: patient.ScopeTeleconsult, SignedBy: "patient",
			SignerName: "郑十", SignedOn: "2025-02-01"})
		must(t, err)
		_, err = s.CreateLecture(conv, conf(true))
		wantCode(t, err, apperr.Invalid, "recordingEnabled") // no recording consent
		if n := count(t, s, "lectures", ""); n != 0 {
			t.Fatalf("%d lectures written by refused calls", n)
		}
		l, err := s.CreateLecture(conv, conf(false))
		must(t, err)
		id := l.Session.ID
		if l.Session.PatientID != p.ID || l.PatientName != "郑十" || !l.Session.HasPatient {
			t.Fatalf("the scheduler's view = %+v", l)
		}

		// The alliance sees that a patient appears, not who.
		other, err := s.GetLecture(f.as("chc-doctor"), id)
		must(t, err)
		if other.Session.PatientID != "" || other.PatientName != "" || !other.Session.HasPatient {
			t.Fatalf("another institution's view = %+v", other)
		}
		if n := auditCount(t, s, "lecture.read", p.ID); n != 0 {
			t.Fatalf("a read that showed no patient was audited as about the patient")
		}
		mine, err := s.GetLecture(county, id)
		must(t, err)
		if mine.Session.PatientID != p.ID {
			t.Fatalf("the patient's own institution does not see the patient: %+v", mine)
		}
		if n := auditCount(t, s, "lecture.read", p.ID); n != 1 {
			t.Fatalf("%d lecture.read entries about the patient, want 1", n)
		}

		// Recording needs the patient's recording consent.
		on := true
		_, err = s.AddLectureRecording(county, id, teaching.RecordingRequest{Title: "回放", Location: "recordings/x.webm"})
		wantCode(t, err, apperr.Conflict, "") // recording not enabled
		_, err = s.UpdateLecture(county, id, teaching.Patch{Version: 1, RecordingEnabled: &on})
		wantCode(t, err, apperr.Invalid, "recordingEnabled")
		_, err = s.AddConsent(county, patient.Consent{PatientID: p.ID, Scope: patient.ScopeRecording, SignedBy: "guardian",
			SignerName: "郑母", SignerRelation: "母亲", SignedOn: "2025-02-01"})
		must(t, err)
		up, err := s.UpdateLecture(county, id, teaching.Patch{Version: 1, RecordingEnabled: &on})
		must(t, err)
		if !up.Session.RecordingEnabled {
			t.Fatalf("recording not enabled: %+v", up.Session)
		}
		_, err = s.AddLectureRecording(f.as("chc-doctor"), id, teaching.RecordingRequest{Title: "回放", Location: "recordings/x.webm"})
		wantCode(t, err, apperr.Forbidden, "")
		_, err = s.AddLectureRecording(county, id, teaching.RecordingRequest{Title: "回放", Location: "javascript:alert(1)"})
		wantCode(t, err, apperr.Invalid, "location")
		rec, err := s.AddLectureRecording(county, id, teaching.RecordingRequest{Title: "回放", Location: "recordings/x.webm"})
		must(t, err)
		recs, err := s.ListLectureRecordings(f.as("admin"), id)
		if err != nil || len(recs) != 1 || recs[0].ID != rec.ID || recs[0].SessionID != id {
			t.Fatalf("recordings = %+v, %v", recs, err)
		}
		if n := auditCount(t, s, "lecture.recordings_read", p.ID); n != 1 {
			t.Fatalf("%d recordings_read entries about the patient, want 1", n)
		}
		if list, _ := s.ListLectures(f.as("chc-doctor"), store.LectureFilter{Recorded: true}); len(list) != 1 || list[0].Recordings != 1 {
			t.Fatalf("recorded lectures = %+v", list)
		}

		// Once the consent is revoked, no more recordings.
		execSQL(t, s, "UPDATE consents SET revoked_at = ? WHERE patient_id = ? AND scope = ?", f.clk.Now(), p.ID, "recording")
		_, err = s.AddLectureRecording(county, id, teaching.RecordingRequest{Title: "第二段", Location: "recordings/y.webm"})
		wantCode(t, err, apperr.Conflict, "")
	})
}
