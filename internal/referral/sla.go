package referral

import (
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
)

// Clock is the service level of one urgency: how long the receiver has to
// accept, and (fast track) to admit. Zero means no such clock.
type Clock struct {
	Accept time.Duration `json:"accept"`
	Admit  time.Duration `json:"admit"`
}

// SLA is an alliance's referral service levels. Alliances configure their
// own; Defaults are the domain brief's.
type SLA struct {
	Routine   Clock `json:"routine"`
	Urgent    Clock `json:"urgent"`
	FastTrack Clock `json:"fastTrack"`
	// FirstFollowUp is how soon after a downward referral the receiving CHC
	// must see the patient (the 2018 work standard's two weeks for a patient
	// just out of hospital).
	FirstFollowUp time.Duration `json:"firstFollowUp"`
}

// DefaultSLA is the domain default: fast track accepted within 2 hours and
// admitted within 24; urgent accepted within 24 hours; routine within 3 days;
// first follow-up of a downward referral within 2 weeks.
var DefaultSLA = SLA{
	Routine:       Clock{Accept: 72 * time.Hour},
	Urgent:        Clock{Accept: 24 * time.Hour},
	FastTrack:     Clock{Accept: 2 * time.Hour, Admit: 24 * time.Hour},
	FirstFollowUp: 14 * 24 * time.Hour,
}

// For returns the clock of urgency u.
func (s SLA) For(u Urgency) Clock {
	switch u {
	case FastTrack:
		return s.FastTrack
	case Urgent:
		return s.Urgent
	}
	return s.Routine
}

// Validate checks that every clock is positive and sane. Errors: invalid.
func (s SLA) Validate() error {
	for _, c := range []struct {
		field string
		d     time.Duration
	}{
		{"routine.accept", s.Routine.Accept}, {"urgent.accept", s.Urgent.Accept},
		{"fastTrack.accept", s.FastTrack.Accept}, {"fastTrack.admit", s.FastTrack.Admit},
		{"firstFollowUp", s.FirstFollowUp},
	} {
		if c.d <= 0 || c.d > 90*24*time.Hour {
			return apperr.InvalidField(c.field, "%s must be between 1 minute and 90 days", c.field)
		}
	}
	return nil
}

// Breach is a clock that ran out.
type Breach string

const (
	BreachAccept Breach = "accept" // not accepted in time
	BreachAdmit  Breach = "admit"  // fast track not admitted in time
)

// Breaches returns the clocks of r that have run out at now and that the
// referral has not yet met.
func (r *Referral) Breaches(now time.Time) []Breach {
	var out []Breach
	if r.AcceptDueAt != nil && now.After(*r.AcceptDueAt) && (r.Status == Requested || r.Status == OnHold) {
		out = append(out, BreachAccept)
	}
	if r.AdmitDueAt != nil && now.After(*r.AdmitDueAt) && r.ArrivedAt == nil && !r.Status.Closed() &&
		r.Status != Draft && r.Status != Returned {
		out = append(out, BreachAdmit)
	}
	return out
}

// DueAt is the time the referral's next clock runs out, for ordering
// worklists; nil when no clock runs.
func (r *Referral) DueAt() *time.Time {
	switch {
	case r.Status == Requested || r.Status == OnHold:
		return r.AcceptDueAt
	case (r.Status == Accepted || r.Status == Scheduled) && r.AdmitDueAt != nil:
		return r.AdmitDueAt
	case r.Status == Scheduled && r.Appointment != nil:
		t := r.Appointment.At
		return &t
	}
	return nil
}
