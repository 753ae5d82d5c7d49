package store

import (
	"context"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/consult"
	"github.com/lianxin-hub/lianxin/internal/schedule"
)

type templateRow struct {
	ID          string `gorm:"primaryKey"`
	UserID      string
	Weekday     int
	StartTime   string
	EndTime     string
	SlotMinutes int
	ValidFrom   string
	ValidUntil  string
	CreatedAt   time.Time
}

func (templateRow) TableName() string { return "availability_templates" }

type exceptionRow struct {
	ID          string `gorm:"primaryKey"`
	UserID      string
	Date        string
	StartTime   string
	EndTime     string
	Kind        string
	SlotMinutes int
	CreatedAt   time.Time
}

func (exceptionRow) TableName() string { return "availability_exceptions" }

// canManageSchedule: a specialist manages their own availability; a
// convener manages that of the specialists of their facility (the convener
// "owns the facility's schedule"). Errors: not_found (no such specialist in
// reach), forbidden.
func (s *Store) canManageSchedule(ctx context.Context, a auth.Actor, userID string) error {
	var u userRow
	if err := s.conn(ctx).Where("id = ?", userID).Take(&u).Error; err != nil {
		return notFound(err, "specialist")
	}
	if u.ID == a.UserID || (a.Has(auth.RoleConvener) && u.InstitutionID == a.InstitutionID) {
		return nil
	}
	return apperr.Forbiddenf("only the specialist or their facility's convener manages this schedule")
}

func (s *Store) availability(ctx context.Context, userID string) ([]schedule.Template, []schedule.Exception, error) {
	var trs []templateRow
	if err := s.conn(ctx).Where("user_id = ?", userID).Order("weekday, start_time").Find(&trs).Error; err != nil {
		return nil, nil, err
	}
	var xrs []exceptionRow
	if err := s.conn(ctx).Where("user_id = ?", userID).Order("date, start_time").Find(&xrs).Error; err != nil {
		return nil, nil, err
	}
	ts := make([]schedule.Template, len(trs))
	for i, r := range trs {
		ts[i] = schedule.Template{ID: r.ID, UserID: r.UserID, Weekday: time.Weekday(r.Weekday), Start: r.StartTime,
			End: r.EndTime, SlotMinutes: r.SlotMinutes, ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil}
	}
	xs := make([]schedule.Exception, len(xrs))
	for i, r := range xrs {
		xs[i] = schedule.Exception{ID: r.ID, UserID: r.UserID, Date: r.Date, Start: r.StartTime, End: r.EndTime,
			Kind: schedule.ExceptionKind(r.Kind), SlotMinutes: r.SlotMinutes}
	}
	return ts, xs, nil
}

// Availability returns a specialist's templates and exceptions; any
// clinician of the alliance may read them to book.
func (s *Store) Availability(ctx context.Context, userID string) ([]schedule.Template, []schedule.Exception, error) {
	return s.availability(ctx, userID)
}

// AddTemplate publishes a weekly session. Errors: invalid, forbidden, not_found.
func (s *Store) AddTemplate(ctx context.Context, t schedule.Template) (schedule.Template, error) {
	a, err := actor(ctx)
	if err != nil {
		return t, err
	}
	if err := t.Validate(); err != nil {
		return t, err
	}
	err = s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.canManageSchedule(ctx, a, t.UserID); err != nil {
			return err
		}
		t.ID = newID()
		if err := s.conn(ctx).Create(&templateRow{ID: t.ID, UserID: t.UserID, Weekday: int(t.Weekday), StartTime: t.Start,
			EndTime: t.End, SlotMinutes: t.SlotMinutes, ValidFrom: t.ValidFrom, ValidUntil: t.ValidUntil,
			CreatedAt: s.now()}).Error; err != nil {
			return err
		}
		return s.record(ctx, Audit{Action: audit.Action("schedule.template_add"), TargetType: "user", TargetID: t.UserID})
	})
	return t, err
}

// AddException records a day off or an extra session. Errors: invalid,
// forbidden, not_found.
func (s *Store) AddException(ctx context.Context, x schedule.Exception) (schedule.Exception, error) {
	a, err := actor(ctx)
	if err != nil {
		return x, err
	}
	if err := x.Validate(); err != nil {
		return x, err
	}
	err = s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.canManageSchedule(ctx, a, x.UserID); err != nil {
			return err
		}
		x.ID = newID()
		if err := s.conn(ctx).Create(&exceptionRow{ID: x.ID, UserID: x.UserID, Date: x.Date, StartTime: x.Start,
			EndTime: x.End, Kind: string(x.Kind), SlotMinutes: x.SlotMinutes, CreatedAt: s.now()}).Error; err != nil {
			return err
		}
		return s.record(ctx, Audit{Action: audit.Action("schedule.exception_add"), TargetType: "user", TargetID: x.UserID})
	})
	return x, err
}

// DeleteAvailability removes a template or an exception of a specialist.
// Existing bookings stay. Errors: not_found, forbidden.
func (s *Store) DeleteAvailability(ctx context.Context, userID, id string) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.canManageSchedule(ctx, a, userID); err != nil {
			return err
		}
		n := s.conn(ctx).Where("id = ? AND user_id = ?", id, userID).Delete(&templateRow{}).RowsAffected
		n += s.conn(ctx).Where("id = ? AND user_id = ?", id, userID).Delete(&exceptionRow{}).RowsAffected
		if n == 0 {
			return apperr.NotFoundf("no such template or exception")
		}
		return s.record(ctx, Audit{Action: audit.Action("schedule.delete"), TargetType: "user", TargetID: userID, Detail: id})
	})
}

// FreeSlots lists a specialist's published slots in [from, to) that no live
// booking takes. Errors: invalid (window over 62 days).
func (s *Store) FreeSlots(ctx context.Context, userID string, from, to time.Time) ([]schedule.Slot, error) {
	if !to.After(from) || to.Sub(from) > 62*24*time.Hour {
		return nil, apperr.InvalidField("to", "the window must end after it starts, within 62 days")
	}
	ts, xs, err := s.availability(ctx, userID)
	if err != nil {
		return nil, err
	}
	var rows []videoRow
	if err := s.conn(ctx).Select("starts_at", "ends_at").Where("specialist_user_id = ? AND status <> ? AND starts_at < ? AND ends_at > ?",
		userID, string(consult.VideoOff), to, from).Find(&rows).Error; err != nil {
		return nil, err
	}
	taken := make([]schedule.Slot, len(rows))
	for i, r := range rows {
		taken[i] = schedule.Slot{Start: r.StartsAt.UTC(), End: r.EndsAt.UTC()}
	}
	return schedule.Slots(ts, xs, taken, from, to), nil
}
