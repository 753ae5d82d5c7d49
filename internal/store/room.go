package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/auth"
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
	// Record: the SFU records the room (a lecture with recording enabled
	// and, if it shows a patient, their recording consent in force).
	Record bool
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
		case RoomAdHoc:
			if s.now().After(room.CreatedAt.Add(AdHocRoomLife)) {
				return apperr.Conflictf("the room has closed")
			}
			var inv roomInviteeRow
			if err := s.conn(ctx).Where("room_id = ? AND user_id = ?", room.ID, a.UserID).Take(&inv).Error; err != nil {
				return apperr.NotFoundf("room not found")
			}
			g.Role = inv.Role
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
			if g.Record, err = s.lectureRecorded(ctx, l); err != nil {
				return err
			}
		default:
			return apperr.NotFoundf("room not found")
		}
		detail := g.Role
		if g.Record {
			detail += ", recorded"
		}
		return s.record(ctx, Audit{Action: audit.Action("room.join"), PatientID: patientID, TargetType: "room",
			TargetID: roomID, Detail: detail})
	})
	return g, err
}

var chinaZone = alliance.ChinaTime

// RoomAdHoc is a room a clinician opens to call colleagues; ref_id is the
// host. It may be joined for AdHocRoomLife after it is opened.
const (
	RoomAdHoc     = "adhoc"
	AdHocRoomLife = 12 * time.Hour
)

type roomInviteeRow struct {
	RoomID string `gorm:"primaryKey"`
	UserID string `gorm:"primaryKey"`
	Role   string
}

func (roomInviteeRow) TableName() string { return "room_invitees" }

// AdHocRoom is an opened ad hoc room.
type AdHocRoom struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	HostID    string    `json:"hostUserId"`
	Invitees  []string  `json:"invitees"`
	CreatedAt time.Time `json:"createdAt"`
}

// OpenAdHocRoom opens a room hosted by the actor (a clinician) with
// invitees of the actor's alliances as participants. No patient is attached:
// a consultation about a patient is booked as a video consultation.
// Errors: invalid (title, invitees), forbidden.
func (s *Store) OpenAdHocRoom(ctx context.Context, title string, invitees []string) (AdHocRoom, error) {
	a, err := actor(ctx)
	if err != nil {
		return AdHocRoom{}, err
	}
	title = strings.TrimSpace(title)
	switch {
	case title == "" || len([]rune(title)) > 100:
		return AdHocRoom{}, apperr.InvalidField("title", "give the call a title of at most 100 characters")
	case len(invitees) == 0 || len(invitees) > 20:
		return AdHocRoom{}, apperr.InvalidField("invitees", "invite 1 to 20 colleagues")
	case !a.Has(auth.RoleDoctor) && !a.Has(auth.RoleSpecialist) && !a.Has(auth.RoleConvener):
		return AdHocRoom{}, apperr.Forbiddenf("only clinicians and conveners open calls")
	}
	out := AdHocRoom{ID: newID(), Title: title, HostID: a.UserID, CreatedAt: s.now()}
	err = s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.conn(ctx).Create(&roomRow{ID: out.ID, Kind: RoomAdHoc, RefID: a.UserID, Title: title,
			CreatedAt: out.CreatedAt}).Error; err != nil {
			return err
		}
		if err := s.conn(ctx).Create(&roomInviteeRow{RoomID: out.ID, UserID: a.UserID, Role: "host"}).Error; err != nil {
			return err
		}
		for _, u := range invitees {
			if u == a.UserID || slices.Contains(out.Invitees, u) {
				continue
			}
			var row userRow
			if err := s.conn(ctx).Where("id = ? AND disabled = ?", u, false).Take(&row).Error; err != nil {
				return apperr.InvalidField("invitees", "unknown user %q", u)
			}
			if err := s.sameAlliance(ctx, a.InstitutionID, row.InstitutionID, "invitees"); err != nil && row.InstitutionID != a.InstitutionID {
				return err
			}
			if err := s.conn(ctx).Create(&roomInviteeRow{RoomID: out.ID, UserID: u, Role: "participant"}).Error; err != nil {
				return err
			}
			out.Invitees = append(out.Invitees, u)
		}
		return s.record(ctx, Audit{Action: audit.Action("room.open"), TargetType: "room", TargetID: out.ID,
			Detail: fmt.Sprintf("%d invitees", len(out.Invitees))})
	})
	return out, err
}

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
		if err := s.conn(ctx).Create(&attendanceRow{ID: newID(), RoomID: roomID, UserID: userID, JoinedAt: t.UTC()}).Error; err != nil {
			return err
		}
		return s.refreshRoomCounts(ctx, roomID, userID, &t)
	})
}

// RoomLeft closes the user's open stay in a room at t.
func (s *Store) RoomLeft(ctx context.Context, roomID, userID string, t time.Time) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		res := s.conn(ctx).Model(&attendanceRow{}).Where("room_id = ? AND user_id = ? AND left_at IS NULL", roomID, userID).
			Update("left_at", t.UTC())
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return s.refreshRoomCounts(ctx, roomID, userID, nil)
	})
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
