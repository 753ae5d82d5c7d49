package referral_test

import (
	"slices"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/referral"
)

// TestDefaultSLA pins the domain brief's defaults.
func TestDefaultSLA(t *testing.T) {
	d := referral.DefaultSLA
	for _, c := range []struct {
		u      referral.Urgency
		accept time.Duration
		admit  time.Duration
	}{
		{referral.Routine, 72 * time.Hour, 0},
		{referral.Urgent, 24 * time.Hour, 0},
		{referral.FastTrack, 2 * time.Hour, 24 * time.Hour},
	} {
		if got := d.For(c.u); got.Accept != c.accept || got.Admit != c.admit {
			t.Errorf("For(%s) = %+v, want accept %v admit %v", c.u, got, c.accept, c.admit)
		}
	}
	if d.FirstFollowUp != 14*24*time.Hour {
		t.Errorf("FirstFollowUp = %v, want two weeks", d.FirstFollowUp)
	}
	if err := d.Validate(); err != nil {
		t.Errorf("the defaults do not validate: %v", err)
	}
}

func TestUrgencyPriority(t *testing.T) {
	if !(referral.FastTrack.Priority() < referral.Urgent.Priority() && referral.Urgent.Priority() < referral.Routine.Priority()) {
		t.Errorf("priorities: fast_track %d urgent %d routine %d", referral.FastTrack.Priority(), referral.Urgent.Priority(),
			referral.Routine.Priority())
	}
}

func TestSLAValidate(t *testing.T) {
	for _, c := range []struct {
		edit  func(s *referral.SLA)
		field string
	}{
		{func(s *referral.SLA) { s.Routine.Accept = 0 }, "routine.accept"},
		{func(s *referral.SLA) { s.Urgent.Accept = -time.Hour }, "urgent.accept"},
		{func(s *referral.SLA) { s.FastTrack.Accept = 91 * 24 * time.Hour }, "fastTrack.accept"},
		{func(s *referral.SLA) { s.FastTrack.Admit = 0 }, "fastTrack.admit"},
		{func(s *referral.SLA) { s.FirstFollowUp = 0 }, "firstFollowUp"},
	} {
		s := referral.DefaultSLA
		c.edit(&s)
		wantErr(t, s.Validate(), apperr.Invalid, c.field)
	}
	s := referral.DefaultSLA
	s.Routine.Accept, s.FirstFollowUp = 90*24*time.Hour, time.Minute
	if err := s.Validate(); err != nil {
		t.Errorf("limits: %v", err)
	}
}

// TestBreaches checks which clocks have run out, status by status.
func TestBreaches(t *testing.T) {
	accept := referral.BreachAccept
	admit := referral.BreachAdmit
	fast := func(st referral.Status, arrived bool) *referral.Referral {
		r := referralIn(st, referral.Up)
		r.Urgency = referral.FastTrack
		sub := t0
		a, ad := t0.Add(2*time.Hour), t0.Add(24*time.Hour)
		r.SubmittedAt, r.AcceptDueAt, r.AdmitDueAt = &sub, &a, &ad
		r.ArrivedAt = nil
		if arrived {
			at := t0.Add(time.Hour)
			r.ArrivedAt = &at
		}
		return r
	}
	for _, c := range []struct {
		name string
		r    *referral.Referral
		at   time.Time
		want []referral.Breach
	}{
		{"requested before the accept clock", fast(referral.Requested, false), t0.Add(2 * time.Hour), nil},
		{"requested after the accept clock", fast(referral.Requested, false), t0.Add(2*time.Hour + time.Second), []referral.Breach{accept}},
		{"on hold after the accept clock", fast(referral.OnHold, false), t0.Add(3 * time.Hour), []referral.Breach{accept}},
		{"accepted late is no longer an accept breach", fast(referral.Accepted, false), t0.Add(3 * time.Hour), nil},
		{"requested after both clocks", fast(referral.Requested, false), t0.Add(25 * time.Hour), []referral.Breach{accept, admit}},
		{"accepted, not admitted in time", fast(referral.Accepted, false), t0.Add(25 * time.Hour), []referral.Breach{admit}},
		{"scheduled, not admitted in time", fast(referral.Scheduled, false), t0.Add(25 * time.Hour), []referral.Breach{admit}},
		{"admitted in time", fast(referral.InProgress, true), t0.Add(25 * time.Hour), nil},
		{"completed", fast(referral.Completed, true), t0.Add(25 * time.Hour), nil},
		{"cancelled", fast(referral.Cancelled, false), t0.Add(25 * time.Hour), nil},
		{"redirected", fast(referral.Redirected, false), t0.Add(25 * time.Hour), nil},
		{"failed", fast(referral.Failed, false), t0.Add(25 * time.Hour), nil},
		{"returned to the sender", fast(referral.Returned, false), t0.Add(25 * time.Hour), nil},
		{"draft", fast(referral.Draft, false), t0.Add(25 * time.Hour), nil},
		{"routine has no admit clock", referralIn(referral.Accepted, referral.Up), t0.Add(30 * 24 * time.Hour), nil},
		{"routine not accepted", referralIn(referral.Requested, referral.Up), t0.Add(24*time.Hour + time.Second), []referral.Breach{accept}},
	} {
		if got := c.r.Breaches(c.at); !slices.Equal(got, c.want) {
			t.Errorf("%s: Breaches = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestDueAt(t *testing.T) {
	fastAccepted := referralIn(referral.Accepted, referral.Up)
	ad := t0.Add(24 * time.Hour)
	fastAccepted.AdmitDueAt = &ad
	routineScheduled := referralIn(referral.Scheduled, referral.Up)
	for _, c := range []struct {
		name string
		r    *referral.Referral
		want *time.Time
	}{
		{"requested: the accept clock", referralIn(referral.Requested, referral.Up), referralIn(referral.Requested, referral.Up).AcceptDueAt},
		{"on hold: the accept clock", referralIn(referral.OnHold, referral.Up), referralIn(referral.OnHold, referral.Up).AcceptDueAt},
		{"fast track accepted: the admit clock", fastAccepted, &ad},
		{"scheduled: the appointment", routineScheduled, &routineScheduled.Appointment.At},
		{"accepted routine: none", referralIn(referral.Accepted, referral.Up), nil},
		{"in progress: none", referralIn(referral.InProgress, referral.Up), nil},
		{"completed: none", referralIn(referral.Completed, referral.Up), nil},
		{"draft: none", referralIn(referral.Draft, referral.Up), nil},
	} {
		got := c.r.DueAt()
		if (got == nil) != (c.want == nil) || (got != nil && !got.Equal(*c.want)) {
			t.Errorf("%s: DueAt = %v, want %v", c.name, got, c.want)
		}
	}
}
