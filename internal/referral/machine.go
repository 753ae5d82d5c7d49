package referral

import (
	"slices"
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
)

// Action is a transition a user asks for.
type Action string

const (
	Submit   Action = "submit"
	Accept   Action = "accept"
	Return   Action = "return"
	Redirect Action = "redirect"
	Hold     Action = "hold"
	Resume   Action = "resume"
	Schedule Action = "schedule"
	Arrive   Action = "arrive"
	Complete Action = "complete"
	Cancel   Action = "cancel"
	Fail     Action = "fail"
	// Create is the event recorded when a referral is made; it is not an
	// action a client can ask for.
	Create Action = "create"
)

// Rule says who may take an action, from which statuses, and where it leads.
type Rule struct {
	Action  Action
	From    []Status
	To      Status
	Parties []Party
	Roles   []auth.Role
}

var (
	clinicians  = []auth.Role{auth.RoleDoctor, auth.RoleSpecialist}
	coordinates = []auth.Role{auth.RoleDoctor, auth.RoleSpecialist, auth.RoleConvener}
)

// Rules is the whole state machine. Requesters (the sender) submit, revise,
// answer holds and cancel; responders (the receiver) accept, return with
// advice, redirect, hold, schedule, admit, complete and record no-shows, as
// FHIR Task divides them. Clinical judgements (return, redirect, complete)
// need a clinician; scheduling work may also be done by the facility's
// convener, who owns its schedule.
var Rules = []Rule{
	{Submit, []Status{Draft, Returned}, Requested, []Party{Sender}, clinicians},
	{Accept, []Status{Requested}, Accepted, []Party{Receiver}, coordinates},
	{Return, []Status{Requested, OnHold}, Returned, []Party{Receiver}, clinicians},
	{Redirect, []Status{Requested, OnHold, Accepted}, Redirected, []Party{Receiver}, clinicians},
	{Hold, []Status{Requested}, OnHold, []Party{Receiver}, coordinates},
	{Resume, []Status{OnHold}, Requested, []Party{Sender}, clinicians},
	{Schedule, []Status{Accepted, Scheduled}, Scheduled, []Party{Receiver}, coordinates},
	{Arrive, []Status{Accepted, Scheduled}, InProgress, []Party{Receiver}, coordinates},
	{Complete, []Status{InProgress}, Completed, []Party{Receiver}, clinicians},
	{Cancel, []Status{Draft, Requested, OnHold, Returned, Accepted, Scheduled}, Cancelled, []Party{Sender, Receiver}, coordinates},
	{Fail, []Status{Accepted, Scheduled}, Failed, []Party{Receiver}, coordinates},
}

// Actions lists the actions a client may ask for, in Rules order.
var Actions = func() []Action {
	out := make([]Action, len(Rules))
	for i, r := range Rules {
		out[i] = r.Action
	}
	return out
}()

// RuleFor returns the rule of action a; ok is false for an unknown action.
func RuleFor(a Action) (Rule, bool) {
	for _, r := range Rules {
		if r.Action == a {
			return r, true
		}
	}
	return Rule{}, false
}

// Input is what an action's body carries. Which fields each action needs is
// checked by Apply.
type Input struct {
	Version int `json:"version"`
	// Note: the advice of a return, the question of a hold, the answer of a
	// resume, the reason of a redirect, cancel or fail.
	Note string `json:"note"`
	// Schedule.
	At    *time.Time `json:"at"`
	Place string     `json:"place"`
	// Redirect: the new receiver.
	ReceiverInstitutionID string `json:"receiverInstitutionId"`
	ReceiverDepartment    string `json:"receiverDepartment"`
	// Complete.
	Outcome  *Outcome  `json:"outcome"`
	FollowUp *FollowUp `json:"followUp"`
	// Submit from returned: the revised clinical content (optional).
	Revision *Clinical `json:"revision"`
}

// Who is the user asking for a transition.
type Who struct {
	UserID        string
	Username      string
	InstitutionID string
	Roles         []auth.Role
}

// Authorize checks that who may take action a on r, before anything else
// about the request is looked at. Errors: invalid (unknown action),
// forbidden (wrong party or role).
func Authorize(r *Referral, a Action, who Who) (Rule, error) {
	rule, ok := RuleFor(a)
	if !ok {
		return Rule{}, apperr.InvalidField("action", "unknown action %q", a)
	}
	parties := r.PartyOf(who.InstitutionID)
	if !slices.ContainsFunc(parties, func(p Party) bool { return slices.Contains(rule.Parties, p) }) {
		return rule, apperr.Forbiddenf("only the %s institution may %s this referral", partyNames(rule.Parties), a)
	}
	if !slices.ContainsFunc(who.Roles, func(r auth.Role) bool { return slices.Contains(rule.Roles, r) }) {
		return rule, apperr.Forbiddenf("your role may not %s a referral", a)
	}
	// A draft is the sender's alone; the receiver has not seen it.
	if !r.Submitted() && !slices.Contains(parties, Sender) {
		return rule, apperr.NotFoundf("referral not found")
	}
	return rule, nil
}

func partyNames(ps []Party) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, " or ")
}

// Apply performs action a on r at now, after Authorize. It checks the
// version and the current status, validates the input the action needs, and
// changes r in place (status, version, the fields the action sets). It
// returns the timeline event. A redirect leaves r closed; the caller opens
// the new referral with NewRedirect. Errors: conflict (stale version, or not
// allowed from the current status), invalid (input, including a missing
// version; the field is named).
func Apply(r *Referral, rule Rule, in Input, who Who, sla SLA, now time.Time) (Event, error) {
	// Versions start at 1: a body without one is bad input, not a stale read.
	if in.Version < 1 {
		return Event{}, apperr.InvalidField("version", "send the version of the referral you last saw")
	}
	if in.Version != r.Version {
		return Event{}, apperr.Conflictf("the referral has changed (version %d, you sent %d): reload it", r.Version, in.Version)
	}
	if !slices.Contains(rule.From, r.Status) {
		return Event{}, apperr.Conflictf("a referral that is %s cannot be %s", r.Status, pastTense(rule.Action))
	}
	in.Note = strings.TrimSpace(in.Note)
	if len([]rune(in.Note)) > 4000 {
		return Event{}, apperr.InvalidField("note", "note is longer than 4000 characters")
	}
	from := r.Status
	switch rule.Action {
	case Submit:
		if in.Revision != nil {
			rev := *in.Revision
			if err := rev.validate(r.Direction); err != nil {
				return Event{}, err
			}
			r.Clinical = rev
			r.FastTrackSuggested = rev.SuggestsFastTrack()
		}
		r.submitted(sla, now)
	case Accept:
		r.AcceptedAt = &now
	case Return, Hold:
		if in.Note == "" {
			return Event{}, apperr.InvalidField("note", "say why (advice for the sender, or the information you need)")
		}
		r.Note = in.Note
	case Resume:
		if in.Note == "" {
			return Event{}, apperr.InvalidField("note", "answer the receiver's question")
		}
	case Redirect:
		if strings.TrimSpace(in.ReceiverInstitutionID) == "" {
			return Event{}, apperr.InvalidField("receiverInstitutionId", "name the institution to redirect to")
		}
		if in.ReceiverInstitutionID == r.ReceiverInstitutionID || in.ReceiverInstitutionID == r.SenderInstitutionID {
			return Event{}, apperr.InvalidField("receiverInstitutionId", "redirect to another member than the sender or this receiver")
		}
		r.Note = in.Note
		r.ClosedAt = &now
	case Schedule:
		if in.At == nil || in.At.IsZero() {
			return Event{}, apperr.InvalidField("at", "give the date and time of the appointment")
		}
		if in.At.Before(now.Add(-24 * time.Hour)) {
			return Event{}, apperr.InvalidField("at", "the appointment is in the past")
		}
		place := strings.TrimSpace(in.Place)
		if place == "" {
			return Event{}, apperr.InvalidField("place", "say where the patient should come")
		}
		if len([]rune(place)) > 200 {
			return Event{}, apperr.InvalidField("place", "place is longer than 200 characters")
		}
		r.Appointment = &Appointment{At: in.At.UTC(), Place: place}
	case Arrive:
		r.ArrivedAt = &now
	case Complete:
		if err := r.complete(in, now); err != nil {
			return Event{}, err
		}
		r.ClosedAt = &now
	case Cancel, Fail:
		if in.Note == "" {
			return Event{}, apperr.InvalidField("note", "give the reason")
		}
		r.Note = in.Note
		r.ClosedAt = &now
	}
	r.Status = rule.To
	r.Version++
	r.UpdatedAt = now
	return Event{ReferralID: r.ID, Version: r.Version, Action: rule.Action, From: from, To: r.Status,
		UserID: who.UserID, Username: who.Username, InstitutionID: who.InstitutionID, Note: in.Note, At: now}, nil
}

func (r *Referral) complete(in Input, now time.Time) error {
	if in.Outcome == nil {
		return apperr.InvalidField("outcome", "the outcome is required to close the loop with the sender")
	}
	o := *in.Outcome
	o.Summary, o.Plan = strings.TrimSpace(o.Summary), strings.TrimSpace(o.Plan)
	if o.Summary == "" {
		return apperr.InvalidField("outcome.summary", "write the outcome summary")
	}
	diags, err := validateDiagnoses("outcome.diagnoses", o.Diagnoses)
	if err != nil {
		return err
	}
	o.Diagnoses = diags
	if r.Direction == Up {
		if len(o.Diagnoses) == 0 {
			return apperr.InvalidField("outcome.diagnoses", "return the diagnosis to the sender")
		}
		if o.Plan == "" {
			return apperr.InvalidField("outcome.plan", "return the treatment plan to the sender")
		}
	}
	if r.Direction == Down {
		if in.FollowUp == nil {
			return apperr.InvalidField("followUp", "record the first community follow-up")
		}
		f := *in.FollowUp
		if err := f.validate(now); err != nil {
			return err
		}
		f.OnTime = r.FollowUpDueAt == nil || !dateAfter(f.Date, *r.FollowUpDueAt)
		r.FollowUp = &f
	}
	r.Outcome = &o
	return nil
}

func (f *FollowUp) validate(now time.Time) error {
	d, err := time.Parse(time.DateOnly, f.Date)
	if err != nil {
		return apperr.InvalidField("followUp.date", "followUp.date must be a date YYYY-MM-DD")
	}
	if d.After(now.Add(24 * time.Hour)) {
		return apperr.InvalidField("followUp.date", "the follow-up cannot be in the future")
	}
	if f.RiskGrade < 0 || f.RiskGrade > 5 {
		return apperr.InvalidField("followUp.riskGrade", "riskGrade must be 0 to 5")
	}
	if !validIn(Conditions, f.Condition) {
		return apperr.InvalidField("followUp.condition", "condition must be stable, basically_stable or unstable")
	}
	f.Notes = strings.TrimSpace(f.Notes)
	if len([]rune(f.Notes)) > 4000 {
		return apperr.InvalidField("followUp.notes", "notes are longer than 4000 characters")
	}
	return nil
}

// dateAfter reports whether the YYYY-MM-DD date falls after the day of due
// (in China Standard Time, where the alliance works).
func dateAfter(date string, due time.Time) bool {
	return date > due.In(chinaTime).Format(time.DateOnly)
}

var chinaTime = alliance.ChinaTime

func pastTense(a Action) string {
	switch a {
	case Submit:
		return "submitted"
	case Accept:
		return "accepted"
	case Return:
		return "returned"
	case Redirect:
		return "redirected"
	case Hold:
		return "put on hold"
	case Resume:
		return "resumed"
	case Schedule:
		return "scheduled"
	case Arrive:
		return "marked arrived"
	case Complete:
		return "completed"
	case Cancel:
		return "cancelled"
	case Fail:
		return "marked failed"
	}
	return string(a)
}
