package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/teaching"
)

// TestRoomRecordFollowsRecordingConsent: a recorded case conference's join
// grant says Record while the patient's recording consent is in force, and
// no longer once it is revoked; reading the room's recordings is audited
// with the patient, and refused rooms never reach the disk.
func TestRoomRecordFollowsRecordingConsent(t *testing.T) {
	eachRounds(t, func(t *testing.T, f *roundsFixture) {
		s, county := f.s, f.as("county-doctor")
		conv := asUser(t, newUser(t, s, "feixi-convener", f.instID(instFeixi), auth.RoleConvener))
		p := newPatient(t, s, county, "郑十", nationalID("340123", "1969-07-07", "333"))
		for _, scope := range []patient.Scope{patient.ScopeTeleconsult, patient.ScopeRecording} {
			_, err := s.AddConsent(county, patient.Consent{PatientID: p.ID, Scope: scope, SignedBy: "patient",
				SignerName: "郑十", SignedOn: "2025-02-01"})
			must(t, err)
		}
		l, err := s.CreateLecture(conv, lecture(func(q *teaching.Request) {
			q.Kind, q.Title, q.PatientID = teaching.CaseConference, "难治性精神分裂症病例讨论", p.ID
			q.PresenterUserID, q.RecordingEnabled = f.user("county-doctor").ID, true
		}))
		must(t, err)
		plain, err := s.CreateLecture(f.as("specialist"), lecture(nil))
		must(t, err)
		room := l.Session.RoomID
		f.at("2025-03-10T10:45:00Z") // 15 minutes before the start: the room is open

		g, err := s.JoinRoom(county, room)
		if err != nil || g.Role != "host" || !g.Record {
			t.Fatalf("presenter's grant = %+v, %v; want host, recorded", g, err)
		}
		if g, err := s.JoinRoom(f.as("chc-doctor"), plain.Session.RoomID); err != nil || g.Record {
			t.Fatalf("grant of an unrecorded lecture = %+v, %v", g, err)
		}
		execSQL(t, s, "UPDATE consents SET revoked_at = ? WHERE patient_id = ? AND scope = ?", f.clk.Now(), p.ID, "recording")
		if g, err := s.JoinRoom(county, room); err != nil || g.Record {
			t.Fatalf("grant after the recording consent was revoked = %+v, %v; want not recorded", g, err)
		}

		reads := 0
		read := func() (int, error) { reads++; return 2, nil }
		must(t, s.ReadRoomRecordings(f.as("chc-doctor"), room, read))
		if n := auditCount(t, s, "room.recordings_read", p.ID); reads != 1 || n != 1 {
			t.Fatalf("%d reads, %d room.recordings_read entries about the patient; want 1 and 1", reads, n)
		}
		wantCode(t, s.ReadRoomRecordings(f.as("chc-doctor"), "no-such-room", read), apperr.NotFound, "")
		boom := errors.New("disk")
		if err := s.ReadRoomRecordings(county, room, func() (int, error) { return 0, boom }); !errors.Is(err, boom) {
			t.Fatalf("read error = %v, want it passed on", err)
		}
		if reads != 1 {
			t.Fatalf("read called %d times; a refused room must not reach the disk", reads)
		}

		// A finished SFU recording is listed with the lecture, once.
		started := f.clk.Now()
		must(t, s.AddRoomRecording(context.Background(), room, "20250310T104500Z-abcdef", started))
		must(t, s.AddRoomRecording(context.Background(), room, "20250310T104500Z-abcdef", started))
		recs, err := s.ListLectureRecordings(county, l.Session.ID)
		if err != nil || len(recs) != 1 || recs[0].Location != "/api/v1/rooms/"+room+"/recordings#20250310T104500Z-abcdef" ||
			recs[0].CreatedBy != f.user("county-doctor").ID || recs[0].Title != "录像 2025-03-10 18:45" {
			t.Fatalf("lecture recordings = %+v, %v", recs, err)
		}
		wantCode(t, s.AddRoomRecording(context.Background(), "no-such-room", "x", started), apperr.NotFound, "")
	})
}
