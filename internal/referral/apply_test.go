package referral_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/referral"
)

// Apply: what each action does from each status, and what it needs. The
// fixtures (spec, referralIn, validInput…) are in machine_test.go.

// TestApplyEveryActionFromEveryStatus runs each action, by a user allowed
// to take it, from every status: it moves the referral where the spec says,
// and anywhere else it is a conflict that leaves the referral as it was.
func TestApplyEveryActionFromEveryStatus(t *testing.T) {
	for _, a := range referral.Actions {
		s := spec[a]
		for _, st := range referral.Statuses {
			for _, d := range referral.Directions {
				t.Run(fmt.Sprintf("%s/from_%s/%s", a, st, d), func(t *testing.T) {
					r := referralIn(st, d)
					before := clone(r)
					rule, ok := referral.RuleFor(a)
					if !ok {
						t.Fatalf("no rule for %s", a)
					}
					w := allowedWho(a)
					ev, err := referral.Apply(r, rule, validInput(a, 3), w, referral.DefaultSLA, now)
					if !slices.Contains(s.from, st) {
						wantErr(t, err, apperr.Conflict, "")
						if !reflect.DeepEqual(*r, before) {
							t.Errorf("a refused %s changed the referral:\n%+v\n%+v", a, *r, before)
						}
						return
					}
					if err != nil {
						t.Fatalf("Apply = %v", err)
					}
					if r.Status != s.to || r.Version != 4 || !r.UpdatedAt.Equal(now) {
						t.Errorf("after %s: status %s version %d updated %v; want %s 4 %v", a, r.Status, r.Version, r.UpdatedAt, s.to, now)
					}
					want := referral.Event{ReferralID: r.ID, Version: 4, Action: a, From: st, To: s.to, UserID: w.UserID,
						Username: w.Username, InstitutionID: w.InstitutionID, Note: strings.TrimSpace(validInput(a, 3).Note), At: now}
					if ev != want {
						t.Errorf("event = %+v\nwant    %+v", ev, want)
					}
					if closes := s.to.Closed(); closes != (r.ClosedAt != nil && r.ClosedAt.Equal(now)) {
						t.Errorf("ClosedAt = %v after %s (closes: %v)", r.ClosedAt, a, closes)
					}
					checkEffects(t, a, st, d, r, &before)
				})
			}
		}
	}
}

// checkEffects checks what each action records besides the status.
func checkEffects(t *testing.T, a referral.Action, from referral.Status, d referral.Direction, r, before *referral.Referral) {
	t.Helper()
	switch a {
	case referral.Accept:
		if r.AcceptedAt == nil || !r.AcceptedAt.Equal(now) {
			t.Errorf("AcceptedAt = %v", r.AcceptedAt)
		}
	case referral.Arrive:
		if r.ArrivedAt == nil || !r.ArrivedAt.Equal(now) {
			t.Errorf("ArrivedAt = %v", r.ArrivedAt)
		}
	case referral.Schedule:
		want := referral.Appointment{At: now.Add(72 * time.Hour), Place: "Outpatient building 3, room 201"}
		if r.Appointment == nil || !r.Appointment.At.Equal(want.At) || r.Appointment.At.Location() != time.UTC ||
			r.Appointment.Place != want.Place {
			t.Errorf("Appointment = %+v, want %+v in UTC", r.Appointment, want)
		}
	case referral.Return, referral.Hold, referral.Cancel, referral.Fail:
		if r.Note != "please send the last lab results" {
			t.Errorf("Note = %q", r.Note)
		}
	case referral.Submit:
		if r.Note != "" {
			t.Errorf("a resubmitted referral keeps the old advice %q", r.Note)
		}
		if r.SubmittedAt == nil || !r.SubmittedAt.Equal(now) || r.AcceptDueAt == nil ||
			!r.AcceptDueAt.Equal(now.Add(referral.DefaultSLA.Urgent.Accept)) {
			t.Errorf("submitting from %s did not restart the clocks: submitted %v accept due %v", from, r.SubmittedAt, r.AcceptDueAt)
		}
		if d == referral.Down && (r.FollowUpDueAt == nil || !r.FollowUpDueAt.Equal(now.Add(referral.DefaultSLA.FirstFollowUp))) {
			t.Errorf("FollowUpDueAt = %v", r.FollowUpDueAt)
		}
	case referral.Complete:
		want := referral.Outcome{Summary: "admitted 12 days; remission", Diagnoses: []string{"F20.0"},
			Plan: "risperidone 4 mg; CHC follow-up monthly"}
		if r.Outcome == nil || !reflect.DeepEqual(*r.Outcome, want) {
			t.Errorf("Outcome = %+v, want %+v (codes normalised, duplicates dropped)", r.Outcome, want)
		}
		if d == referral.Down {
			if r.FollowUp == nil || r.FollowUp.Condition != referral.BasicallyStable || !r.FollowUp.OnTime {
				t.Errorf("FollowUp = %+v", r.FollowUp)
			}
		} else if r.FollowUp != nil {
			t.Errorf("an %s referral recorded a community follow-up %+v", d, r.FollowUp)
		}
	case referral.Redirect:
		if r.Note != "their mood disorder ward has beds" {
			t.Errorf("Note = %q", r.Note)
		}
	case referral.Resume:
		if r.AcceptDueAt == nil || !r.AcceptDueAt.Equal(*before.AcceptDueAt) {
			t.Errorf("resume moved the accept clock: %v → %v", before.AcceptDueAt, r.AcceptDueAt)
		}
	}
}

func TestApplyStaleVersion(t *testing.T) {
	for _, a := range referral.Actions {
		for _, v := range []int{2, 4, 99} {
			r := referralIn(fromVisible(a), referral.Up)
			before := clone(r)
			rule, _ := referral.RuleFor(a)
			_, err := referral.Apply(r, rule, validInput(a, v), allowedWho(a), referral.DefaultSLA, now)
			wantErr(t, err, apperr.Conflict, "")
			if !strings.Contains(err.Error(), "version 3") {
				t.Errorf("%s v%d: the conflict does not name the current version: %v", a, v, err)
			}
			if !reflect.DeepEqual(*r, before) {
				t.Errorf("%s with a stale version changed the referral", a)
			}
		}
	}
}

// TestApplyVersionIsRequired: versions start at 1, so a body without one is
// bad input, not a stale version.
func TestApplyVersionIsRequired(t *testing.T) {
	for _, a := range referral.Actions {
		r := referralIn(fromVisible(a), referral.Up)
		rule, _ := referral.RuleFor(a)
		_, err := referral.Apply(r, rule, validInput(a, 0), allowedWho(a), referral.DefaultSLA, now)
		wantErr(t, err, apperr.Invalid, "version")
	}
}

// TestApplyRequiredInputs checks, per action, each input it needs: the
// action is refused as invalid, naming the field, and changes nothing.
func TestApplyRequiredInputs(t *testing.T) {
	long := strings.Repeat("长", 4001)
	type tc struct {
		name   string
		action referral.Action
		dir    referral.Direction
		edit   func(in *referral.Input)
		field  string
	}
	cases := []tc{
		{"return without note", referral.Return, referral.Up, func(in *referral.Input) { in.Note = "" }, "note"},
		{"return with blank note", referral.Return, referral.Up, func(in *referral.Input) { in.Note = " \n\t " }, "note"},
		{"hold without note", referral.Hold, referral.Up, func(in *referral.Input) { in.Note = "" }, "note"},
		{"resume without answer", referral.Resume, referral.Up, func(in *referral.Input) { in.Note = "  " }, "note"},
		{"cancel without reason", referral.Cancel, referral.Up, func(in *referral.Input) { in.Note = "" }, "note"},
		{"fail without reason", referral.Fail, referral.Up, func(in *referral.Input) { in.Note = "" }, "note"},
		{"note too long", referral.Cancel, referral.Up, func(in *referral.Input) { in.Note = long }, "note"},
		{"redirect without receiver", referral.Redirect, referral.Up, func(in *referral.Input) { in.ReceiverInstitutionID = " " }, "receiverInstitutionId"},
		{"redirect to the same receiver", referral.Redirect, referral.Up, func(in *referral.Input) { in.ReceiverInstitutionID = receiverInst }, "receiverInstitutionId"},
		{"redirect to the sender", referral.Redirect, referral.Up, func(in *referral.Input) { in.ReceiverInstitutionID = senderInst }, "receiverInstitutionId"},
		{"schedule without time", referral.Schedule, referral.Up, func(in *referral.Input) { in.At = nil }, "at"},
		{"schedule with zero time", referral.Schedule, referral.Up, func(in *referral.Input) { in.At = &time.Time{} }, "at"},
		{"schedule in the past", referral.Schedule, referral.Up, func(in *referral.Input) { p := now.Add(-25 * time.Hour); in.At = &p }, "at"},
		{"schedule without place", referral.Schedule, referral.Up, func(in *referral.Input) { in.Place = "  " }, "place"},
		{"schedule with long place", referral.Schedule, referral.Up, func(in *referral.Input) { in.Place = strings.Repeat("x", 201) }, "place"},
		{"complete without outcome", referral.Complete, referral.Up, func(in *referral.Input) { in.Outcome = nil }, "outcome"},
		{"complete without summary", referral.Complete, referral.Up, func(in *referral.Input) { in.Outcome.Summary = " " }, "outcome.summary"},
		{"complete up without diagnoses", referral.Complete, referral.Up, func(in *referral.Input) { in.Outcome.Diagnoses = nil }, "outcome.diagnoses"},
		{"complete up without plan", referral.Complete, referral.Up, func(in *referral.Input) { in.Outcome.Plan = "" }, "outcome.plan"},
		{"complete with unknown code", referral.Complete, referral.Up, func(in *referral.Input) { in.Outcome.Diagnoses = []string{"F20.0", "Z99.9"} }, "outcome.diagnoses"},
		{"complete down without summary", referral.Complete, referral.Down, func(in *referral.Input) { in.Outcome.Summary = "" }, "outcome.summary"},
		{"complete down without follow-up", referral.Complete, referral.Down, func(in *referral.Input) { in.FollowUp = nil }, "followUp"},
		{"follow-up without date", referral.Complete, referral.Down, func(in *referral.Input) { in.FollowUp.Date = "" }, "followUp.date"},
		{"follow-up with bad date", referral.Complete, referral.Down, func(in *referral.Input) { in.FollowUp.Date = "15/03/2025" }, "followUp.date"},
		{"follow-up in the future", referral.Complete, referral.Down, func(in *referral.Input) { in.FollowUp.Date = now.Add(72 * time.Hour).Format(time.DateOnly) }, "followUp.date"},
		{"follow-up risk grade 6", referral.Complete, referral.Down, func(in *referral.Input) { in.FollowUp.RiskGrade = 6 }, "followUp.riskGrade"},
		{"follow-up risk grade -1", referral.Complete, referral.Down, func(in *referral.Input) { in.FollowUp.RiskGrade = -1 }, "followUp.riskGrade"},
		{"follow-up without condition", referral.Complete, referral.Down, func(in *referral.Input) { in.FollowUp.Condition = "" }, "followUp.condition"},
		{"follow-up unknown condition", referral.Complete, referral.Down, func(in *referral.Input) { in.FollowUp.Condition = "fine" }, "followUp.condition"},
		{"follow-up notes too long", referral.Complete, referral.Down, func(in *referral.Input) { in.FollowUp.Notes = long }, "followUp.notes"},
		{"revision without reason", referral.Submit, referral.Up, func(in *referral.Input) {
			c := validRequest(referral.Up).Clinical
			c.Reason = ""
			in.Revision = &c
		}, "reason"},
		{"downward revision without discharge summary", referral.Submit, referral.Down, func(in *referral.Input) {
			c := validRequest(referral.Down).Clinical
			c.DischargeSummary = " "
			in.Revision = &c
		}, "dischargeSummary"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := referralIn(fromVisible(c.action), c.dir)
			before := clone(r)
			in := validInput(c.action, 3)
			c.edit(&in)
			rule, _ := referral.RuleFor(c.action)
			_, err := referral.Apply(r, rule, in, allowedWho(c.action), referral.DefaultSLA, now)
			wantErr(t, err, apperr.Invalid, c.field)
			if !reflect.DeepEqual(*r, before) {
				t.Errorf("refused input changed the referral")
			}
		})
	}
}

// TestCompleteWithoutOptionalParts: downward and lateral referrals close
// with a summary; only an upward one must return diagnosis and plan, and
// only a downward one carries the community follow-up.
func TestCompleteWithoutOptionalParts(t *testing.T) {
	for _, d := range []referral.Direction{referral.Down, referral.Lateral} {
		r := referralIn(referral.InProgress, d)
		in := referral.Input{Version: 3, Outcome: &referral.Outcome{Summary: "seen; continue current plan"}}
		if d == referral.Down {
			in.FollowUp = &referral.FollowUp{Date: "2025-03-02", RiskGrade: 0, Condition: referral.Stable, Notes: " ok "}
		}
		rule, _ := referral.RuleFor(referral.Complete)
		if _, err := referral.Apply(r, rule, in, who(receiverInst, auth.RoleDoctor), referral.DefaultSLA, now); err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		if r.Status != referral.Completed || r.Outcome.Summary != "seen; continue current plan" || len(r.Outcome.Diagnoses) != 0 {
			t.Errorf("%s: %+v %+v", d, r.Status, r.Outcome)
		}
		if d == referral.Down && r.FollowUp.Notes != "ok" {
			t.Errorf("follow-up notes not trimmed: %q", r.FollowUp.Notes)
		}
	}
}

// TestFollowUpOnTime: the first follow-up is on time when its date is on or
// before the due day, counted in China Standard Time.
func TestFollowUpOnTime(t *testing.T) {
	// Due 2025-03-15 20:00 UTC, which is 2025-03-16 04:00 in Beijing.
	due := time.Date(2025, time.March, 15, 20, 0, 0, 0, time.UTC)
	at := time.Date(2025, time.March, 20, 2, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		date   string
		due    *time.Time
		onTime bool
	}{
		{"2025-03-01", &due, true},
		{"2025-03-15", &due, true},
		{"2025-03-16", &due, true}, // the due day in Beijing
		{"2025-03-17", &due, false},
		{"2025-03-20", &due, false},
		{"2025-03-20", nil, true}, // no clock to miss
	} {
		r := referralIn(referral.InProgress, referral.Down)
		r.FollowUpDueAt = c.due
		in := referral.Input{Version: 3, Outcome: &referral.Outcome{Summary: "first follow-up done"},
			FollowUp: &referral.FollowUp{Date: c.date, RiskGrade: 1, Condition: referral.Stable, OnTime: !c.onTime}}
		rule, _ := referral.RuleFor(referral.Complete)
		if _, err := referral.Apply(r, rule, in, who(receiverInst, auth.RoleDoctor), referral.DefaultSLA, at); err != nil {
			t.Fatalf("%s: %v", c.date, err)
		}
		if r.FollowUp.OnTime != c.onTime {
			t.Errorf("follow-up on %s, due %v: OnTime = %v, want %v (the client's value must not count)", c.date, c.due,
				r.FollowUp.OnTime, c.onTime)
		}
	}
}

// TestSubmitRevision: a returned referral may be revised on resubmission;
// the revision is validated, replaces the clinical content and recomputes
// the fast-track suggestion.
func TestSubmitRevision(t *testing.T) {
	r := referralIn(referral.Returned, referral.Up)
	rev := validRequest(referral.Up).Clinical
	rev.Summary, rev.RiskGrade, rev.Diagnoses = "  now threatening neighbours  ", 4, []string{"f31.2"}
	in := referral.Input{Version: 3, Revision: &rev}
	rule, _ := referral.RuleFor(referral.Submit)
	if _, err := referral.Apply(r, rule, in, who(senderInst, auth.RoleDoctor), referral.DefaultSLA, now); err != nil {
		t.Fatal(err)
	}
	if r.Summary != "now threatening neighbours" || r.RiskGrade != 4 || !slices.Equal(r.Diagnoses, []string{"F31.2"}) {
		t.Errorf("revision not applied: %+v", r.Clinical)
	}
	if !r.FastTrackSuggested {
		t.Error("risk grade 4 in the revision did not suggest the fast track")
	}
	if r.Urgency != referral.Urgent {
		t.Errorf("the revision changed the doctor's urgency to %s", r.Urgency)
	}
}
