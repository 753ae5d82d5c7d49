// Package teaching is the alliance's remote education: lectures (one
// presenter, many viewers across the alliance) and difficult-case
// conferences, with registration, attendance, recordings and the training
// credit that attendance at lectures and ward rounds earns. Pure domain code:
// it imports no adapter, database or HTTP package.
package teaching

import (
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/rounds"
)

// Kind of a teaching session.
type Kind string

const (
	Lecture        Kind = "lecture"
	CaseConference Kind = "case_conference" // a difficult case, which may name a patient
)

// Kinds lists the accepted values.
var Kinds = []Kind{Lecture, CaseConference}

// Limits of a session (minutes).
const (
	MinDuration = 15
	MaxDuration = 10 * 60
)

// Session is a lecture or case conference. PatientID is set only on a case
// conference that shows a patient; RoomID names its video room.
type Session struct {
	ID                     string    `json:"id"`
	AllianceID             string    `json:"allianceId"`
	Kind                   Kind      `json:"kind"`
	Title                  string    `json:"title"`
	Description            string    `json:"description"`
	PresenterUserID        string    `json:"presenterUserId"`
	PresenterInstitutionID string    `json:"presenterInstitutionId"`
	StartsAt               time.Time `json:"startsAt"`
	EndsAt                 time.Time `json:"endsAt"`
	DurationMinutes        int       `json:"durationMinutes"`
	RecordingEnabled       bool      `json:"recordingEnabled"`
	RoomID                 string    `json:"roomId"`
	PatientID              string    `json:"patientId"`  // "" unless the caller may see the patient
	HasPatient             bool      `json:"hasPatient"` // a patient appears, whether or not the caller may see who
	Version                int       `json:"version"`
	CreatedBy              string    `json:"createdBy"`
	CreatedAt              time.Time `json:"createdAt"`
	UpdatedAt              time.Time `json:"updatedAt"`
}

// Request schedules a session.
type Request struct {
	AllianceID       string `json:"allianceId"` // optional when the caller's institution is in one alliance
	Kind             Kind   `json:"kind"`
	Title            string `json:"title"`
	Description      string `json:"description"`
	PresenterUserID  string `json:"presenterUserId"` // "" makes the caller the presenter
	StartsAt         string `json:"startsAt"`        // RFC 3339
	DurationMinutes  int    `json:"durationMinutes"`
	RecordingEnabled bool   `json:"recordingEnabled"`
	PatientID        string `json:"patientId"` // a case conference's patient, optional
}

// Validate checks the request's own fields at now and returns the start.
// Directory, patient and consent checks are the caller's. Errors: invalid.
func (q *Request) Validate(now time.Time) (time.Time, error) {
	q.AllianceID, q.PresenterUserID = strings.TrimSpace(q.AllianceID), strings.TrimSpace(q.PresenterUserID)
	q.Title, q.Description, q.PatientID = strings.TrimSpace(q.Title), strings.TrimSpace(q.Description), strings.TrimSpace(q.PatientID)
	switch {
	case !slices.Contains(Kinds, q.Kind):
		return time.Time{}, apperr.InvalidField("kind", "kind must be lecture or case_conference")
	case q.PatientID != "" && q.Kind != CaseConference:
		return time.Time{}, apperr.InvalidField("patientId", "only a case conference shows a patient")
	}
	if err := validateText(q.Title, q.Description); err != nil {
		return time.Time{}, err
	}
	start, err := rounds.ParseInstant("startsAt", q.StartsAt)
	if err != nil {
		return start, err
	}
	if !start.After(now) {
		return start, apperr.InvalidField("startsAt", "startsAt must be in the future")
	}
	return start, validateDuration(q.DurationMinutes)
}

func validateText(title, description string) error {
	switch {
	case title == "":
		return apperr.InvalidField("title", "give the session a title")
	case len([]rune(title)) > 200:
		return apperr.InvalidField("title", "title is longer than 200 characters")
	case len([]rune(description)) > 8000:
		return apperr.InvalidField("description", "description is longer than 8000 characters")
	}
	return nil
}

func validateDuration(minutes int) error {
	if minutes < MinDuration || minutes > MaxDuration {
		return apperr.InvalidField("durationMinutes", "durationMinutes must be between %d and %d", MinDuration, MaxDuration)
	}
	return nil
}

// New makes a session from a validated request; the caller sets ID, RoomID,
// AllianceID and the presenter's institution.
func New(q Request, start time.Time, who referral.Who, now time.Time) Session {
	presenter := q.PresenterUserID
	if presenter == "" {
		presenter = who.UserID
	}
	return Session{AllianceID: q.AllianceID, Kind: q.Kind, Title: q.Title, Description: q.Description,
		PresenterUserID: presenter, StartsAt: start, EndsAt: start.Add(time.Duration(q.DurationMinutes) * time.Minute),
		DurationMinutes: q.DurationMinutes, RecordingEnabled: q.RecordingEnabled, PatientID: q.PatientID,
		HasPatient: q.PatientID != "", Version: 1, CreatedBy: who.UserID, CreatedAt: now, UpdatedAt: now}
}

// Clinician reports whether who is a clinician (doctor, specialist or
// convener): who registers for, attends and schedules teaching.
func Clinician(roles []auth.Role) bool {
	return slices.ContainsFunc(roles, func(r auth.Role) bool {
		return r == auth.RoleDoctor || r == auth.RoleSpecialist || r == auth.RoleConvener
	})
}

// CanSchedule checks that who may schedule teaching: a specialist or a
// convener. Errors: forbidden.
func CanSchedule(who referral.Who) error {
	if !slices.ContainsFunc(who.Roles, func(r auth.Role) bool { return r == auth.RoleSpecialist || r == auth.RoleConvener }) {
		return apperr.Forbiddenf("only a specialist or a convener schedules lectures and case conferences")
	}
	return nil
}

// CheckPresenter checks that u may present a session scheduled by someone
// of institutionID: an active doctor or specialist working there.
// Errors: invalid (on field).
func CheckPresenter(field string, u auth.User, institutionID string) error {
	switch {
	case u.InstitutionID != institutionID || u.Disabled:
		return apperr.InvalidField(field, "the presenter must work at your institution")
	case !slices.ContainsFunc(u.Roles, func(r auth.Role) bool { return r == auth.RoleDoctor || r == auth.RoleSpecialist }):
		return apperr.InvalidField(field, "the presenter is a doctor or a specialist")
	}
	return nil
}

// CanManage reports whether who may change the session or add recordings:
// its presenter, whoever scheduled it, or the convener of the presenter's
// institution.
func (s *Session) CanManage(who referral.Who) bool {
	return who.UserID == s.PresenterUserID || who.UserID == s.CreatedBy ||
		who.InstitutionID == s.PresenterInstitutionID && slices.Contains(who.Roles, auth.RoleConvener)
}

// NeedsRecordingConsent reports whether recording s needs a patient's
// recording consent: a recorded case conference that shows a patient.
func (s *Session) NeedsRecordingConsent() bool {
	return s.RecordingEnabled && s.Kind == CaseConference && s.HasPatient
}

// Patch edits a session; nil leaves a field.
type Patch struct {
	Version          int     `json:"version"`
	Title            *string `json:"title"`
	Description      *string `json:"description"`
	StartsAt         *string `json:"startsAt"`
	DurationMinutes  *int    `json:"durationMinutes"`
	RecordingEnabled *bool   `json:"recordingEnabled"`
}

// Apply checks who may edit s and applies p at now. A start may move only
// to the future. Recording consent is the caller's check (see
// NeedsRecordingConsent). Errors: forbidden, invalid, conflict.
func (p Patch) Apply(s *Session, who referral.Who, now time.Time) error {
	if !s.CanManage(who) {
		return apperr.Forbiddenf("only the presenter, the scheduler or the presenter's convener changes a session")
	}
	if p.Version < 1 {
		return apperr.InvalidField("version", "send the version of the session you last saw")
	}
	if p.Version != s.Version {
		return apperr.Conflictf("the session has changed (version %d, you sent %d): reload it", s.Version, p.Version)
	}
	if p.Title != nil {
		s.Title = strings.TrimSpace(*p.Title)
	}
	if p.Description != nil {
		s.Description = strings.TrimSpace(*p.Description)
	}
	if err := validateText(s.Title, s.Description); err != nil {
		return err
	}
	if p.StartsAt != nil {
		t, err := rounds.ParseInstant("startsAt", *p.StartsAt)
		if err != nil {
			return err
		}
		if !t.After(now) {
			return apperr.InvalidField("startsAt", "startsAt must be in the future")
		}
		s.StartsAt = t
	}
	if p.DurationMinutes != nil {
		if err := validateDuration(*p.DurationMinutes); err != nil {
			return err
		}
		s.DurationMinutes = *p.DurationMinutes
	}
	if p.RecordingEnabled != nil {
		s.RecordingEnabled = *p.RecordingEnabled
	}
	s.EndsAt = s.StartsAt.Add(time.Duration(s.DurationMinutes) * time.Minute)
	s.Version++
	s.UpdatedAt = now
	return nil
}

// Recording is one recording of a session, listed for later viewing. The
// media itself is the SFU's; Location is where it will be found.
type Recording struct {
	ID        string    `json:"id"`
	SessionID string    `json:"lectureId"`
	Title     string    `json:"title"`
	Location  string    `json:"location"`
	CreatedBy string    `json:"createdBy"`
	CreatedAt time.Time `json:"createdAt"`
}

// RecordingRequest lists a recording.
type RecordingRequest struct {
	Title    string `json:"title"`
	Location string `json:"location"` // a path on the media store, or an https URL
}

// Validate checks a recording entry. Errors: invalid.
func (q *RecordingRequest) Validate() error {
	q.Title, q.Location = strings.TrimSpace(q.Title), strings.TrimSpace(q.Location)
	switch {
	case q.Title == "":
		return apperr.InvalidField("title", "give the recording a title")
	case len([]rune(q.Title)) > 200:
		return apperr.InvalidField("title", "title is longer than 200 characters")
	case q.Location == "":
		return apperr.InvalidField("location", "give the recording's location")
	case len(q.Location) > 1000 || strings.ContainsFunc(q.Location, unicode.IsSpace) ||
		strings.ContainsFunc(q.Location, unicode.IsControl):
		return apperr.InvalidField("location", "location must be a path or URL without spaces, at most 1000 characters")
	}
	u, err := url.Parse(q.Location)
	if err != nil || u.Scheme != "" && u.Scheme != "https" {
		return apperr.InvalidField("location", "location must be a media-store path or an https URL")
	}
	return nil
}

// CanRecord checks that who may list a recording of s. Errors: forbidden,
// conflict (recording not enabled).
func (s *Session) CanRecord(who referral.Who) error {
	if !s.CanManage(who) {
		return apperr.Forbiddenf("only the presenter, the scheduler or the presenter's convener adds recordings")
	}
	if !s.RecordingEnabled {
		return apperr.Conflictf("recording is not enabled for this session")
	}
	return nil
}
