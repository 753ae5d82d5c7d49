package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm/clause"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/consult"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/schedule"
)

type videoRow struct {
	ID                     string `gorm:"primaryKey"`
	PatientID              string
	Status                 string
	Version                int
	RequesterInstitutionID string
	RequesterUserID        string
	BookedByUserID         string
	TargetInstitutionID    string
	SpecialistUserID       string
	StartsAt               time.Time
	EndsAt                 time.Time
	Purpose                string
	RecordSummary          string
	InvitedSpecialty       string
	InvitedTitle           string
	ConsentID              string
	Observers              string // JSON array of user ids
	RoomID                 string
	ConsultID              string
	Opinion                string
	Note                   string
	RemindedAt             *time.Time
	CreatedAt              time.Time
	UpdatedAt              time.Time
}

func (videoRow) TableName() string { return "video_consults" }

func (r *videoRow) domain() (consult.Video, error) {
	v := consult.Video{ID: r.ID, PatientID: r.PatientID, Status: consult.VideoStatus(r.Status), Version: r.Version,
		RequesterInstitutionID: r.RequesterInstitutionID, RequesterUserID: r.RequesterUserID,
		BookedByUserID: r.BookedByUserID, TargetInstitutionID: r.TargetInstitutionID,
		SpecialistUserID: r.SpecialistUserID, Start: r.StartsAt.UTC(), End: r.EndsAt.UTC(), Purpose: r.Purpose,
		RecordSummary: r.RecordSummary, InvitedSpecialty: r.InvitedSpecialty, InvitedTitle: r.InvitedTitle,
		ConsentID: r.ConsentID, RoomID: r.RoomID, ConsultID: r.ConsultID, Note: r.Note,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.Observers), &v.Observers); err != nil {
		return v, fmt.Errorf("video %s: observers: %w", r.ID, err)
	}
	if r.Opinion != "" {
		if err := json.Unmarshal([]byte(r.Opinion), &v.Opinion); err != nil {
			return v, fmt.Errorf("video %s: opinion: %w", r.ID, err)
		}
	}
	return v, nil
}

func newVideoRow(v *consult.Video) videoRow {
	obs, _ := json.Marshal(v.Observers)
	if v.Observers == nil {
		obs = []byte("[]")
	}
	return videoRow{ID: v.ID, PatientID: v.PatientID, Status: string(v.Status), Version: v.Version,
		RequesterInstitutionID: v.RequesterInstitutionID, RequesterUserID: v.RequesterUserID,
		BookedByUserID: v.BookedByUserID, TargetInstitutionID: v.TargetInstitutionID,
		SpecialistUserID: v.SpecialistUserID, StartsAt: v.Start, EndsAt: v.End, Purpose: v.Purpose,
		RecordSummary: v.RecordSummary, InvitedSpecialty: v.InvitedSpecialty, InvitedTitle: v.InvitedTitle,
		ConsentID: v.ConsentID, Observers: string(obs), RoomID: v.RoomID, ConsultID: v.ConsultID,
		Opinion: jsonOrEmpty(v.Opinion, v.Opinion == nil), Note: v.Note, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
}

type roomRow struct {
	ID        string `gorm:"primaryKey"`
	Kind      string
	RefID     string
	Title     string
	CreatedAt time.Time
}

func (roomRow) TableName() string { return "rooms" }

// Room kinds.
const (
	RoomVideoConsult = "video_consult"
)

// BookVideo books a video consultation in one of the specialist's free
// slots, for the actor (a clinician) or, when the actor is a convener, on
// behalf of a doctor of their facility. It checks the telemedicine rules:
// the patient's teleconsult consent, the invited doctor's ≥ 3 years of
// practice; it records the specialist's title, opens the room and gives the
// target institution a care relationship. Two bookings of one slot cannot
// both succeed: a unique index decides. Errors: invalid, not_found
// (patient), forbidden, conflict (slot taken).
func (s *Store) BookVideo(ctx context.Context, b consult.Booking) (consult.Video, error) {
	a, err := actor(ctx)
	if err != nil {
		return consult.Video{}, err
	}
	now := s.now()
	if err := b.Validate(now); err != nil {
		return consult.Video{}, err
	}
	var out consult.Video
	err = s.WithTx(ctx, func(ctx context.Context) error {
		var spec userRow
		if err := s.conn(ctx).Where("id = ?", b.SpecialistUserID).Take(&spec).Error; err != nil {
			return apperr.InvalidField("specialistUserId", "no such specialist")
		}
		requester, requesterInst := a.UserID, a.InstitutionID
		if b.OnBehalfOfUserID != "" && b.OnBehalfOfUserID != a.UserID {
			// The convener of the requesting facility, or of the specialist's
			// (who owns the specialists' schedule), books for a doctor.
			if !a.Has(auth.RoleConvener) {
				return apperr.Forbiddenf("only a convener books on behalf of a colleague")
			}
			var doc userRow
			if err := s.conn(ctx).Where("id = ? AND disabled = ?", b.OnBehalfOfUserID, false).Take(&doc).Error; err != nil {
				return apperr.InvalidField("onBehalfOfUserId", "no such doctor")
			}
			if doc.InstitutionID != a.InstitutionID && spec.InstitutionID != a.InstitutionID {
				return apperr.Forbiddenf("a convener books for doctors of their facility, or with their facility's specialists")
			}
			if err := s.sameAlliance(ctx, a.InstitutionID, doc.InstitutionID, "onBehalfOfUserId"); err != nil {
				return err
			}
			requester, requesterInst = doc.ID, doc.InstitutionID
		} else if !a.Has(auth.RoleDoctor) && !a.Has(auth.RoleSpecialist) {
			return apperr.Forbiddenf("a clinician books a consultation, or a convener on their behalf")
		}
		if err := s.requireVisiblePatient(ctx, b.PatientID); err != nil {
			return err
		}
		var cared int64
		if err := s.conn(ctx).Model(&careRelationRow{}).Where("patient_id = ? AND institution_id = ?", b.PatientID,
			requesterInst).Count(&cared).Error; err != nil {
			return err
		}
		if cared == 0 {
			return apperr.InvalidField("patientId", "the patient is not in the care of the requesting doctor's institution")
		}
		var cons consentRow
		if err := s.conn(ctx).Where("id = ? AND patient_id = ? AND scope = ? AND revoked_at IS NULL", b.ConsentID,
			b.PatientID, string(patient.ScopeTeleconsult)).Take(&cons).Error; err != nil {
			return apperr.InvalidField("consentId", "no teleconsult consent of this patient with that id")
		}
		if err := consult.CheckConsultant("specialistUserId", spec.domain(), spec.InstitutionID); err != nil {
			return err
		}
		if spec.InstitutionID == requesterInst {
			return apperr.InvalidField("specialistUserId", "invite a specialist of another institution")
		}
		if err := s.sameAlliance(ctx, requesterInst, spec.InstitutionID, "specialistUserId"); err != nil {
			return err
		}
		if err := s.requireFreeSlot(ctx, spec.ID, schedule.Slot{Start: b.Start, End: b.End}, ""); err != nil {
			return err
		}
		for _, o := range b.Observers {
			var n int64
			if err := s.conn(ctx).Model(&userRow{}).Where("id = ? AND disabled = ?", o, false).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return apperr.InvalidField("observers", "unknown observer %q", o)
			}
		}
		if b.Observers == nil {
			b.Observers = []string{}
		}
		v := consult.Video{ID: newID(), PatientID: b.PatientID, Status: consult.Booked, Version: 1,
			RequesterInstitutionID: requesterInst, RequesterUserID: requester, BookedByUserID: a.UserID,
			TargetInstitutionID: spec.InstitutionID, SpecialistUserID: spec.ID, Start: b.Start, End: b.End,
			Purpose: b.Purpose, RecordSummary: b.RecordSummary, InvitedSpecialty: b.InvitedSpecialty,
			InvitedTitle: spec.Title, ConsentID: b.ConsentID, Observers: b.Observers, RoomID: newID(),
			ConsultID: b.ConsultID, CreatedAt: now, UpdatedAt: now}
		if err := s.conn(ctx).Create(&roomRow{ID: v.RoomID, Kind: RoomVideoConsult, RefID: v.ID,
			Title: "video consultation", CreatedAt: now}).Error; err != nil {
			return err
		}
		row := newVideoRow(&v)
		if err := s.conn(ctx).Create(&row).Error; err != nil {
			if isUnique(err) {
				return &apperr.Error{Code: apperr.Conflict, Field: "start", Message: "that slot has just been booked: choose another"}
			}
			return err
		}
		if err := s.AddCareRelation(ctx, v.PatientID, v.TargetInstitutionID, CareConsult, v.ID); err != nil {
			return err
		}
		if err := s.refreshActivity(ctx, []time.Time{v.Start}, v.RequesterInstitutionID, v.TargetInstitutionID); err != nil {
			return err
		}
		out = v
		return s.record(ctx, Audit{Action: audit.Action("video.book"), PatientID: v.PatientID, TargetType: "video_consult",
			TargetID: v.ID, Detail: fmt.Sprintf("specialist %s at %s", spec.ID, v.Start.Format(time.RFC3339))})
	})
	return out, err
}

// requireFreeSlot checks that slot is one the specialist publishes and that
// no live booking (other than except) overlaps it.
func (s *Store) requireFreeSlot(ctx context.Context, specialistID string, slot schedule.Slot, except string) error {
	ts, xs, err := s.availability(ctx, specialistID)
	if err != nil {
		return err
	}
	published := schedule.Slots(ts, xs, nil, slot.Start.Add(-time.Minute), slot.End)
	if !schedule.Offers(published, slot) {
		return apperr.InvalidField("start", "the specialist does not offer that slot")
	}
	var n int64
	if err := s.conn(ctx).Model(&videoRow{}).Where("specialist_user_id = ? AND status <> ? AND id <> ? AND starts_at < ? AND ends_at > ?",
		specialistID, string(consult.VideoOff), except, slot.End, slot.Start).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return &apperr.Error{Code: apperr.Conflict, Field: "start", Message: "that slot is already booked: choose another"}
	}
	return nil
}

func (s *Store) visibleVideo(ctx context.Context, a auth.Actor, id string) (consult.Video, error) {
	var row videoRow
	if err := s.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return consult.Video{}, notFound(err, "video consultation")
	}
	v, err := row.domain()
	if err != nil {
		return v, err
	}
	if a.InstitutionID != v.RequesterInstitutionID && a.InstitutionID != v.TargetInstitutionID &&
		!slices.Contains(v.Observers, a.UserID) {
		return consult.Video{}, apperr.NotFoundf("video consultation not found")
	}
	return v, nil
}

// GetVideo returns a video consultation the actor may see, audited.
// Errors: not_found.
func (s *Store) GetVideo(ctx context.Context, id string) (consult.Video, error) {
	a, err := actor(ctx)
	if err != nil {
		return consult.Video{}, err
	}
	var out consult.Video
	err = s.WithTx(ctx, func(ctx context.Context) error {
		v, err := s.visibleVideo(ctx, a, id)
		if err != nil {
			return err
		}
		out = v
		return s.record(ctx, Audit{Action: audit.Action("video.read"), PatientID: v.PatientID, TargetType: "video_consult", TargetID: id})
	})
	return out, err
}

// ListVideos lists the video consultations of the actor's institution (as
// either side) starting in [from, to), in time order, at most 500.
func (s *Store) ListVideos(ctx context.Context, from, to time.Time, specialistID string) ([]consult.Video, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var out []consult.Video
	err = s.WithTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx).Where("(requester_institution_id = ? OR target_institution_id = ?) AND starts_at >= ? AND starts_at < ?",
			a.InstitutionID, a.InstitutionID, from, to)
		if specialistID != "" {
			db = db.Where("specialist_user_id = ?", specialistID)
		}
		var rows []videoRow
		if err := db.Order("starts_at").Limit(500).Find(&rows).Error; err != nil {
			return err
		}
		for i := range rows {
			v, err := rows[i].domain()
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return s.record(ctx, Audit{Action: audit.Action("video.list"), TargetType: "video_consult",
			Detail: fmt.Sprintf("%d results", len(out))})
	})
	return out, err
}

// ActOnVideo moves, cancels, marks a no-show or files the opinion of a
// booked consultation, version-guarded and audited. A move must land on a
// free published slot. Errors: not_found, forbidden, conflict, invalid.
func (s *Store) ActOnVideo(ctx context.Context, id string, action consult.VideoAction, in consult.VideoInput) (consult.Video, error) {
	a, err := actor(ctx)
	if err != nil {
		return consult.Video{}, err
	}
	var out consult.Video
	err = s.WithTx(ctx, func(ctx context.Context) error {
		v, err := s.visibleVideo(ctx, a, id)
		if err != nil {
			return err
		}
		if err := consult.AuthorizeVideo(&v, action, whoOf(a)); err != nil {
			return err
		}
		prev, wasAt := v.Version, v.Start
		if err := consult.ApplyVideo(&v, action, in, whoOf(a), s.now()); err != nil {
			return err
		}
		if action == consult.Move {
			if err := s.requireFreeSlot(ctx, v.SpecialistUserID, v.Slot(), v.ID); err != nil {
				return err
			}
		}
		row := newVideoRow(&v)
		if action == consult.Move {
			row.RemindedAt = nil // remind again before the new slot
		} else {
			var cur videoRow
			if err := s.conn(ctx).Select("reminded_at").Where("id = ?", id).Take(&cur).Error; err != nil {
				return err
			}
			row.RemindedAt = cur.RemindedAt
		}
		res := s.conn(ctx).Model(&videoRow{}).Where("id = ? AND version = ?", id, prev).Select("*").
			Omit("id", "created_at").Updates(&row)
		if res.Error != nil {
			if isUnique(res.Error) {
				return &apperr.Error{Code: apperr.Conflict, Field: "start", Message: "that slot has just been booked: choose another"}
			}
			return res.Error
		}
		if res.RowsAffected != 1 {
			return apperr.Conflictf("the booking has changed: reload it")
		}
		if err := s.refreshActivity(ctx, []time.Time{wasAt, v.Start}, v.RequesterInstitutionID, v.TargetInstitutionID); err != nil {
			return err
		}
		out = v
		return s.record(ctx, Audit{Action: audit.Action("video." + string(action)), PatientID: v.PatientID,
			TargetType: "video_consult", TargetID: id, Detail: fmt.Sprintf("%s v%d", v.Status, v.Version)})
	})
	return out, err
}

// SendVideoReminders reminds everyone taking part in a booked video
// consultation that starts within lead: an in-app notification each (kind
// video.reminder) and the extra channel r, once per booking (a move clears
// the mark, so a moved booking is reminded again). It returns how many
// bookings it reminded. A failure of r is logged, not retried: the in-app
// notification stands.
func (s *Store) SendVideoReminders(ctx context.Context, lead time.Duration, r consult.Reminder) (int, error) {
	now := s.now()
	var rows []videoRow
	if err := s.conn(ctx).Where("status = ? AND reminded_at IS NULL AND starts_at > ? AND starts_at <= ?",
		string(consult.Booked), now, now.Add(lead)).Order("starts_at").Limit(500).Find(&rows).Error; err != nil {
		return 0, err
	}
	sent := 0
	for i := range rows {
		v, err := rows[i].domain()
		if err != nil {
			return sent, err
		}
		var fresh []Notification
		err = s.WithTx(ctx, func(ctx context.Context) error {
			res := s.conn(ctx).Model(&videoRow{}).Where("id = ? AND reminded_at IS NULL AND version = ?", v.ID, v.Version).
				Update("reminded_at", now)
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			for _, u := range v.Recipients() {
				n := notificationRow{ID: newID(), UserID: u, OutboxID: "video-reminder:" + v.ID + ":" + v.Start.Format(time.RFC3339),
					Kind: "video.reminder", Status: string(v.Status), Action: "reminder", Link: "/video-consults/" + v.ID, CreatedAt: now}
				if err := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&n).Error; err != nil {
					return err
				}
				fresh = append(fresh, n.domain())
			}
			return nil
		})
		if err != nil {
			return sent, err
		}
		if len(fresh) == 0 {
			continue
		}
		sent++
		for _, n := range fresh {
			if err := r.Remind(ctx, n.UserID, v.ID, v.Start); err != nil {
				s.log.Warn("reminder not sent", "video", v.ID, "user", n.UserID, "err", err.Error())
			}
		}
	}
	return sent, nil
}
