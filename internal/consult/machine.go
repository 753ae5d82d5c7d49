package consult

import (
	"slices"
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/referral"
)

// Action is a step of an eConsult's conversation.
type Action string

const (
	Assign      Action = "assign"       // convener (or a specialist taking it) names the specialist
	RequestInfo Action = "request_info" // the specialist asks the requester; the clock pauses
	ProvideInfo Action = "provide_info" // the requester answers; the clock runs again
	Answer      Action = "answer"       // the specialist files the opinion
	Cancel      Action = "cancel"       // the requester withdraws the question
	Create      Action = "create"       // recorded when the consult is made; not a client action
)

// Side is which end of a consult a user is on.
type Side string

const (
	Requester Side = "requester"
	Target    Side = "target"
)

// Rule says who may take an action and from which statuses.
type Rule struct {
	Action Action
	From   []Status
	To     Status
	Side   Side
	Roles  []auth.Role
	// OwnerOnly: only the assigned specialist (not any colleague).
	OwnerOnly bool
}

var clinicians = []auth.Role{auth.RoleDoctor, auth.RoleSpecialist}

// Rules is the eConsult state machine.
var Rules = []Rule{
	{Assign, []Status{Requested, Assigned}, Assigned, Target, []auth.Role{auth.RoleConvener, auth.RoleSpecialist}, false},
	{RequestInfo, []Status{Assigned}, InfoRequested, Target, []auth.Role{auth.RoleSpecialist}, true},
	{ProvideInfo, []Status{InfoRequested}, Assigned, Requester, clinicians, false},
	{Answer, []Status{Assigned}, Answered, Target, []auth.Role{auth.RoleSpecialist}, true},
	{Cancel, []Status{Requested, Assigned, InfoRequested}, Cancelled, Requester, append(clinicians, auth.RoleConvener), false},
}

// Actions lists the client actions in Rules order.
var Actions = func() []Action {
	out := make([]Action, len(Rules))
	for i, r := range Rules {
		out[i] = r.Action
	}
	return out
}()

// Input is an action's body.
type Input struct {
	Version int `json:"version"`
	// Message: the question of request_info, the answer of provide_info,
	// the reason of cancel.
	Message          string   `json:"message"`
	SpecialistUserID string   `json:"specialistUserId"` // assign
	Opinion          *Opinion `json:"opinion"`          // answer
}

// Message is one entry of a consult's thread.
type Message struct {
	ID            string    `json:"id"`
	ConsultID     string    `json:"consultId"`
	Version       int       `json:"version"`
	Action        Action    `json:"action"`
	UserID        string    `json:"userId"`
	Username      string    `json:"username"`
	InstitutionID string    `json:"institutionId"`
	Body          string    `json:"body"`
	At            time.Time `json:"at"`
}

// Authorize checks that who may take action a on c. A specialist may assign
// only to themself; a convener to anyone. Errors: invalid (unknown action),
// forbidden.
func Authorize(c *Consult, a Action, who referral.Who) (Rule, error) {
	i := slices.IndexFunc(Rules, func(r Rule) bool { return r.Action == a })
	if i < 0 {
		return Rule{}, apperr.InvalidField("action", "unknown action %q", a)
	}
	rule := Rules[i]
	inst := c.RequesterInstitutionID
	if rule.Side == Target {
		inst = c.TargetInstitutionID
	}
	if who.InstitutionID != inst {
		return rule, apperr.Forbiddenf("only the %s side may %s this consultation", rule.Side, a)
	}
	if !slices.ContainsFunc(who.Roles, func(r auth.Role) bool { return slices.Contains(rule.Roles, r) }) {
		return rule, apperr.Forbiddenf("your role may not %s a consultation", a)
	}
	if rule.OwnerOnly && c.SpecialistUserID != who.UserID {
		return rule, apperr.Forbiddenf("only the assigned specialist may %s this consultation", a)
	}
	return rule, nil
}

// Apply performs an authorised action at now: checks version and status,
// validates the input, updates c (status, clock, opinion) and returns the
// thread message. For assign the caller checks the named specialist with
// CheckConsultant first. Errors: conflict, invalid.
func Apply(c *Consult, rule Rule, in Input, who referral.Who, now time.Time) (Message, error) {
	if in.Version != c.Version {
		return Message{}, apperr.Conflictf("the consultation has changed (version %d, you sent %d): reload it", c.Version, in.Version)
	}
	if !slices.Contains(rule.From, c.Status) {
		return Message{}, apperr.Conflictf("a consultation that is %s does not allow %s", c.Status, rule.Action)
	}
	in.Message = strings.TrimSpace(in.Message)
	if len([]rune(in.Message)) > 8000 {
		return Message{}, apperr.InvalidField("message", "message is longer than 8000 characters")
	}
	body := in.Message
	switch rule.Action {
	case Assign:
		if strings.TrimSpace(in.SpecialistUserID) == "" {
			return Message{}, apperr.InvalidField("specialistUserId", "name the specialist")
		}
		if !slices.Contains(who.Roles, auth.RoleConvener) && in.SpecialistUserID != who.UserID {
			return Message{}, apperr.Forbiddenf("a specialist may only take a consultation for themself")
		}
		c.SpecialistUserID = in.SpecialistUserID
	case RequestInfo:
		if body == "" {
			return Message{}, apperr.InvalidField("message", "say what information you need")
		}
		c.PausedSince = &now
	case ProvideInfo:
		if body == "" {
			return Message{}, apperr.InvalidField("message", "answer the specialist's question")
		}
		if c.PausedSince != nil {
			c.PausedTotal += now.Sub(*c.PausedSince)
			c.PausedSince = nil
		}
	case Answer:
		if in.Opinion == nil {
			return Message{}, apperr.InvalidField("opinion", "file the opinion")
		}
		o := *in.Opinion
		if err := o.Validate("opinion."); err != nil {
			return Message{}, err
		}
		o.AuthorUserID, o.At = who.UserID, now
		c.Opinion = &o
		c.AnsweredAt = &now
		secs := int64(c.ResponseTime(now).Seconds())
		c.ResponseSecs = &secs
		body = o.Impression
	case Cancel:
		if body == "" {
			return Message{}, apperr.InvalidField("message", "give the reason")
		}
	}
	c.Status = rule.To
	c.Version++
	c.UpdatedAt = now
	return Message{ConsultID: c.ID, Version: c.Version, Action: rule.Action, UserID: who.UserID,
		Username: who.Username, InstitutionID: who.InstitutionID, Body: body, At: now}, nil
}

// ResponseTime is the specialist's clock at now: time since submission less
// the time spent waiting for the requester.
func (c *Consult) ResponseTime(now time.Time) time.Duration {
	end := now
	if c.AnsweredAt != nil {
		end = *c.AnsweredAt
	}
	paused := c.PausedTotal
	if c.PausedSince != nil {
		paused += end.Sub(*c.PausedSince)
	}
	return end.Sub(c.SubmittedAt) - paused
}

// ReferralDraft prefills a referral from an answered consult: the question
// as the reason, the summary and the opinion's impression as the summary,
// the opinion's diagnoses (or the requester's), routine unless the consult
// was urgent.
func (c *Consult) ReferralDraft(receiverInstitutionID string) (referral.Request, error) {
	if c.Status != Answered || c.Opinion == nil {
		return referral.Request{}, apperr.Conflictf("only an answered consultation can become a referral")
	}
	if c.ReferralID != "" {
		return referral.Request{}, apperr.Conflictf("this consultation is already a referral")
	}
	diags := c.Opinion.Diagnoses
	if len(diags) == 0 {
		diags = c.Diagnoses
	}
	urg := referral.Routine
	if c.Urgency == "urgent" {
		urg = referral.Urgent
	}
	reason := c.Question
	if r := []rune(reason); len(r) > 500 {
		reason = string(r[:500])
	}
	return referral.Request{PatientID: c.PatientID, Direction: referral.Up, Urgency: urg,
		ReceiverInstitutionID: receiverInstitutionID,
		Clinical: referral.Clinical{Reason: reason,
			Summary:   c.Summary + "\n\n【会诊意见 Consult opinion】" + c.Opinion.Impression + "\n" + c.Opinion.Recommendations,
			Diagnoses: diags, Medication: c.Opinion.MedicationRecommendations, SubSpecialty: c.SubSpecialty}}, nil
}
