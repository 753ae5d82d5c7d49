package store

import (
	"context"
	"fmt"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/patient"
)

// lectureRecorded reports whether a lecture's room is to be recorded by the
// SFU: recording is enabled for it and, for a case conference that shows a
// patient, the patient's recording consent is still in force (the rule
// AddLectureRecording applies). Only lectures record; ward rounds and
// consultations have no recording setting.
func (s *Store) lectureRecorded(ctx context.Context, row lectureRow) (bool, error) {
	l := row.domain()
	if !l.RecordingEnabled {
		return false, nil
	}
	if l.NeedsRecordingConsent() {
		return s.HasConsent(ctx, l.PatientID, patient.ScopeRecording)
	}
	return true, nil
}

// ReadRoomRecordings lets the actor read a room's recordings when they may
// see the room: an invitee of a consultation or ad hoc call, a member of a
// ward round, a member institution of a lecture's alliance (no time window
// applies, unlike joining). read lists them (from the SFU's recording
// directory) and returns how many it found; the read is audited, with the
// patient the room concerns. Errors: not_found (no such room or not
// visible), and read's error.
func (s *Store) ReadRoomRecordings(ctx context.Context, roomID string, read func() (int, error)) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		var room roomRow
		if err := s.conn(ctx).Where("id = ?", roomID).Take(&room).Error; err != nil {
			return notFound(err, "room")
		}
		patientID := ""
		hidden := apperr.NotFoundf("room not found")
		switch room.Kind {
		case RoomLecture:
			l, err := s.visibleLecture(ctx, a, room.RefID)
			if err != nil {
				return hidden
			}
			patientID = l.PatientID
		case RoomVideoConsult:
			var row videoRow
			if err := s.conn(ctx).Where("id = ?", room.RefID).Take(&row).Error; err != nil {
				return hidden
			}
			v, err := row.domain()
			if err != nil {
				return err
			}
			if _, ok := v.Participants()[a.UserID]; !ok {
				return hidden
			}
			patientID = v.PatientID
		case RoomAdHoc:
			var inv roomInviteeRow
			if err := s.conn(ctx).Where("room_id = ? AND user_id = ?", room.ID, a.UserID).Take(&inv).Error; err != nil {
				return hidden
			}
		case RoomWardRound:
			if _, _, err := s.visibleOccurrence(ctx, a, room.RefID); err != nil {
				return hidden
			}
		default:
			return hidden
		}
		n, err := read()
		if err != nil {
			return err
		}
		return s.record(ctx, Audit{Action: audit.Action("room.recordings_read"), PatientID: patientID,
			TargetType: "room", TargetID: roomID, Detail: fmt.Sprintf("%d recordings", n)})
	})
}

// AddRoomRecording lists a recording the SFU finished in a lecture's room
// among the lecture's recordings, as made by its presenter, with location
// the hub path that lists it. It is idempotent per recording id, and a room
// that is not a lecture's is ignored (nothing else records). It runs as the
// system (no actor) and is audited as such. Errors: not_found (no such
// room).
func (s *Store) AddRoomRecording(ctx context.Context, roomID, recordingID string, startedAt time.Time) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		var room roomRow
		if err := s.conn(ctx).Where("id = ?", roomID).Take(&room).Error; err != nil {
			return notFound(err, "room")
		}
		if room.Kind != RoomLecture {
			return nil
		}
		var l lectureRow
		if err := s.conn(ctx).Where("id = ?", room.RefID).Take(&l).Error; err != nil {
			return notFound(err, "lecture")
		}
		location := "/api/v1/rooms/" + roomID + "/recordings#" + recordingID
		var n int64
		if err := s.conn(ctx).Model(&lectureRecordingRow{}).Where("lecture_id = ? AND location = ?", l.ID, location).
			Count(&n).Error; err != nil || n > 0 {
			return err
		}
		title := "录像 " + startedAt.In(chinaZone).Format("2006-01-02 15:04")
		rec := lectureRecordingRow{ID: newID(), LectureID: l.ID, Title: title, Location: location,
			CreatedBy: l.PresenterUserID, CreatedAt: s.now()}
		if err := s.conn(ctx).Create(&rec).Error; err != nil {
			return err
		}
		return s.record(ctx, Audit{Action: audit.Action("lecture.recording_add"), PatientID: l.PatientID,
			TargetType: "lecture_recording", TargetID: rec.ID, Detail: "sfu recording " + recordingID + " of lecture " + l.ID})
	})
}
