package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/rounds"
)

// CareRound is the care relationship a ward round's host institution gains
// with a patient presented there (source: the case).
const CareRound = "round"

// Room kinds of ward rounds and teaching (see RoomVideoConsult).
const (
	RoomWardRound = "ward_round" // ref: a round occurrence
	RoomLecture   = "lecture"    // ref: a lecture or case conference
)

type roundSeriesRow struct {
	ID                string `gorm:"primaryKey"`
	Title             string
	HostInstitutionID string
	HostUserID        string
	Weekday           string
	StartTime         string
	DurationMinutes   int
	FromDate          string
	UntilDate         string
	Version           int
	CreatedBy         string
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

func (roundSeriesRow) TableName() string { return "round_series" }

func (r *roundSeriesRow) domain(wards []string) rounds.Series {
	if wards == nil {
		wards = []string{}
	}
	return rounds.Series{ID: r.ID, Title: r.Title, HostInstitutionID: r.HostInstitutionID, HostUserID: r.HostUserID,
		WardInstitutionIDs: wards, Recurrence: rounds.Recurrence{Weekday: r.Weekday, Time: r.StartTime,
			DurationMinutes: r.DurationMinutes, From: r.FromDate, Until: r.UntilDate},
		Version: r.Version, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

type roundWardRow struct {
	SeriesID      string `gorm:"primaryKey"`
	InstitutionID string `gorm:"primaryKey"`
}

func (roundWardRow) TableName() string { return "round_wards" }

type roundOccurrenceRow struct {
	ID              string `gorm:"primaryKey"`
	SeriesID        string
	StartsAt        time.Time
	EndsAt          time.Time
	DurationMinutes int
	Status          string
	RoomID          string
	Note            string
	Version         int
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

func (roundOccurrenceRow) TableName() string { return "round_occurrences" }

func (r *roundOccurrenceRow) domain() rounds.Occurrence {
	return rounds.Occurrence{ID: r.ID, SeriesID: r.SeriesID, StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC(),
		DurationMinutes: r.DurationMinutes, Status: rounds.Status(r.Status), RoomID: r.RoomID, Note: r.Note,
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func newOccurrenceRow(o *rounds.Occurrence) roundOccurrenceRow {
	return roundOccurrenceRow{ID: o.ID, SeriesID: o.SeriesID, StartsAt: o.StartsAt, EndsAt: o.EndsAt,
		DurationMinutes: o.DurationMinutes, Status: string(o.Status), RoomID: o.RoomID, Note: o.Note,
		Version: o.Version, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

type roundCaseRow struct {
	ID                     string `gorm:"primaryKey"`
	OccurrenceID           string
	SeriesID               string
	PatientID              string
	PresenterUserID        string
	PresenterInstitutionID string
	Question               string
	Notes                  string
	Recommendations        string
	NotesByUserID          string
	NotesAt                *time.Time
	Version                int
	CreatedAt              time.Time
	UpdatedAt              time.Time
}

func (roundCaseRow) TableName() string { return "round_cases" }

func (r *roundCaseRow) domain() rounds.Case {
	return rounds.Case{ID: r.ID, OccurrenceID: r.OccurrenceID, SeriesID: r.SeriesID, PatientID: r.PatientID,
		PresenterUserID: r.PresenterUserID, PresenterInstitutionID: r.PresenterInstitutionID, Question: r.Question,
		Notes: r.Notes, Recommendations: r.Recommendations, NotesByUserID: r.NotesByUserID, NotesAt: utcPtr(r.NotesAt),
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func newCaseRow(c *rounds.Case) roundCaseRow {
	return roundCaseRow{ID: c.ID, OccurrenceID: c.OccurrenceID, SeriesID: c.SeriesID, PatientID: c.PatientID,
		PresenterUserID: c.PresenterUserID, PresenterInstitutionID: c.PresenterInstitutionID, Question: c.Question,
		Notes: c.Notes, Recommendations: c.Recommendations, NotesByUserID: c.NotesByUserID, NotesAt: c.NotesAt,
		Version: c.Version, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

type roundTaskRow struct {
	ID              string `gorm:"primaryKey"`
	CaseID          string
	AssigneeUserID  string
	Body            string
	DueOn           string
	Done            bool
	DoneAt          *time.Time
	Version         int
	CreatedByUserID string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

func (roundTaskRow) TableName() string { return "round_tasks" }

func (r *roundTaskRow) domain() rounds.Task {
	return rounds.Task{ID: r.ID, CaseID: r.CaseID, AssigneeUserID: r.AssigneeUserID, Text: r.Body, DueOn: r.DueOn,
		Done: r.Done, DoneAt: utcPtr(r.DoneAt), Version: r.Version, CreatedByUserID: r.CreatedByUserID,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func newTaskRow(t *rounds.Task) roundTaskRow {
	return roundTaskRow{ID: t.ID, CaseID: t.CaseID, AssigneeUserID: t.AssigneeUserID, Body: t.Text, DueOn: t.DueOn,
		Done: t.Done, DoneAt: t.DoneAt, Version: t.Version, CreatedByUserID: t.CreatedByUserID,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

// CreateRound schedules a recurring ward round hosted at the actor's
// institution, which must be a core (tertiary) hospital; the actor is a
// specialist or convener there. The host is a specialist of that
// institution (the actor when hostUserId is empty); the wards are other
// members of an alliance the host belongs to. Errors: forbidden, invalid.
func (s *Store) CreateRound(ctx context.Context, q rounds.SeriesRequest) (rounds.Series, error) {
	a, err := actor(ctx)
	if err != nil {
		return rounds.Series{}, err
	}
	if err := rounds.CanSchedule(whoOf(a), a.InstitutionID); err != nil {
		return rounds.Series{}, err
	}
	if err := q.Validate(); err != nil {
		return rounds.Series{}, err
	}
	var out rounds.Series
	err = s.WithTx(ctx, func(ctx context.Context) error {
		ins, err := s.institutionsByID(ctx, append([]string{a.InstitutionID}, q.WardInstitutionIDs...))
		if err != nil {
			return err
		}
		if err := rounds.CheckHostInstitution(ins[a.InstitutionID]); err != nil {
			return err
		}
		host := q.HostUserID
		if host == "" {
			host = a.UserID
		}
		var u userRow
		if err := s.conn(ctx).Where("id = ?", host).Take(&u).Error; err != nil {
			return apperr.InvalidField("hostUserId", "no such specialist")
		}
		if err := rounds.CheckHost("hostUserId", u.domain(), a.InstitutionID); err != nil {
			return err
		}
		for _, w := range q.WardInstitutionIDs {
			if _, ok := ins[w]; !ok {
				return apperr.InvalidField("wardInstitutionIds", "unknown institution %q", w)
			}
			if w == a.InstitutionID {
				return apperr.InvalidField("wardInstitutionIds", "the host institution is not one of its own member wards")
			}
			if err := s.sameAlliance(ctx, a.InstitutionID, w, "wardInstitutionIds"); err != nil {
				return err
			}
		}
		q.HostUserID = host
		sr := rounds.New(q, whoOf(a), s.now())
		sr.ID = newID()
		r := sr.Recurrence
		if err := s.conn(ctx).Create(&roundSeriesRow{ID: sr.ID, Title: sr.Title, HostInstitutionID: sr.HostInstitutionID,
			HostUserID: sr.HostUserID, Weekday: r.Weekday, StartTime: r.Time, DurationMinutes: r.DurationMinutes,
			FromDate: r.From, UntilDate: r.Until, Version: sr.Version, CreatedBy: sr.CreatedBy,
			CreatedAt: sr.CreatedAt, UpdatedAt: sr.UpdatedAt}).Error; err != nil {
			return err
		}
		for _, w := range sr.WardInstitutionIDs {
			if err := s.conn(ctx).Create(&roundWardRow{SeriesID: sr.ID, InstitutionID: w}).Error; err != nil {
				return err
			}
		}
		out = sr
		return s.record(ctx, Audit{Action: audit.Action("round.create"), TargetType: "round_series", TargetID: sr.ID,
			Detail: fmt.Sprintf("%d wards, %s %s", len(sr.WardInstitutionIDs), r.Weekday, r.Time)})
	})
	return out, err
}

// roundWards loads the wards of the given series.
func (s *Store) roundWards(ctx context.Context, ids []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []roundWardRow
	if err := s.conn(ctx).Where("series_id IN ?", ids).Order("series_id, institution_id").Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.SeriesID] = append(out[r.SeriesID], r.InstitutionID)
	}
	return out, nil
}

// visibleRound reads a series the actor's institution hosts or is a ward
// of. Errors: not_found (absent or not visible: the two look the same).
func (s *Store) visibleRound(ctx context.Context, a auth.Actor, id string) (rounds.Series, error) {
	var row roundSeriesRow
	if err := s.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return rounds.Series{}, notFound(err, "ward round")
	}
	wards, err := s.roundWards(ctx, []string{id})
	if err != nil {
		return rounds.Series{}, err
	}
	sr := row.domain(wards[id])
	if !sr.VisibleTo(a.InstitutionID) {
		return rounds.Series{}, apperr.NotFoundf("ward round not found")
	}
	return sr, nil
}

// GetRound returns a series the actor's institution hosts or attends.
// Errors: not_found.
func (s *Store) GetRound(ctx context.Context, id string) (rounds.Series, error) {
	a, err := actor(ctx)
	if err != nil {
		return rounds.Series{}, err
	}
	return s.visibleRound(ctx, a, id)
}

// ListRounds lists the series the actor's institution hosts or attends,
// newest first (at most 200).
func (s *Store) ListRounds(ctx context.Context) ([]rounds.Series, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var rows []roundSeriesRow
	if err := s.conn(ctx).Where("host_institution_id = ? OR id IN (?)", a.InstitutionID,
		s.conn(ctx).Model(&roundWardRow{}).Select("series_id").Where("institution_id = ?", a.InstitutionID)).
		Order("id DESC").Limit(200).Find(&rows).Error; err != nil {
		return nil, err
	}
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	wards, err := s.roundWards(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]rounds.Series, len(rows))
	for i := range rows {
		out[i] = rows[i].domain(wards[rows[i].ID])
	}
	return out, nil
}

// RoundOccurrences returns the occurrences of a visible series whose Beijing
// date lies in [from, to] (YYYY-MM-DD; from defaults to today, to to four
// weeks later), materialising those of the recurrence that do not exist yet,
// each with its room. Explicitly added occurrences in the window are
// included. Concurrent calls make each occurrence once. Errors: not_found,
// invalid (from, to, or a window over a year).
func (s *Store) RoundOccurrences(ctx context.Context, seriesID, from, to string) ([]rounds.Occurrence, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	lo, hi, err := roundWindow(from, to, now)
	if err != nil {
		return nil, err
	}
	var out []rounds.Occurrence
	err = s.WithTx(ctx, func(ctx context.Context) error {
		sr, err := s.visibleRound(ctx, a, seriesID)
		if err != nil {
			return err
		}
		start, end := lo.UTC(), hi.AddDate(0, 0, 1).UTC()
		var existing []time.Time
		if err := s.conn(ctx).Model(&roundOccurrenceRow{}).Where("series_id = ? AND starts_at >= ? AND starts_at < ?",
			sr.ID, start, end).Pluck("starts_at", &existing).Error; err != nil {
			return err
		}
		have := map[int64]bool{}
		for _, t := range existing {
			have[t.UTC().Unix()] = true
		}
		for _, st := range sr.Recurrence.Starts(lo.Format(time.DateOnly), hi.Format(time.DateOnly)) {
			if have[st.Unix()] {
				continue
			}
			o := rounds.NewOccurrence(sr.ID, st, sr.Recurrence.DurationMinutes, now)
			o.ID, o.RoomID = newID(), newID()
			row := newOccurrenceRow(&o)
			res := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 1 {
				if err := s.openRoom(ctx, o.RoomID, RoomWardRound, o.ID, sr.Title, now); err != nil {
					return err
				}
			}
		}
		var rows []roundOccurrenceRow
		if err := s.conn(ctx).Where("series_id = ? AND starts_at >= ? AND starts_at < ?", sr.ID, start, end).
			Order("starts_at").Find(&rows).Error; err != nil {
			return err
		}
		for i := range rows {
			out = append(out, rows[i].domain())
		}
		return nil
	})
	return out, err
}

// roundWindow reads an occurrence window as Beijing midnights.
func roundWindow(from, to string, now time.Time) (time.Time, time.Time, error) {
	var lo, hi time.Time
	var err error
	if from == "" {
		lo, _ = time.ParseInLocation(time.DateOnly, now.In(rounds.Shanghai).Format(time.DateOnly), rounds.Shanghai)
	} else if lo, err = time.ParseInLocation(time.DateOnly, from, rounds.Shanghai); err != nil {
		return lo, hi, apperr.InvalidField("from", "from must be a date YYYY-MM-DD")
	}
	if to == "" {
		hi = lo.AddDate(0, 0, 27)
	} else if hi, err = time.ParseInLocation(time.DateOnly, to, rounds.Shanghai); err != nil {
		return lo, hi, apperr.InvalidField("to", "to must be a date YYYY-MM-DD")
	}
	switch {
	case hi.Before(lo):
		return lo, hi, apperr.InvalidField("to", "to is before from")
	case hi.Sub(lo) >= rounds.MaxWindow*24*time.Hour:
		return lo, hi, apperr.InvalidField("to", "list at most %d days at a time", rounds.MaxWindow)
	}
	return lo, hi, nil
}

// openRoom registers the video room a round or lecture opens.
func (s *Store) openRoom(ctx context.Context, roomID, kind, refID, title string, now time.Time) error {
	if r := []rune(title); len(r) > 200 {
		title = string(r[:200])
	}
	return s.conn(ctx).Create(&roomRow{ID: roomID, Kind: kind, RefID: refID, Title: title, CreatedAt: now}).Error
}

// AddRoundOccurrence adds a session outside the recurrence (an extra
// round), by a specialist or convener of the host. Errors: not_found,
// forbidden, invalid, conflict (a session already starts then).
func (s *Store) AddRoundOccurrence(ctx context.Context, seriesID string, q rounds.OccurrenceRequest) (rounds.Occurrence, error) {
	a, err := actor(ctx)
	if err != nil {
		return rounds.Occurrence{}, err
	}
	var out rounds.Occurrence
	err = s.WithTx(ctx, func(ctx context.Context) error {
		sr, err := s.visibleRound(ctx, a, seriesID)
		if err != nil {
			return err
		}
		if err := rounds.CanSchedule(whoOf(a), sr.HostInstitutionID); err != nil {
			return err
		}
		now := s.now()
		start, err := q.Validate(now)
		if err != nil {
			return err
		}
		o := rounds.NewOccurrence(sr.ID, start, q.DurationMinutes, now)
		o.ID, o.RoomID = newID(), newID()
		row := newOccurrenceRow(&o)
		if err := s.conn(ctx).Create(&row).Error; err != nil {
			if isUnique(err) {
				return &apperr.Error{Code: apperr.Conflict, Field: "startsAt", Message: "a session of this round already starts then"}
			}
			return err
		}
		if err := s.openRoom(ctx, o.RoomID, RoomWardRound, o.ID, sr.Title, now); err != nil {
			return err
		}
		out = o
		return s.record(ctx, Audit{Action: audit.Action("round.occurrence_create"), TargetType: "round_occurrence",
			TargetID: o.ID, Detail: o.StartsAt.Format(time.RFC3339)})
	})
	return out, err
}

// visibleOccurrence reads an occurrence of a series the actor's institution
// hosts or attends. Errors: not_found.
func (s *Store) visibleOccurrence(ctx context.Context, a auth.Actor, id string) (rounds.Occurrence, rounds.Series, error) {
	var row roundOccurrenceRow
	if err := s.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return rounds.Occurrence{}, rounds.Series{}, notFound(err, "round occurrence")
	}
	sr, err := s.visibleRound(ctx, a, row.SeriesID)
	if err != nil {
		return rounds.Occurrence{}, rounds.Series{}, apperr.NotFoundf("round occurrence not found")
	}
	return row.domain(), sr, nil
}

// GetRoundOccurrence returns a visible occurrence with its series.
// Errors: not_found.
func (s *Store) GetRoundOccurrence(ctx context.Context, id string) (rounds.Occurrence, rounds.Series, error) {
	a, err := actor(ctx)
	if err != nil {
		return rounds.Occurrence{}, rounds.Series{}, err
	}
	return s.visibleOccurrence(ctx, a, id)
}

// ActOnRoundOccurrence marks an occurrence held or cancelled, version-guarded,
// with its audit entry. Errors: not_found, forbidden, invalid, conflict.
func (s *Store) ActOnRoundOccurrence(ctx context.Context, id string, action rounds.Action, in rounds.ActInput) (rounds.Occurrence, error) {
	a, err := actor(ctx)
	if err != nil {
		return rounds.Occurrence{}, err
	}
	var out rounds.Occurrence
	err = s.WithTx(ctx, func(ctx context.Context) error {
		o, sr, err := s.visibleOccurrence(ctx, a, id)
		if err != nil {
			return err
		}
		prev := o.Version
		if err := rounds.Act(&o, &sr, action, in, whoOf(a), s.now()); err != nil {
			return err
		}
		res := s.conn(ctx).Model(&roundOccurrenceRow{}).Where("id = ? AND version = ?", id, prev).
			Updates(map[string]any{"status": string(o.Status), "note": o.Note, "version": o.Version, "updated_at": o.UpdatedAt})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return apperr.Conflictf("the occurrence has changed: reload it")
		}
		if err := s.refreshRound(ctx, id); err != nil {
			return err
		}
		out = o
		return s.record(ctx, Audit{Action: audit.Action("round.occurrence_" + string(action)), TargetType: "round_occurrence",
			TargetID: id, Detail: fmt.Sprintf("%s v%d", o.Status, o.Version)})
	})
	return out, err
}

// PresentRoundCase puts a patient on an occurrence's case list: a doctor of
// a member ward, about a patient they may see who has consented to
// teleconsultation. The host institution gains a care relationship with the
// patient. Errors: not_found (occurrence, patient), forbidden, invalid,
// conflict (not scheduled, or the patient is already on the list).
func (s *Store) PresentRoundCase(ctx context.Context, occurrenceID string, q rounds.CaseRequest) (rounds.Case, error) {
	a, err := actor(ctx)
	if err != nil {
		return rounds.Case{}, err
	}
	var out rounds.Case
	err = s.WithTx(ctx, func(ctx context.Context) error {
		o, sr, err := s.visibleOccurrence(ctx, a, occurrenceID)
		if err != nil {
			return err
		}
		c, err := rounds.Present(&sr, &o, q, whoOf(a), s.now())
		if err != nil {
			return err
		}
		if err := s.requireVisiblePatient(ctx, c.PatientID); err != nil {
			return err
		}
		ok, err := s.HasConsent(ctx, c.PatientID, patient.ScopeTeleconsult)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.InvalidField("patientId", "record the patient's consent to teleconsultation (scope teleconsult) first")
		}
		c.ID = newID()
		row := newCaseRow(&c)
		if err := s.conn(ctx).Create(&row).Error; err != nil {
			if isUnique(err) {
				return &apperr.Error{Code: apperr.Conflict, Field: "patientId", Message: "the patient is already on this round's case list"}
			}
			return err
		}
		if err := s.AddCareRelation(ctx, c.PatientID, sr.HostInstitutionID, CareRound, c.ID); err != nil {
			return err
		}
		if err := s.conn(ctx).Exec("UPDATE round_occurrences SET cases = (SELECT COUNT(*) FROM round_cases WHERE occurrence_id = ?) "+
			"WHERE id = ?", o.ID, o.ID).Error; err != nil {
			return err
		}
		if err := s.refreshRound(ctx, o.ID); err != nil {
			return err
		}
		out = c
		return s.record(ctx, Audit{Action: audit.Action("round.case_present"), PatientID: c.PatientID,
			TargetType: "round_case", TargetID: c.ID, Detail: "occurrence " + o.ID})
	})
	return out, err
}

// visibleRoundCase reads a case of a visible occurrence whose patient the
// actor's institution has a care relationship with. Errors: not_found.
func (s *Store) visibleRoundCase(ctx context.Context, a auth.Actor, id string) (rounds.Case, rounds.Occurrence, rounds.Series, error) {
	var row roundCaseRow
	if err := s.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return rounds.Case{}, rounds.Occurrence{}, rounds.Series{}, notFound(err, "round case")
	}
	o, sr, err := s.visibleOccurrence(ctx, a, row.OccurrenceID)
	if err != nil {
		return rounds.Case{}, rounds.Occurrence{}, rounds.Series{}, apperr.NotFoundf("round case not found")
	}
	var n int64
	if err := s.conn(ctx).Model(&careRelationRow{}).Where("patient_id = ? AND institution_id = ?", row.PatientID,
		a.InstitutionID).Count(&n).Error; err != nil {
		return rounds.Case{}, rounds.Occurrence{}, rounds.Series{}, err
	}
	if n == 0 {
		return rounds.Case{}, rounds.Occurrence{}, rounds.Series{}, apperr.NotFoundf("round case not found")
	}
	return row.domain(), o, sr, nil
}

// RoundCaseItem is a case with what a case list shows of its patient.
type RoundCaseItem struct {
	Case         rounds.Case
	PatientName  string
	PatientSex   patient.Sex
	PatientBirth string
}

// RoundCaseDetail is a case with its follow-up tasks.
type RoundCaseDetail struct {
	RoundCaseItem
	Occurrence rounds.Occurrence
	Series     rounds.Series
	Tasks      []rounds.Task
}

func (s *Store) caseItems(ctx context.Context, rows []roundCaseRow) ([]RoundCaseItem, error) {
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = rows[i].PatientID
	}
	byID := map[string]patientRow{}
	if len(ids) > 0 {
		var pats []patientRow
		if err := s.conn(ctx).Select("id", "name", "sex", "birth_date").Where("id IN ?", ids).Find(&pats).Error; err != nil {
			return nil, err
		}
		for _, p := range pats {
			byID[p.ID] = p
		}
	}
	out := make([]RoundCaseItem, len(rows))
	for i := range rows {
		p := byID[rows[i].PatientID]
		out[i] = RoundCaseItem{Case: rows[i].domain(), PatientName: p.Name, PatientSex: patient.Sex(p.Sex), PatientBirth: p.BirthDate}
	}
	return out, nil
}

// ListRoundCases lists an occurrence's cases whose patients the actor's
// institution has a care relationship with (the host sees them all), in
// the order presented, audited. Errors: not_found.
func (s *Store) ListRoundCases(ctx context.Context, occurrenceID string) ([]RoundCaseItem, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var out []RoundCaseItem
	err = s.WithTx(ctx, func(ctx context.Context) error {
		if _, _, err := s.visibleOccurrence(ctx, a, occurrenceID); err != nil {
			return err
		}
		var rows []roundCaseRow
		if err := s.conn(ctx).Where("occurrence_id = ? AND patient_id IN (?)", occurrenceID,
			s.visiblePatients(ctx, a.InstitutionID)).Order("id").Find(&rows).Error; err != nil {
			return err
		}
		if out, err = s.caseItems(ctx, rows); err != nil {
			return err
		}
		return s.record(ctx, Audit{Action: audit.Action("round.case_list"), TargetType: "round_occurrence",
			TargetID: occurrenceID, Detail: fmt.Sprintf("%d cases", len(out))})
	})
	return out, err
}

// GetRoundCase returns a case the actor may see, with its patient brief and
// follow-up tasks, audited. Errors: not_found.
func (s *Store) GetRoundCase(ctx context.Context, id string) (RoundCaseDetail, error) {
	a, err := actor(ctx)
	if err != nil {
		return RoundCaseDetail{}, err
	}
	var out RoundCaseDetail
	err = s.WithTx(ctx, func(ctx context.Context) error {
		c, o, sr, err := s.visibleRoundCase(ctx, a, id)
		if err != nil {
			return err
		}
		items, err := s.caseItems(ctx, []roundCaseRow{newCaseRow(&c)})
		if err != nil {
			return err
		}
		out = RoundCaseDetail{RoundCaseItem: items[0], Occurrence: o, Series: sr, Tasks: []rounds.Task{}}
		var rows []roundTaskRow
		if err := s.conn(ctx).Where("case_id = ?", id).Order("id").Find(&rows).Error; err != nil {
			return err
		}
		for i := range rows {
			out.Tasks = append(out.Tasks, rows[i].domain())
		}
		return s.record(ctx, Audit{Action: audit.Action("round.case_read"), PatientID: c.PatientID,
			TargetType: "round_case", TargetID: id})
	})
	return out, err
}

// WriteRoundCaseNotes records the host's notes and recommendations on a
// case, version-guarded, audited. Errors: not_found, forbidden, invalid,
// conflict.
func (s *Store) WriteRoundCaseNotes(ctx context.Context, id string, in rounds.NotesInput) (rounds.Case, error) {
	a, err := actor(ctx)
	if err != nil {
		return rounds.Case{}, err
	}
	var out rounds.Case
	err = s.WithTx(ctx, func(ctx context.Context) error {
		c, o, sr, err := s.visibleRoundCase(ctx, a, id)
		if err != nil {
			return err
		}
		prev := c.Version
		if err := rounds.WriteNotes(&c, &sr, &o, in, whoOf(a), s.now()); err != nil {
			return err
		}
		row := newCaseRow(&c)
		res := s.conn(ctx).Model(&roundCaseRow{}).Where("id = ? AND version = ?", id, prev).Select("*").
			Omit("id", "created_at").Updates(&row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return apperr.Conflictf("the case has changed: reload it")
		}
		out = c
		return s.record(ctx, Audit{Action: audit.Action("round.case_notes"), PatientID: c.PatientID,
			TargetType: "round_case", TargetID: id, Detail: fmt.Sprintf("v%d", c.Version)})
	})
	return out, err
}

// AddRoundTask gives the presenting doctor of a case a follow-up task, by
// a specialist of the host. Errors: not_found, forbidden, invalid, conflict.
func (s *Store) AddRoundTask(ctx context.Context, caseID string, q rounds.TaskRequest) (rounds.Task, error) {
	a, err := actor(ctx)
	if err != nil {
		return rounds.Task{}, err
	}
	var out rounds.Task
	err = s.WithTx(ctx, func(ctx context.Context) error {
		c, o, sr, err := s.visibleRoundCase(ctx, a, caseID)
		if err != nil {
			return err
		}
		t, err := rounds.NewTask(&c, &sr, &o, q, whoOf(a), s.now())
		if err != nil {
			return err
		}
		t.ID = newID()
		row := newTaskRow(&t)
		if err := s.conn(ctx).Create(&row).Error; err != nil {
			return err
		}
		out = t
		return s.record(ctx, Audit{Action: audit.Action("round.task_create"), PatientID: c.PatientID,
			TargetType: "round_task", TargetID: t.ID, Detail: "case " + c.ID})
	})
	return out, err
}

// UpdateRoundTask marks a task done (or open again), by its assignee,
// version-guarded. Errors: not_found, forbidden, invalid, conflict.
func (s *Store) UpdateRoundTask(ctx context.Context, id string, u rounds.TaskUpdate) (rounds.Task, error) {
	a, err := actor(ctx)
	if err != nil {
		return rounds.Task{}, err
	}
	var out rounds.Task
	err = s.WithTx(ctx, func(ctx context.Context) error {
		var row roundTaskRow
		if err := s.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
			return notFound(err, "follow-up task")
		}
		c, _, _, err := s.visibleRoundCase(ctx, a, row.CaseID)
		if err != nil {
			return apperr.NotFoundf("follow-up task not found")
		}
		t := row.domain()
		prev := t.Version
		if err := rounds.UpdateTask(&t, u, whoOf(a), s.now()); err != nil {
			return err
		}
		res := s.conn(ctx).Model(&roundTaskRow{}).Where("id = ? AND version = ?", id, prev).
			Updates(map[string]any{"done": t.Done, "done_at": t.DoneAt, "version": t.Version, "updated_at": t.UpdatedAt})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return apperr.Conflictf("the task has changed: reload it")
		}
		out = t
		return s.record(ctx, Audit{Action: audit.Action("round.task_update"), PatientID: c.PatientID,
			TargetType: "round_task", TargetID: id, Detail: fmt.Sprintf("done=%t v%d", t.Done, t.Version)})
	})
	return out, err
}

// RoundTaskItem is a follow-up task with its case's patient and round.
type RoundTaskItem struct {
	Task        rounds.Task
	PatientID   string
	PatientName string
	SeriesTitle string
	StartsAt    time.Time
}

// ListRoundTasks lists the follow-up tasks assigned to the actor, open
// ones only unless all, by due date (at most 500), audited.
func (s *Store) ListRoundTasks(ctx context.Context, all bool) ([]RoundTaskItem, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var out []RoundTaskItem
	err = s.WithTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx).Where("assignee_user_id = ? AND case_id IN (?)", a.UserID,
			s.conn(ctx).Model(&roundCaseRow{}).Select("id").Where("patient_id IN (?)", s.visiblePatients(ctx, a.InstitutionID)))
		if !all {
			db = db.Where("done = ?", false)
		}
		var rows []roundTaskRow
		if err := db.Order("due_on, id").Limit(500).Find(&rows).Error; err != nil {
			return err
		}
		caseIDs := make([]string, len(rows))
		for i := range rows {
			caseIDs[i] = rows[i].CaseID
		}
		type caseInfo struct {
			ID, PatientID, Name, Title string
			StartsAt                   time.Time
		}
		var infos []caseInfo
		if len(caseIDs) > 0 {
			if err := s.conn(ctx).Table("round_cases c").
				Select("c.id, c.patient_id, p.name, sr.title, o.starts_at").
				Joins("JOIN patients p ON p.id = c.patient_id").
				Joins("JOIN round_occurrences o ON o.id = c.occurrence_id").
				Joins("JOIN round_series sr ON sr.id = c.series_id").
				Where("c.id IN ?", caseIDs).Scan(&infos).Error; err != nil {
				return err
			}
		}
		byID := map[string]caseInfo{}
		for _, ci := range infos {
			byID[ci.ID] = ci
		}
		for i := range rows {
			ci := byID[rows[i].CaseID]
			out = append(out, RoundTaskItem{Task: rows[i].domain(), PatientID: ci.PatientID, PatientName: ci.Name,
				SeriesTitle: ci.Title, StartsAt: ci.StartsAt.UTC()})
		}
		return s.record(ctx, Audit{Action: audit.Action("round.task_list"), TargetType: "round_task",
			Detail: fmt.Sprintf("%d tasks", len(out))})
	})
	return out, err
}
