package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/consult"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/schedule"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

// videoFixture is a clocked demo store (Saturday 2025-03-01 17:00 in
// China) where the core hospital's specialist offers Monday mornings in
// 30-minute slots, and chc-doctor's patient has consented to teleconsult
// and been seen in an eConsult by the core hospital.
type videoFixture struct {
	*fixture
	clk     *clock
	patient patient.Patient
	consent patient.Consent
	monday  time.Time // 2025-03-03 09:00 China time
}

func newVideoFixture(t *testing.T, dialect string) *videoFixture {
	t.Helper()
	clk := newClock()
	s := openClocked(t, dialect, clk)
	f := &videoFixture{fixture: seedDemo(t, s), clk: clk,
		monday: time.Date(2025, 3, 3, 9, 0, 0, 0, schedule.Zone)}
	ctx := f.as("specialist")
	if _, err := s.AddTemplate(ctx, schedule.Template{UserID: f.user("specialist").ID, Weekday: time.Monday,
		Start: "09:00", End: "12:00", SlotMinutes: 30, ValidFrom: "2025-03-01"}); err != nil {
		t.Fatalf("AddTemplate: %v", err)
	}
	chc := f.as("chc-doctor")
	f.patient = newPatient(t, s, chc, "王五", nationalID("340104", "1970-05-06", "123"))
	var err error
	f.consent, err = s.AddConsent(chc, patient.Consent{PatientID: f.patient.ID, Scope: patient.ScopeTeleconsult,
		SignedBy: "patient", SignerName: "王五", SignedOn: "2025-03-01"})
	if err != nil {
		t.Fatalf("AddConsent: %v", err)
	}
	if _, err := s.CreateConsult(chc, consult.Request{PatientID: f.patient.ID,
		TargetInstitutionID: f.instID(instCore), Question: "需要视频会诊吗？", Summary: "幻听两月"}); err != nil {
		t.Fatalf("CreateConsult: %v", err)
	}
	return f
}

func (f *videoFixture) booking(start time.Time) consult.Booking {
	return consult.Booking{PatientID: f.patient.ID, SpecialistUserID: f.user("specialist").ID, Start: start,
		End: start.Add(30 * time.Minute), Purpose: "明确诊断", RecordSummary: "幻听两月，无自伤", InvitedSpecialty: "general_adult",
		ConsentID: f.consent.ID}
}

func eachVideo(t *testing.T, fn func(t *testing.T, f *videoFixture)) {
	storetest.Each(t, func(t *testing.T, s *store.Store) { fn(t, newVideoFixture(t, s.Dialect())) })
}

// TestVideoConsultationThroughConvener: the core hospital's convener books
// a slot on behalf of the CHC doctor; both join within the window, their
// attendance and the duration are recorded, and the specialist files the
// opinion, which completes the consultation.
func TestVideoConsultationThroughConvener(t *testing.T) {
	eachVideo(t, func(t *testing.T, f *videoFixture) {
		s := f.s
		from := f.clk.Now()
		slots, err := s.FreeSlots(f.as("convener"), f.user("specialist").ID, from, from.Add(7*24*time.Hour))
		if err != nil || len(slots) != 6 {
			t.Fatalf("FreeSlots = %d slots, %v; want the 6 half-hours of Monday morning", len(slots), err)
		}
		if !slots[0].Start.Equal(f.monday.UTC()) {
			t.Fatalf("first slot %v, want %v", slots[0].Start, f.monday.UTC())
		}
		b := f.booking(f.monday)
		b.OnBehalfOfUserID = f.user("chc-doctor").ID
		v, err := s.BookVideo(f.as("convener"), b)
		if err != nil {
			t.Fatalf("BookVideo by convener: %v", err)
		}
		if v.RequesterUserID != f.user("chc-doctor").ID || v.BookedByUserID != f.user("convener").ID ||
			v.RequesterInstitutionID != f.instID(instSanlian) || v.InvitedTitle != string(f.user("specialist").Title) {
			t.Fatalf("booking records requester %s (inst %s), booker %s, title %q", v.RequesterUserID,
				v.RequesterInstitutionID, v.BookedByUserID, v.InvitedTitle)
		}
		slots, _ = s.FreeSlots(f.as("chc-doctor"), f.user("specialist").ID, from, from.Add(7*24*time.Hour))
		if len(slots) != 5 {
			t.Fatalf("after booking %d free slots, want 5", len(slots))
		}

		// Too early: the room opens 15 minutes before the start.
		_, err = s.JoinRoom(f.as("specialist"), v.RoomID)
		wantCode(t, err, apperr.Conflict, "")
		f.clk.Advance(f.monday.Sub(f.clk.Now()) - 10*time.Minute)
		host, err := s.JoinRoom(f.as("specialist"), v.RoomID)
		if err != nil || host.Role != "host" {
			t.Fatalf("specialist JoinRoom = %+v, %v; want host", host, err)
		}
		part, err := s.JoinRoom(f.as("chc-doctor"), v.RoomID)
		if err != nil || part.Role != "participant" {
			t.Fatalf("chc-doctor JoinRoom = %+v, %v; want participant", part, err)
		}
		_, err = s.JoinRoom(f.as("county-doctor"), v.RoomID)
		wantCode(t, err, apperr.NotFound, "")

		t0 := f.clk.Now()
		must(t, s.RoomJoined(t.Context(), v.RoomID, f.user("specialist").ID, t0))
		must(t, s.RoomJoined(t.Context(), v.RoomID, f.user("chc-doctor").ID, t0.Add(2*time.Minute)))
		must(t, s.RoomJoined(t.Context(), v.RoomID, f.user("chc-doctor").ID, t0.Add(3*time.Minute))) // a repeat: one stay
		must(t, s.RoomLeft(t.Context(), v.RoomID, f.user("chc-doctor").ID, t0.Add(22*time.Minute)))
		must(t, s.RoomLeft(t.Context(), v.RoomID, f.user("specialist").ID, t0.Add(25*time.Minute)))
		att, dur, err := s.RoomAttendance(t.Context(), v.RoomID)
		if err != nil || len(att) != 2 {
			t.Fatalf("RoomAttendance = %+v, %v; want two stays", att, err)
		}
		if dur != int64(25*60) || att[1].Seconds != int64(20*60) {
			t.Fatalf("duration %ds, chc-doctor %ds; want 1500 and 1200", dur, att[1].Seconds)
		}

		_, err = s.ActOnVideo(f.as("chc-doctor"), v.ID, consult.FileOpinion, consult.VideoInput{Version: 1,
			Opinion: &consult.Opinion{Impression: "x", Recommendations: "y"}})
		wantCode(t, err, apperr.Forbidden, "")
		f.clk.Advance(30 * time.Minute)
		done, err := s.ActOnVideo(f.as("specialist"), v.ID, consult.FileOpinion, consult.VideoInput{Version: 1,
			Opinion: &consult.Opinion{Impression: "精神分裂症可能", Diagnoses: []string{"F20.9"},
				Recommendations: "转诊住院明确诊断", MedicationRecommendations: "可考虑利培酮", ReferralAdvised: true}})
		if err != nil {
			t.Fatalf("FileOpinion: %v", err)
		}
		if done.Status != consult.Completed || done.Opinion.Disclaimer != consult.NoPrescription {
			t.Fatalf("after opinion: status %s, disclaimer %q", done.Status, done.Opinion.Disclaimer)
		}
		// Both institutions read it in the record.
		for _, who := range []string{"chc-doctor", "specialist"} {
			got, err := s.GetVideo(f.as(who), v.ID)
			if err != nil || got.Opinion == nil || got.Opinion.Impression != "精神分裂症可能" {
				t.Fatalf("%s GetVideo = %+v, %v", who, got.Opinion, err)
			}
		}
		if n := auditCount(t, s, "video.file_opinion", f.patient.ID); n != 1 {
			t.Fatalf("%d audit entries for the opinion, want 1", n)
		}
	})
}

// TestVideoDoubleBookingRace: two bookers race for one slot; exactly one
// wins and the other is told the slot is taken.
func TestVideoDoubleBookingRace(t *testing.T) {
	eachVideo(t, func(t *testing.T, f *videoFixture) {
		s := f.s
		second := newPatient(t, s, f.as("chc-doctor"), "赵六", nationalID("340104", "1972-07-08", "456"))
		cons, err := s.AddConsent(f.as("chc-doctor"), patient.Consent{PatientID: second.ID, Scope: patient.ScopeTeleconsult,
			SignedBy: "patient", SignerName: "赵六", SignedOn: "2025-03-01"})
		must(t, err)
		b1 := f.booking(f.monday)
		b2 := f.booking(f.monday)
		b2.PatientID, b2.ConsentID = second.ID, cons.ID
		errs := make([]error, 2)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, b := range []consult.Booking{b1, b2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = s.BookVideo(f.as("chc-doctor"), b)
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
			} else {
				wantCode(t, err, apperr.Conflict, "start")
			}
		}
		if won != 1 {
			t.Fatalf("%d bookings won, want exactly 1 (errors %v)", won, errs)
		}
		if n := count(t, s, "video_consults", "status = 'booked'"); n != 1 {
			t.Fatalf("%d live bookings, want 1", n)
		}
	})
}

// TestVideoBookingRules: the telemedicine rules and the schedule are
// enforced, and nothing is written when a booking is refused.
func TestVideoBookingRules(t *testing.T) {
	eachVideo(t, func(t *testing.T, f *videoFixture) {
		s := f.s
		chc := f.as("chc-doctor")
		junior := newUser(t, s, "junior-spec", f.instID(instCore), "specialist")
		execSQL(t, s, "UPDATE users SET practice_years = 2 WHERE id = ?", junior.ID)
		if _, err := s.AddTemplate(asUser(t, junior), schedule.Template{UserID: junior.ID, Weekday: time.Monday,
			Start: "09:00", End: "10:00", SlotMinutes: 30, ValidFrom: "2025-03-01"}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name  string
			edit  func(b *consult.Booking)
			ctx   context.Context
			code  string
			field string
		}{
			{"invited doctor under 3 years", func(b *consult.Booking) { b.SpecialistUserID = junior.ID }, chc, apperr.Invalid, "specialistUserId"},
			{"slot not offered", func(b *consult.Booking) {
				b.Start, b.End = f.monday.Add(-time.Hour), f.monday.Add(-30*time.Minute)
			}, chc, apperr.Invalid, "start"},
			{"no purpose", func(b *consult.Booking) { b.Purpose = " " }, chc, apperr.Invalid, "purpose"},
			{"unknown specialty", func(b *consult.Booking) { b.InvitedSpecialty = "surgery" }, chc, apperr.Invalid, "invitedSpecialty"},
			{"consent of another scope", func(b *consult.Booking) {
				c, err := s.AddConsent(chc, patient.Consent{PatientID: f.patient.ID, Scope: patient.ScopeReferral,
					SignedBy: "guardian", SignerName: "王父", SignerRelation: "父亲", SignedOn: "2025-03-01"})
				must(t, err)
				b.ConsentID = c.ID
			}, chc, apperr.Invalid, "consentId"},
			{"convener of an unrelated facility", func(b *consult.Booking) {
				b.OnBehalfOfUserID = f.user("chc-doctor").ID
			}, asUser(t, newUser(t, s, "far-convener", f.instID(instFeixi), "convener")), apperr.Forbidden, ""},
			{"patient another institution cannot see", func(b *consult.Booking) {}, f.as("county-doctor"), apperr.NotFound, ""},
		}
		for _, c := range cases {
			b := f.booking(f.monday)
			c.edit(&b)
			_, err := s.BookVideo(c.ctx, b)
			if err == nil {
				t.Fatalf("%s: booking accepted", c.name)
			}
			wantCode(t, err, c.code, c.field)
		}
		if n := count(t, s, "video_consults", ""); n != 0 {
			t.Fatalf("%d bookings written by refused requests", n)
		}

		v, err := s.BookVideo(chc, f.booking(f.monday))
		must(t, err)
		// Move to the next half hour, then cancel with a reason.
		next := f.monday.Add(30 * time.Minute)
		end := next.Add(30 * time.Minute)
		moved, err := s.ActOnVideo(chc, v.ID, consult.Move, consult.VideoInput{Version: 1, Start: &next, End: &end})
		if err != nil || !moved.Start.Equal(next.UTC()) {
			t.Fatalf("Move = %v, %v", moved.Start, err)
		}
		_, err = s.ActOnVideo(chc, v.ID, consult.Move, consult.VideoInput{Version: 1, Start: &next, End: &end})
		wantCode(t, err, apperr.Conflict, "")
		_, err = s.ActOnVideo(chc, v.ID, consult.CancelVideo, consult.VideoInput{Version: 2})
		wantCode(t, err, apperr.Invalid, "note")
		gone, err := s.ActOnVideo(f.as("convener"), v.ID, consult.CancelVideo, consult.VideoInput{Version: 2, Note: "专家出差"})
		if err != nil || gone.Status != consult.VideoOff {
			t.Fatalf("Cancel = %s, %v", gone.Status, err)
		}
		// A cancelled slot is free again.
		if _, err := s.BookVideo(chc, f.booking(next)); err != nil {
			t.Fatalf("rebooking a cancelled slot: %v", err)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// reminderLog records the reminders sent through the extra channel.
type reminderLog struct {
	mu    sync.Mutex
	users []string
}

func (r *reminderLog) Remind(_ context.Context, userID, _ string, _ time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.users = append(r.users, userID)
	return nil
}

// TestVideoReminders: half an hour before a booked consultation its
// participants are reminded once, in the app and through the extra
// channel; a move to a later slot reminds them again.
func TestVideoReminders(t *testing.T) {
	eachVideo(t, func(t *testing.T, f *videoFixture) {
		s := f.s
		v, err := s.BookVideo(f.as("chc-doctor"), f.booking(f.monday))
		must(t, err)
		log := &reminderLog{}
		if n, err := s.SendVideoReminders(t.Context(), 30*time.Minute, log); err != nil || n != 0 {
			t.Fatalf("two days early: %d reminded, %v", n, err)
		}
		f.clk.Advance(f.monday.Sub(f.clk.Now()) - 20*time.Minute)
		if n, err := s.SendVideoReminders(t.Context(), 30*time.Minute, log); err != nil || n != 1 {
			t.Fatalf("20 minutes before: %d reminded, %v", n, err)
		}
		if n, _ := s.SendVideoReminders(t.Context(), 30*time.Minute, log); n != 0 {
			t.Fatalf("reminded twice: %d", n)
		}
		if len(log.users) != 2 {
			t.Fatalf("extra channel reached %v, want the specialist and the doctor", log.users)
		}
		for _, who := range []string{"specialist", "chc-doctor"} {
			ns, _, err := s.ListNotifications(f.as(who), true, "", 10)
			if err != nil || len(ns) != 1 || ns[0].Kind != "video.reminder" || ns[0].Link != "/video-consults/"+v.ID {
				t.Fatalf("%s inbox = %+v, %v", who, ns, err)
			}
		}
		if n := count(t, s, "notifications", "kind = 'video.reminder' AND user_id = ?", f.user("county-doctor").ID); n != 0 {
			t.Fatalf("an unrelated doctor was reminded")
		}
		later := f.monday.Add(30 * time.Minute)
		end := later.Add(30 * time.Minute)
		_, err = s.ActOnVideo(f.as("chc-doctor"), v.ID, consult.Move, consult.VideoInput{Version: 1, Start: &later, End: &end})
		must(t, err)
		f.clk.Advance(25 * time.Minute)
		if n, err := s.SendVideoReminders(t.Context(), 30*time.Minute, log); err != nil || n != 1 {
			t.Fatalf("after the move: %d reminded, %v", n, err)
		}
	})
}
