package store

import (
	"context"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/consult"
	"github.com/lianxin-hub/lianxin/internal/rounds"
)

type attendanceRow struct {
	ID       string `gorm:"primaryKey"`
	RoomID   string
	UserID   string
	JoinedAt time.Time
	LeftAt   *time.Time
}

func (attendanceRow) TableName() string { return "room_attendance" }

// RoomGrant is what the hub allows a user in a room: the part they play
// (host, participant or viewer) and the room's title.
type RoomGrant struct {
	RoomID string
	Kind   string
	RefID  string
	Role   string
	Title  string
}

// JoinRoom decides whether the actor may enter a room now, and as what. For
// a video consultation: the invited specialist hosts, the requesting doctor
// takes part, observers watch, within the join window of a booked
// consultation. The decision is audited. Errors: not_found (no such room,
// or not invited), conflict (outside the window, or no longer booked).
func (s *Store) JoinRoom(ctx context.Context, roomID string) (RoomGrant, error) {
	a, err := actor(ctx)
	if err != nil {
		return RoomGrant{}, err
	}
	var g RoomGrant
	err = s.WithTx(ctx, func(ctx context.Context) error {
		var room roomRow
		if err := s.conn(ctx).Where("id = ?", roomID).Take(&room).Error; err != nil {
			return notFound(err, "room")
		}
		g = RoomGrant{RoomID: room.ID, Kind: room.Kind, RefID: room.RefID, Title: room.Title}
		patientID := ""
		switch room.Kind {
		case RoomVideoConsult:
			var row videoRow
			if err := s.conn(ctx).Where("id = ?", room.RefID).Take(&row).Error; err != nil {
				return notFound(err, "room")
			}
			v, err := row.domain()
			if err != nil {
				return err
			}
			role, ok := v.Participants()[a.UserID]
			if !ok {
				return apperr.NotFoundf("room not found")
			}
			if v.Status != consult.Booked && v.Status != consult.Completed {
				return apperr.Conflictf("the consultation is %s", v.Status)
			}
			open, shut := v.JoinWindow()
			if err := openWindow(s.now(), open, shut, v.Start); err != nil {
				return err
			}
			g.Role, patientID = role, v.PatientID
		case RoomWardRound:
			o, sr, err := s.visibleOccurrence(ctx, a, room.RefID)
			if err != nil {
				return apperr.NotFoundf("room not found")
			}
			if o.Status == rounds.Cancelled {
				return apperr.Conflictf("this ward round was cancelled")
			}
			if err := openWindow(s.now(), o.StartsAt.Add(-30*time.Minute), o.EndsAt.Add(time.Hour), o.StartsAt); err != nil {
				return err
			}
			// The host presents the round; everyone else of the host and
			// the wards takes part (cases are discussed both ways).
			g.Role = "participant"
			if a.UserID == sr.HostUserID {
				g.Role = "host"
			}
		case RoomLecture:
			l, err := s.visibleLecture(ctx, a, room.RefID)
			if err != nil {
				return apperr.NotFoundf("room not found")
			}
			if err := openWindow(s.now(), l.StartsAt.Add(-30*time.Minute), l.EndsAt.Add(time.Hour), l.StartsAt); err != nil {
				return err
			}
			// One presenter, many viewers across the alliance.
			g.Role = "viewer"
			if a.UserID == l.PresenterUserID {
				g.Role = "host"
			}
			patientID = l.PatientID
		default:
			return apperr.NotFoundf("room not found")
		}
		return s.record(ctx, Audit{Action: audit.Action("room.join"), PatientID: patientID, TargetType: "room",
			TargetID: roomID, Detail: g.Role})
	})
	return g, err
}

var chinaZone = time.FixedZone("CST", 8*3600)

// openWindow refuses a join outside [open, shut]. Errors: conflict.
func openWindow(now, open, shut, start time.Time) error {
	if now.Before(open) {
		return apperr.Conflictf("the room opens at %s, before the start at %s", open.In(chinaZone).Format("2006-01-02 15:04"),
			start.In(chinaZone).Format("15:04"))
	}
	if now.After(shut) {
		return apperr.Conflictf("the room has closed")
	}
	return nil
}

// RoomJoined records that a user entered a room at t (reported by the
// signaling layer). It is idempotent for an open stay.
func (s *Store) RoomJoined(ctx context.Context, roomID, userID string, t time.Time) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		var n int64
		if err := s.conn(ctx).Model(&attendanceRow{}).Where("room_id = ? AND user_id = ? AND left_at IS NULL", roomID, userID).
			Count(&n).Error; err != nil || n > 0 {
			return err
		}
		return s.conn(ctx).Create(&attendanceRow{ID: newID(), RoomID: roomID, UserID: userID, JoinedAt: t.UTC()}).Error
	})
}

// RoomLeft closes the user's open stay in a room at t.
func (s *Store) RoomLeft(ctx context.Context, roomID, userID string, t time.Time) error {
	return s.conn(ctx).Model(&attendanceRow{}).Where("room_id = ? AND user_id = ? AND left_at IS NULL", roomID, userID).
		Update("left_at", t.UTC()).Error
}

// Attendance is one person's presence in a room.
type Attendance struct {
	UserID   string     `json:"userId"`
	JoinedAt time.Time  `json:"joinedAt"`
	LeftAt   *time.Time `json:"leftAt"`
	Seconds  int64      `json:"seconds"` // to LeftAt, or to now while still there
}

// RoomAttendance lists the stays in a room, oldest first, and the room's
// duration: from the first join to the last leave (or now).
func (s *Store) RoomAttendance(ctx context.Context, roomID string) ([]Attendance, int64, error) {
	var rows []attendanceRow
	if err := s.conn(ctx).Where("room_id = ?", roomID).Order("joined_at, id").Find(&rows).Error; err != nil {
		return nil, 0, err
	}
	now := s.now()
	out := make([]Attendance, len(rows))
	var first, last time.Time
	for i, r := range rows {
		end := now
		if r.LeftAt != nil {
			end = r.LeftAt.UTC()
		}
		out[i] = Attendance{UserID: r.UserID, JoinedAt: r.JoinedAt.UTC(), LeftAt: utcPtr(r.LeftAt),
			Seconds: int64(end.Sub(r.JoinedAt).Seconds())}
		if first.IsZero() || r.JoinedAt.Before(first) {
			first = r.JoinedAt
		}
		if end.After(last) {
			last = end
		}
	}
	var dur int64
	if !first.IsZero() {
		dur = int64(last.Sub(first).Seconds())
	}
	return out, dur, nil
}
