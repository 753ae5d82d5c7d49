package rounds

import (
	"slices"
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/referral"
)

// Status is where an occurrence stands.
type Status string

const (
	Scheduled Status = "scheduled"
	Held      Status = "held"
	Cancelled Status = "cancelled"
)

// Statuses lists every status.
var Statuses = []Status{Scheduled, Held, Cancelled}

// Action changes an occurrence's status.
type Action string

const (
	Hold   Action = "hold"   // the round took place
	Cancel Action = "cancel" // it will not
)

// Actions lists the client actions.
var Actions = []Action{Hold, Cancel}

// Occurrence is one session of a series. RoomID names the video room the
// signaling server opens for it.
type Occurrence struct {
	ID              string    `json:"id"`
	SeriesID        string    `json:"seriesId"`
	StartsAt        time.Time `json:"startsAt"`
	EndsAt          time.Time `json:"endsAt"`
	DurationMinutes int       `json:"durationMinutes"`
	Status          Status    `json:"status"`
	RoomID          string    `json:"roomId"`
	Note            string    `json:"note"` // why it was cancelled
	Version         int       `json:"version"`
	CreatedAt       time.Time `json:"createdAt"`
	UpdatedAt       time.Time `json:"updatedAt"`
}

// NewOccurrence makes a scheduled occurrence; the caller sets ID and RoomID.
func NewOccurrence(seriesID string, start time.Time, minutes int, now time.Time) Occurrence {
	start = start.UTC()
	return Occurrence{SeriesID: seriesID, StartsAt: start, EndsAt: start.Add(time.Duration(minutes) * time.Minute),
		DurationMinutes: minutes, Status: Scheduled, Version: 1, CreatedAt: now, UpdatedAt: now}
}

// OccurrenceRequest adds a session outside the recurrence (an extra round).
type OccurrenceRequest struct {
	StartsAt        string `json:"startsAt"` // RFC 3339
	DurationMinutes int    `json:"durationMinutes"`
}

// Validate parses and checks the request at now. Errors: invalid.
func (q *OccurrenceRequest) Validate(now time.Time) (time.Time, error) {
	t, err := ParseInstant("startsAt", q.StartsAt)
	if err != nil {
		return t, err
	}
	if !t.After(now) {
		return t, apperr.InvalidField("startsAt", "startsAt must be in the future")
	}
	return t, ValidateDuration("durationMinutes", q.DurationMinutes)
}

// ParseInstant reads an RFC 3339 time with its offset (e.g.
// 2025-03-04T09:00:00+08:00) as UTC. Errors: invalid (on field).
func ParseInstant(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, apperr.InvalidField(field, "%s is required (RFC 3339, e.g. 2025-03-04T09:00:00+08:00)", field)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.Year() < 2000 || t.Year() > 2999 {
		return time.Time{}, apperr.InvalidField(field, "%s must be an RFC 3339 time such as 2025-03-04T09:00:00+08:00", field)
	}
	return t.UTC().Truncate(time.Second), nil
}

// ActInput is the body of an occurrence action.
type ActInput struct {
	Version int    `json:"version"`
	Note    string `json:"note"` // the reason of a cancel
}

// Act applies action a to o for who at now: only the host side (specialist
// or convener of the host institution) may; scheduled is the only status
// that moves; an occurrence is held once it has started. Errors: forbidden,
// invalid, conflict.
func Act(o *Occurrence, s *Series, a Action, in ActInput, who referral.Who, now time.Time) error {
	if err := CanSchedule(who, s.HostInstitutionID); err != nil {
		return err
	}
	if in.Version < 1 {
		return apperr.InvalidField("version", "send the version of the occurrence you last saw")
	}
	if in.Version != o.Version {
		return apperr.Conflictf("the occurrence has changed (version %d, you sent %d): reload it", o.Version, in.Version)
	}
	if o.Status != Scheduled {
		return apperr.Conflictf("the occurrence is already %s", o.Status)
	}
	in.Note = strings.TrimSpace(in.Note)
	if len([]rune(in.Note)) > 2000 {
		return apperr.InvalidField("note", "note is longer than 2000 characters")
	}
	switch a {
	case Hold:
		if now.Before(o.StartsAt) {
			return apperr.Conflictf("the round has not started yet")
		}
		o.Status = Held
	case Cancel:
		if in.Note == "" {
			return apperr.InvalidField("note", "give the reason for cancelling")
		}
		o.Status, o.Note = Cancelled, in.Note
	default:
		return apperr.NotFoundf("no such action %q", a)
	}
	o.Version++
	o.UpdatedAt = now
	return nil
}

// AllowedActions lists what who may do to o now.
func AllowedActions(o *Occurrence, s *Series, who referral.Who, now time.Time) []Action {
	out := []Action{}
	if CanSchedule(who, s.HostInstitutionID) != nil || o.Status != Scheduled {
		return out
	}
	if !now.Before(o.StartsAt) {
		out = append(out, Hold)
	}
	return append(out, Cancel)
}

// CheckInOpen reports whether attendance may be recorded at now: from
// EarlyCheckIn before the start until the scheduled end, unless cancelled.
// Errors: conflict.
func (o *Occurrence) CheckInOpen(now time.Time) error {
	switch {
	case o.Status == Cancelled:
		return apperr.Conflictf("the round was cancelled")
	case now.Before(o.StartsAt.Add(-EarlyCheckIn)) || now.After(o.EndsAt):
		return apperr.Conflictf("check-in opens %d minutes before the round and closes at its end", int(EarlyCheckIn.Minutes()))
	}
	return nil
}

// Case is a patient presented at an occurrence.
type Case struct {
	ID                     string     `json:"id"`
	OccurrenceID           string     `json:"occurrenceId"`
	SeriesID               string     `json:"seriesId"`
	PatientID              string     `json:"patientId"`
	PresenterUserID        string     `json:"presenterUserId"`
	PresenterInstitutionID string     `json:"presenterInstitutionId"`
	Question               string     `json:"question"`
	Notes                  string     `json:"notes"`
	Recommendations        string     `json:"recommendations"`
	NotesByUserID          string     `json:"notesByUserId"`
	NotesAt                *time.Time `json:"notesAt"`
	Version                int        `json:"version"`
	CreatedAt              time.Time  `json:"createdAt"`
	UpdatedAt              time.Time  `json:"updatedAt"`
}

// CaseRequest presents a patient.
type CaseRequest struct {
	PatientID string `json:"patientId"`
	Question  string `json:"question"`
}

// Validate checks the request's own fields. Errors: invalid.
func (q *CaseRequest) Validate() error {
	q.PatientID, q.Question = strings.TrimSpace(q.PatientID), strings.TrimSpace(q.Question)
	switch {
	case q.PatientID == "":
		return apperr.InvalidField("patientId", "choose the patient")
	case q.Question == "":
		return apperr.InvalidField("question", "say what you want the round to answer")
	case len([]rune(q.Question)) > 4000:
		return apperr.InvalidField("question", "question is longer than 4000 characters")
	}
	return nil
}

// Present checks that who may present a case at o, validates q and makes
// the case: a doctor or specialist of a member ward, to a scheduled
// occurrence. Patient visibility and consent are the caller's.
// Errors: forbidden, invalid, conflict.
func Present(s *Series, o *Occurrence, q CaseRequest, who referral.Who, now time.Time) (Case, error) {
	if !s.IsWard(who.InstitutionID) {
		return Case{}, apperr.Forbiddenf("cases are presented by the member wards of the round")
	}
	if !slices.ContainsFunc(who.Roles, func(r auth.Role) bool { return r == auth.RoleDoctor || r == auth.RoleSpecialist }) {
		return Case{}, apperr.Forbiddenf("only a doctor presents a case")
	}
	if err := q.Validate(); err != nil {
		return Case{}, err
	}
	if o.Status != Scheduled {
		return Case{}, apperr.Conflictf("cases are added to a scheduled round; this one is %s", o.Status)
	}
	return Case{OccurrenceID: o.ID, SeriesID: s.ID, PatientID: q.PatientID, PresenterUserID: who.UserID,
		PresenterInstitutionID: who.InstitutionID, Question: q.Question, Version: 1, CreatedAt: now, UpdatedAt: now}, nil
}

// NotesInput is the host's notes and recommendations on a case.
type NotesInput struct {
	Version         int    `json:"version"`
	Notes           string `json:"notes"`
	Recommendations string `json:"recommendations"`
}

// WriteNotes records the host's notes on c: only a specialist of the host
// institution, during or after a round that was not cancelled. Like every
// opinion of the hub, a medication recommendation is advice, never a
// prescription. Errors: forbidden, invalid, conflict.
func WriteNotes(c *Case, s *Series, o *Occurrence, in NotesInput, who referral.Who, now time.Time) error {
	if !s.HostSide(who) {
		return apperr.Forbiddenf("only a specialist of the host institution writes the round's notes")
	}
	if in.Version < 1 {
		return apperr.InvalidField("version", "send the version of the case you last saw")
	}
	in.Notes, in.Recommendations = strings.TrimSpace(in.Notes), strings.TrimSpace(in.Recommendations)
	switch {
	case in.Notes == "" && in.Recommendations == "":
		return apperr.InvalidField("notes", "write the notes or the recommendations")
	case len([]rune(in.Notes)) > 8000:
		return apperr.InvalidField("notes", "notes are longer than 8000 characters")
	case len([]rune(in.Recommendations)) > 8000:
		return apperr.InvalidField("recommendations", "recommendations are longer than 8000 characters")
	case in.Version != c.Version:
		return apperr.Conflictf("the case has changed (version %d, you sent %d): reload it", c.Version, in.Version)
	case o.Status == Cancelled:
		return apperr.Conflictf("the round was cancelled")
	}
	c.Notes, c.Recommendations, c.NotesByUserID, c.NotesAt = in.Notes, in.Recommendations, who.UserID, &now
	c.Version++
	c.UpdatedAt = now
	return nil
}

// Task is a follow-up for the presenting doctor.
type Task struct {
	ID              string     `json:"id"`
	CaseID          string     `json:"caseId"`
	AssigneeUserID  string     `json:"assigneeUserId"`
	Text            string     `json:"text"`
	DueOn           string     `json:"dueOn"` // YYYY-MM-DD
	Done            bool       `json:"done"`
	DoneAt          *time.Time `json:"doneAt"`
	Version         int        `json:"version"`
	CreatedByUserID string     `json:"createdByUserId"`
	CreatedAt       time.Time  `json:"createdAt"`
	UpdatedAt       time.Time  `json:"updatedAt"`
}

// TaskRequest asks the presenting doctor to follow up.
type TaskRequest struct {
	Text  string `json:"text"`
	DueOn string `json:"dueOn"`
}

// NewTask checks that who (the host side) may give c's presenter a task and
// makes it. Errors: forbidden, invalid, conflict.
func NewTask(c *Case, s *Series, o *Occurrence, q TaskRequest, who referral.Who, now time.Time) (Task, error) {
	if !s.HostSide(who) {
		return Task{}, apperr.Forbiddenf("only a specialist of the host institution gives follow-up tasks")
	}
	q.Text, q.DueOn = strings.TrimSpace(q.Text), strings.TrimSpace(q.DueOn)
	switch {
	case q.Text == "":
		return Task{}, apperr.InvalidField("text", "say what to do")
	case len([]rune(q.Text)) > 2000:
		return Task{}, apperr.InvalidField("text", "text is longer than 2000 characters")
	case o.Status == Cancelled:
		return Task{}, apperr.Conflictf("the round was cancelled")
	}
	if _, err := time.Parse(time.DateOnly, q.DueOn); err != nil {
		return Task{}, apperr.InvalidField("dueOn", "dueOn must be a date YYYY-MM-DD")
	}
	if q.DueOn < o.StartsAt.In(Shanghai).Format(time.DateOnly) {
		return Task{}, apperr.InvalidField("dueOn", "dueOn is before the round")
	}
	return Task{CaseID: c.ID, AssigneeUserID: c.PresenterUserID, Text: q.Text, DueOn: q.DueOn, Version: 1,
		CreatedByUserID: who.UserID, CreatedAt: now, UpdatedAt: now}, nil
}

// TaskUpdate marks a task done or open again.
type TaskUpdate struct {
	Version int   `json:"version"`
	Done    *bool `json:"done"`
}

// UpdateTask applies u to t: only the assignee may. Errors: forbidden,
// invalid, conflict.
func UpdateTask(t *Task, u TaskUpdate, who referral.Who, now time.Time) error {
	switch {
	case t.AssigneeUserID != who.UserID:
		return apperr.Forbiddenf("only the presenting doctor marks a follow-up task")
	case u.Version < 1:
		return apperr.InvalidField("version", "send the version of the task you last saw")
	case u.Done == nil:
		return apperr.InvalidField("done", "say whether the task is done")
	case u.Version != t.Version:
		return apperr.Conflictf("the task has changed (version %d, you sent %d): reload it", t.Version, u.Version)
	}
	t.Done = *u.Done
	t.DoneAt = nil
	if t.Done {
		t.DoneAt = &now
	}
	t.Version++
	t.UpdatedAt = now
	return nil
}
