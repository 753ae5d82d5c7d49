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

// The state machine as issue 3 and the domain brief describe it, written out
// independently of machine.go's Rules: requesters (the sender) submit, resume
// and cancel; responders (the receiver) accept, return, redirect, hold,
// schedule, admit, complete and record no-shows; either side cancels before
// the patient arrives. Clinical judgements need a clinician; the convener may
// do the scheduling work. Administrators take no action.
type ruleSpec struct {
	from    []referral.Status
	to      referral.Status
	parties []referral.Party
	roles   []auth.Role
}

var (
	clinicianRoles = []auth.Role{auth.RoleDoctor, auth.RoleSpecialist}
	schedulerRoles = []auth.Role{auth.RoleDoctor, auth.RoleSpecialist, auth.RoleConvener}
	senderOnly     = []referral.Party{referral.Sender}
	receiverOnly   = []referral.Party{referral.Receiver}
)

var spec = map[referral.Action]ruleSpec{
	referral.Submit:   {[]referral.Status{referral.Draft, referral.Returned}, referral.Requested, senderOnly, clinicianRoles},
	referral.Accept:   {[]referral.Status{referral.Requested}, referral.Accepted, receiverOnly, schedulerRoles},
	referral.Return:   {[]referral.Status{referral.Requested, referral.OnHold}, referral.Returned, receiverOnly, clinicianRoles},
	referral.Redirect: {[]referral.Status{referral.Requested, referral.OnHold, referral.Accepted}, referral.Redirected, receiverOnly, clinicianRoles},
	referral.Hold:     {[]referral.Status{referral.Requested}, referral.OnHold, receiverOnly, schedulerRoles},
	referral.Resume:   {[]referral.Status{referral.OnHold}, referral.Requested, senderOnly, clinicianRoles},
	referral.Schedule: {[]referral.Status{referral.Accepted, referral.Scheduled}, referral.Scheduled, receiverOnly, schedulerRoles},
	referral.Arrive:   {[]referral.Status{referral.Accepted, referral.Scheduled}, referral.InProgress, receiverOnly, schedulerRoles},
	referral.Complete: {[]referral.Status{referral.InProgress}, referral.Completed, receiverOnly, clinicianRoles},
	referral.Cancel: {[]referral.Status{referral.Draft, referral.Requested, referral.OnHold, referral.Returned, referral.Accepted,
		referral.Scheduled}, referral.Cancelled, []referral.Party{referral.Sender, referral.Receiver}, schedulerRoles},
	referral.Fail: {[]referral.Status{referral.Accepted, referral.Scheduled}, referral.Failed, receiverOnly, schedulerRoles},
}

const (
	senderInst   = "inst-chc"
	receiverInst = "inst-core"
	otherInst    = "inst-general" // another member, target of redirects
	outsiderInst = "inst-elsewhere"
)

// t0 is when the test referrals were submitted; now is when actions happen.
var (
	t0  = time.Date(2025, time.March, 1, 1, 0, 0, 0, time.UTC)
	now = t0.Add(26 * time.Hour)
)

func who(inst string, roles ...auth.Role) referral.Who {
	return referral.Who{UserID: "u-" + inst, Username: "user-" + inst, InstitutionID: inst, Roles: roles}
}

func whoOfParty(p referral.Party, roles ...auth.Role) referral.Who {
	switch p {
	case referral.Sender:
		return who(senderInst, roles...)
	case referral.Receiver:
		return who(receiverInst, roles...)
	}
	return who(outsiderInst, roles...)
}

func validRequest(d referral.Direction) referral.Request {
	q := referral.Request{PatientID: "p1", Direction: d, Urgency: referral.Urgent, ReceiverInstitutionID: receiverInst,
		Clinical: referral.Clinical{Reason: "relapse with command hallucinations", Summary: "stopped medication in May",
			Diagnoses: []string{"F20.0"}, RiskGrade: 2, Medication: "risperidone 4 mg"}}
	if d == referral.Down {
		q.DischargeSummary, q.MedicationPlan, q.FollowUpPlan = "discharged stable", "risperidone 4 mg nightly", "CHC every 2 weeks"
	}
	return q
}

// referralIn returns a referral of direction d, sent from senderInst to
// receiverInst at t0, standing in status st at version 3, with the fields a
// referral in st would have.
func referralIn(st referral.Status, d referral.Direction) *referral.Referral {
	r := referral.New(validRequest(d), who(senderInst, auth.RoleDoctor), referral.DefaultSLA, t0)
	r.ID, r.AllianceID, r.Status, r.Version = "r-1", "a-1", st, 3
	at := t0.Add(2 * time.Hour)
	switch st {
	case referral.Draft:
		r.SubmittedAt, r.AcceptDueAt, r.AdmitDueAt, r.FollowUpDueAt = nil, nil, nil, nil
	case referral.Returned, referral.OnHold:
		r.Note = "what is the current dose?"
	case referral.Accepted:
		r.AcceptedAt = &at
	case referral.Scheduled:
		r.AcceptedAt = &at
		r.Appointment = &referral.Appointment{At: t0.Add(48 * time.Hour), Place: "outpatient 3"}
	case referral.InProgress:
		r.AcceptedAt, r.ArrivedAt = &at, &at
	case referral.Completed, referral.Cancelled, referral.Failed, referral.Redirected:
		r.ClosedAt = &at
	}
	return &r
}

// validInput is a body that action accepts (for any direction).
func validInput(a referral.Action, version int) referral.Input {
	in := referral.Input{Version: version}
	switch a {
	case referral.Return, referral.Hold, referral.Resume, referral.Cancel, referral.Fail:
		in.Note = "  please send the last lab results  "
	case referral.Redirect:
		in.ReceiverInstitutionID = otherInst
		in.Note = "their mood disorder ward has beds"
	case referral.Schedule:
		at := now.Add(72 * time.Hour).In(time.FixedZone("CST", 8*3600))
		in.At, in.Place = &at, "  Outpatient building 3, room 201 "
	case referral.Complete:
		in.Outcome = &referral.Outcome{Summary: "admitted 12 days; remission", Diagnoses: []string{"f20.0 ", "F20.0"},
			Plan: "risperidone 4 mg; CHC follow-up monthly"}
		in.FollowUp = &referral.FollowUp{Date: now.Format(time.DateOnly), RiskGrade: 1, Condition: referral.BasicallyStable}
	}
	return in
}

func allowedWho(a referral.Action) referral.Who {
	s := spec[a]
	return whoOfParty(s.parties[0], s.roles[0])
}

func wantErr(t *testing.T, err error, code, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("error = %v; want apperr %s (field %q)", err, code, field)
	}
	if e.Code != code || e.Field != field {
		t.Fatalf("error = %v; want code %s field %q", err, code, field)
	}
}

func clone(r *referral.Referral) referral.Referral {
	c := *r
	c.Diagnoses = slices.Clone(r.Diagnoses)
	return c
}

func TestRulesMatchTheIssue(t *testing.T) {
	if len(referral.Rules) != len(spec) {
		t.Fatalf("%d rules, the issue names %d actions", len(referral.Rules), len(spec))
	}
	wantActions := []referral.Action{referral.Submit, referral.Accept, referral.Return, referral.Redirect, referral.Hold,
		referral.Resume, referral.Schedule, referral.Arrive, referral.Complete, referral.Cancel, referral.Fail}
	if !slices.Equal(referral.Actions, wantActions) {
		t.Errorf("Actions = %v, want %v", referral.Actions, wantActions)
	}
	sorted := func(xs []string) []string { xs = slices.Clone(xs); slices.Sort(xs); return xs }
	strs := func(xs any) []string {
		var out []string
		v := reflect.ValueOf(xs)
		for i := range v.Len() {
			out = append(out, v.Index(i).String())
		}
		return sorted(out)
	}
	for _, rule := range referral.Rules {
		s, ok := spec[rule.Action]
		if !ok {
			t.Errorf("rule for %q, which the issue does not name", rule.Action)
			continue
		}
		if got, want := strs(rule.From), strs(s.from); !slices.Equal(got, want) {
			t.Errorf("%s: from %v, want %v", rule.Action, got, want)
		}
		if rule.To != s.to {
			t.Errorf("%s: to %s, want %s", rule.Action, rule.To, s.to)
		}
		if got, want := strs(rule.Parties), strs(s.parties); !slices.Equal(got, want) {
			t.Errorf("%s: parties %v, want %v", rule.Action, got, want)
		}
		if got, want := strs(rule.Roles), strs(s.roles); !slices.Equal(got, want) {
			t.Errorf("%s: roles %v, want %v", rule.Action, got, want)
		}
		got, ok := referral.RuleFor(rule.Action)
		if !ok || got.Action != rule.Action {
			t.Errorf("RuleFor(%s) = %v, %v", rule.Action, got, ok)
		}
	}
	if _, ok := referral.RuleFor(referral.Create); ok {
		t.Error("create is an event, not an action a client may ask for")
	}
	if _, ok := referral.RuleFor("approve"); ok {
		t.Error("RuleFor(approve) found a rule")
	}
}

// TestMachineShape checks properties of the whole table: closed statuses
// are final, every open status has a way out, cancelling stops once the
// patient has arrived, and administrators take no action.
func TestMachineShape(t *testing.T) {
	for _, st := range referral.Statuses {
		var exits []referral.Action
		for _, rule := range referral.Rules {
			if slices.Contains(rule.From, st) {
				exits = append(exits, rule.Action)
			}
		}
		if st.Closed() && len(exits) > 0 {
			t.Errorf("closed status %s has exits %v", st, exits)
		}
		if !st.Closed() && len(exits) == 0 {
			t.Errorf("open status %s has no exit", st)
		}
	}
	closed := []referral.Status{referral.Completed, referral.Redirected, referral.Cancelled, referral.Failed}
	for _, st := range referral.Statuses {
		if st.Closed() != slices.Contains(closed, st) {
			t.Errorf("%s.Closed() = %v", st, st.Closed())
		}
	}
	cancel, _ := referral.RuleFor(referral.Cancel)
	for _, st := range []referral.Status{referral.InProgress, referral.Completed} {
		if slices.Contains(cancel.From, st) {
			t.Errorf("cancel allowed from %s; the issue allows it only before in_progress", st)
		}
	}
	for _, rule := range referral.Rules {
		for _, r := range []auth.Role{auth.RoleAllianceAdmin, auth.RoleSysadmin} {
			if slices.Contains(rule.Roles, r) {
				t.Errorf("%s may be taken by %s, who sees aggregates only", rule.Action, r)
			}
		}
	}
}

// fromVisible is a status of the action's from list that both parties can
// see (not a draft), where the authorisation matrix is checked.
func fromVisible(a referral.Action) referral.Status {
	for _, st := range spec[a].from {
		if st != referral.Draft {
			return st
		}
	}
	panic("no visible from status for " + a)
}

// TestAuthorizeEveryRulePartyRole checks every action for every party
// (sender, receiver, an institution that is neither) and every role.
func TestAuthorizeEveryRulePartyRole(t *testing.T) {
	parties := []referral.Party{referral.Sender, referral.Receiver, "outsider"}
	for _, a := range referral.Actions {
		s := spec[a]
		for _, p := range parties {
			for _, role := range auth.Roles {
				t.Run(fmt.Sprintf("%s/%s/%s", a, p, role), func(t *testing.T) {
					r := referralIn(fromVisible(a), referral.Up)
					before := clone(r)
					rule, err := referral.Authorize(r, a, whoOfParty(p, role))
					allowed := slices.Contains(s.parties, p) && slices.Contains(s.roles, role)
					if allowed {
						if err != nil {
							t.Fatalf("Authorize = %v; want allowed", err)
						}
						if rule.Action != a || rule.To != s.to {
							t.Fatalf("Authorize returned rule %+v", rule)
						}
					} else {
						wantErr(t, err, apperr.Forbidden, "")
						if !slices.Contains(s.parties, p) && !strings.Contains(err.Error(), "institution") {
							t.Errorf("wrong-party refusal does not say so: %v", err)
						}
					}
					if !reflect.DeepEqual(*r, before) {
						t.Error("Authorize changed the referral")
					}
				})
			}
		}
	}
}

func TestAuthorizeAnyHeldRoleCounts(t *testing.T) {
	r := referralIn(referral.InProgress, referral.Up)
	// A convener who is also a doctor may complete; a convener alone may not.
	if _, err := referral.Authorize(r, referral.Complete, who(receiverInst, auth.RoleConvener, auth.RoleDoctor)); err != nil {
		t.Errorf("convener+doctor: %v", err)
	}
	_, err := referral.Authorize(r, referral.Complete, who(receiverInst, auth.RoleConvener, auth.RoleAllianceAdmin))
	wantErr(t, err, apperr.Forbidden, "")
	_, err = referral.Authorize(r, referral.Complete, who(receiverInst))
	wantErr(t, err, apperr.Forbidden, "")
}

// TestAuthorizeDraftIsTheSendersAlone: the receiver has not seen a draft,
// so even an action it could otherwise take finds nothing.
func TestAuthorizeDraftIsTheSendersAlone(t *testing.T) {
	for _, a := range referral.Actions {
		s := spec[a]
		r := referralIn(referral.Draft, referral.Up)
		for _, role := range s.roles {
			_, err := referral.Authorize(r, a, who(receiverInst, role))
			if slices.Contains(s.parties, referral.Receiver) {
				wantErr(t, err, apperr.NotFound, "")
			} else if apperr.Code(err) != apperr.Forbidden {
				t.Errorf("%s by the receiver on a draft: %v; want forbidden", a, err)
			}
			_, err = referral.Authorize(r, a, who(senderInst, role))
			if slices.Contains(s.parties, referral.Sender) && err != nil {
				t.Errorf("%s by the sender on a draft: %v", a, err)
			}
		}
	}
}

func TestAuthorizeUnknownAction(t *testing.T) {
	_, err := referral.Authorize(referralIn(referral.Requested, referral.Up), "approve", who(receiverInst, auth.RoleSpecialist))
	wantErr(t, err, apperr.Invalid, "action")
	_, err = referral.Authorize(referralIn(referral.Requested, referral.Up), referral.Create, who(senderInst, auth.RoleDoctor))
	wantErr(t, err, apperr.Invalid, "action")
}

func TestPartyOfAndVisibleTo(t *testing.T) {
	r := referralIn(referral.Requested, referral.Up)
	for inst, want := range map[string][]referral.Party{senderInst: {referral.Sender}, receiverInst: {referral.Receiver},
		outsiderInst: nil} {
		if got := r.PartyOf(inst); !slices.Equal(got, want) {
			t.Errorf("PartyOf(%s) = %v, want %v", inst, got, want)
		}
	}
	for _, st := range referral.Statuses {
		r := referralIn(st, referral.Up)
		if !r.VisibleTo(senderInst) {
			t.Errorf("%s: not visible to its sender", st)
		}
		if got := r.VisibleTo(receiverInst); got != (st != referral.Draft) {
			t.Errorf("%s: VisibleTo(receiver) = %v", st, got)
		}
		if r.VisibleTo(outsiderInst) {
			t.Errorf("%s: visible to an outsider", st)
		}
	}
	// A draft cancelled before it was ever submitted stays the sender's.
	r = referralIn(referral.Draft, referral.Up)
	rule, _ := referral.RuleFor(referral.Cancel)
	if _, err := referral.Apply(r, rule, validInput(referral.Cancel, 3), who(senderInst, auth.RoleDoctor), referral.DefaultSLA, now); err != nil {
		t.Fatal(err)
	}
	if r.Status != referral.Cancelled || r.Submitted() || r.VisibleTo(receiverInst) || !r.VisibleTo(senderInst) {
		t.Errorf("cancelled draft: status %s submitted %v visible to the receiver %v", r.Status, r.Submitted(), r.VisibleTo(receiverInst))
	}
	if _, err := referral.Authorize(r, referral.Cancel, who(receiverInst, auth.RoleSpecialist)); apperr.Code(err) != apperr.NotFound {
		t.Errorf("the receiver acting on a cancelled draft: %v; want not_found", err)
	}
	// A returned referral was submitted: the receiver keeps seeing it.
	if r := referralIn(referral.Returned, referral.Up); !r.Submitted() || !r.VisibleTo(receiverInst) {
		t.Error("a returned referral is hidden from the receiver that returned it")
	}
}
