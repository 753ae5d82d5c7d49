// Package rounds is the remote ward round: a core-hospital specialist hosts a
// recurring round (say every Tuesday 09:00, Beijing time) for one or more
// member wards; each occurrence has a case list presented by the wards'
// doctors, per-case notes and recommendations written by the host side, and
// follow-up tasks for the presenting doctor. Pure domain code: it imports no
// adapter, database or HTTP package.
package rounds

import (
	"slices"
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/schedule"
)

// Shanghai is the zone a round's wall-clock time is written in: the
// alliance's clock of package schedule. China has kept UTC+8 without
// daylight saving since 1991, so the fixed offset equals the IANA zone
// Asia/Shanghai for every date the hub schedules, and does not depend on the
// host having tzdata installed.
var Shanghai = schedule.Zone

// Limits of a series.
const (
	MinDuration  = 15      // minutes
	MaxDuration  = 8 * 60  // minutes
	MaxWards     = 20      // member wards per series
	MaxSpanDays  = 5 * 366 // from..until of a recurrence
	MaxWindow    = 366     // days one occurrence listing may materialise
	EarlyCheckIn = 30 * time.Minute
)

// Weekdays are the accepted recurrence days, in time.Weekday order.
var Weekdays = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// Recurrence is "weekly on Weekday at Time, for DurationMinutes, from From
// until Until (inclusive; empty: open-ended)". Time and dates are Beijing
// wall-clock.
type Recurrence struct {
	Weekday         string `json:"weekday"`
	Time            string `json:"time"` // HH:MM
	DurationMinutes int    `json:"durationMinutes"`
	From            string `json:"from"`  // YYYY-MM-DD
	Until           string `json:"until"` // YYYY-MM-DD or ""
}

// Validate checks a recurrence; prefix names its JSON field (e.g.
// "recurrence."). Errors: invalid.
func (r *Recurrence) Validate(prefix string) error {
	r.Weekday = strings.ToLower(strings.TrimSpace(r.Weekday))
	r.Time, r.From, r.Until = strings.TrimSpace(r.Time), strings.TrimSpace(r.From), strings.TrimSpace(r.Until)
	if !slices.Contains(Weekdays, r.Weekday) {
		return apperr.InvalidField(prefix+"weekday", "weekday must be one of %s", strings.Join(Weekdays, ", "))
	}
	if _, err := parseClock(r.Time); err != nil {
		return apperr.InvalidField(prefix+"time", "time must be HH:MM (00:00 to 23:59, Beijing time)")
	}
	if err := ValidateDuration(prefix+"durationMinutes", r.DurationMinutes); err != nil {
		return err
	}
	if err := alliance.ValidateDate(prefix+"from", r.From); err != nil {
		return err
	}
	if r.Until != "" {
		if err := alliance.ValidateDate(prefix+"until", r.Until); err != nil {
			return err
		}
		from, _ := time.Parse(time.DateOnly, r.From)
		until, _ := time.Parse(time.DateOnly, r.Until)
		if until.Before(from) {
			return apperr.InvalidField(prefix+"until", "until is before from")
		}
		if until.Sub(from) > MaxSpanDays*24*time.Hour {
			return apperr.InvalidField(prefix+"until", "a series spans at most five years; schedule a new one after")
		}
	}
	return nil
}

// ValidateDuration checks a session length in minutes. Errors: invalid.
func ValidateDuration(field string, minutes int) error {
	if minutes < MinDuration || minutes > MaxDuration {
		return apperr.InvalidField(field, "%s must be between %d and %d minutes", field, MinDuration, MaxDuration)
	}
	return nil
}

// parseClock reads HH:MM as minutes after midnight.
func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, apperr.InvalidField("time", "bad time")
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Starts returns the start instants (UTC) of the occurrences whose Beijing
// date lies in [from, to] and within the recurrence's own from..until, in
// order. The recurrence must be valid; from and to are YYYY-MM-DD.
func (r Recurrence) Starts(from, to string) []time.Time {
	lo, err1 := time.ParseInLocation(time.DateOnly, from, Shanghai)
	hi, err2 := time.ParseInLocation(time.DateOnly, to, Shanghai)
	first, err3 := time.ParseInLocation(time.DateOnly, r.From, Shanghai)
	mins, err4 := parseClock(r.Time)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		return nil
	}
	if first.After(lo) {
		lo = first
	}
	if r.Until != "" {
		if last, err := time.ParseInLocation(time.DateOnly, r.Until, Shanghai); err == nil && last.Before(hi) {
			hi = last
		}
	}
	want := time.Weekday(slices.Index(Weekdays, r.Weekday))
	lo = lo.AddDate(0, 0, (int(want)-int(lo.Weekday())+7)%7)
	var out []time.Time
	for d := lo; !d.After(hi); d = d.AddDate(0, 0, 7) {
		out = append(out, d.Add(time.Duration(mins)*time.Minute).UTC())
	}
	return out
}

// Series is a recurring round.
type Series struct {
	ID                 string     `json:"id"`
	Title              string     `json:"title"`
	HostInstitutionID  string     `json:"hostInstitutionId"`
	HostUserID         string     `json:"hostUserId"`
	WardInstitutionIDs []string   `json:"wardInstitutionIds"`
	Recurrence         Recurrence `json:"recurrence"`
	Version            int        `json:"version"`
	CreatedBy          string     `json:"createdBy"`
	CreatedAt          time.Time  `json:"createdAt"`
	UpdatedAt          time.Time  `json:"updatedAt"`
}

// SeriesRequest is what a scheduler fills in.
type SeriesRequest struct {
	Title              string     `json:"title"`
	HostUserID         string     `json:"hostUserId"` // "" makes the caller the host
	WardInstitutionIDs []string   `json:"wardInstitutionIds"`
	Recurrence         Recurrence `json:"recurrence"`
}

// Validate checks the request's own fields; the directory checks (host,
// wards in the alliance) are the caller's. Errors: invalid.
func (q *SeriesRequest) Validate() error {
	q.Title, q.HostUserID = strings.TrimSpace(q.Title), strings.TrimSpace(q.HostUserID)
	switch {
	case q.Title == "":
		return apperr.InvalidField("title", "give the round a title")
	case len([]rune(q.Title)) > 200:
		return apperr.InvalidField("title", "title is longer than 200 characters")
	case len(q.WardInstitutionIDs) == 0:
		return apperr.InvalidField("wardInstitutionIds", "choose at least one member ward")
	case len(q.WardInstitutionIDs) > MaxWards:
		return apperr.InvalidField("wardInstitutionIds", "a round has at most %d member wards", MaxWards)
	}
	seen := map[string]bool{}
	for i, id := range q.WardInstitutionIDs {
		id = strings.TrimSpace(id)
		if id == "" || seen[id] {
			return apperr.InvalidField("wardInstitutionIds", "ward institutions must be distinct and not empty")
		}
		seen[id] = true
		q.WardInstitutionIDs[i] = id
	}
	return q.Recurrence.Validate("recurrence.")
}

// New makes a series hosted at who's institution from a validated request.
func New(q SeriesRequest, who referral.Who, now time.Time) Series {
	host := q.HostUserID
	if host == "" {
		host = who.UserID
	}
	return Series{Title: q.Title, HostInstitutionID: who.InstitutionID, HostUserID: host,
		WardInstitutionIDs: slices.Clone(q.WardInstitutionIDs), Recurrence: q.Recurrence, Version: 1,
		CreatedBy: who.UserID, CreatedAt: now, UpdatedAt: now}
}

// CanSchedule checks that who may schedule rounds of hostInstitutionID: a
// specialist or convener working there. Errors: forbidden.
func CanSchedule(who referral.Who, hostInstitutionID string) error {
	if who.InstitutionID != hostInstitutionID {
		return apperr.Forbiddenf("only the host institution schedules its rounds")
	}
	if !slices.ContainsFunc(who.Roles, func(r auth.Role) bool { return r == auth.RoleSpecialist || r == auth.RoleConvener }) {
		return apperr.Forbiddenf("only a specialist or the convener schedules ward rounds")
	}
	return nil
}

// CheckHostInstitution checks that a round is hosted by a core hospital
// (tertiary level). Errors: forbidden.
func CheckHostInstitution(in alliance.Institution) error {
	if in.Level != alliance.LevelTertiary {
		return apperr.Forbiddenf("ward rounds are hosted by a core (tertiary) hospital")
	}
	return nil
}

// CheckHost checks that u may host rounds of institutionID: an active
// specialist working there. Errors: invalid (on field).
func CheckHost(field string, u auth.User, institutionID string) error {
	switch {
	case u.InstitutionID != institutionID || u.Disabled:
		return apperr.InvalidField(field, "the host must work at your institution")
	case !slices.Contains(u.Roles, auth.RoleSpecialist):
		return apperr.InvalidField(field, "the host of a ward round is a specialist")
	}
	return nil
}

// IsWard reports whether institutionID is one of the member wards.
func (s *Series) IsWard(institutionID string) bool {
	return slices.Contains(s.WardInstitutionIDs, institutionID)
}

// VisibleTo reports whether users of institutionID see the series and its
// occurrences (not its cases: those also need a care relationship).
func (s *Series) VisibleTo(institutionID string) bool {
	return s.HostInstitutionID == institutionID || s.IsWard(institutionID)
}

// HostSide reports whether who is a specialist of the host institution: the
// people who write notes, recommendations and follow-up tasks.
func (s *Series) HostSide(who referral.Who) bool {
	return who.InstitutionID == s.HostInstitutionID && slices.Contains(who.Roles, auth.RoleSpecialist)
}
