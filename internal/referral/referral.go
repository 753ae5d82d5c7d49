// Package referral is the two-way referral of the alliance: its types, the
// state machine every referral moves through (modelled on HL7 FHIR Task
// statuses), who may make each transition, what each needs, the SLA clocks
// and the ranking of receivers for a matched referral. Pure domain code: it
// imports no adapter, no database and no HTTP package, so its rules are
// tested without either.
package referral

import (
	"slices"
	"time"
)

// Direction is where a referral goes in the alliance's hierarchy.
type Direction string

const (
	Up      Direction = "up"      // CHC or second-grade hospital → core hospital
	Down    Direction = "down"    // core hospital → second-grade hospital or CHC
	Lateral Direction = "lateral" // between members of the same level
)

// Directions lists the accepted values.
var Directions = []Direction{Up, Down, Lateral}

// Urgency decides the SLA clock and the place in the receiver's worklist.
type Urgency string

const (
	Routine   Urgency = "routine"
	Urgent    Urgency = "urgent"
	FastTrack Urgency = "fast_track" // prioritised diagnosis and admission of severe patients
)

// Urgencies lists the accepted values, most urgent last.
var Urgencies = []Urgency{Routine, Urgent, FastTrack}

// Priority orders worklists: 0 is seen first.
func (u Urgency) Priority() int {
	switch u {
	case FastTrack:
		return 0
	case Urgent:
		return 1
	}
	return 2
}

// Status is where a referral stands; the values follow FHIR Task.
type Status string

const (
	Draft      Status = "draft"
	Requested  Status = "requested"
	Accepted   Status = "accepted"
	Scheduled  Status = "scheduled"
	InProgress Status = "in_progress"
	Completed  Status = "completed"
	Returned   Status = "returned"   // declined with advice; the sender may revise and resubmit
	Redirected Status = "redirected" // closed and linked to a new referral at another member
	OnHold     Status = "on_hold"    // the receiver waits for information from the sender
	Cancelled  Status = "cancelled"
	Failed     Status = "failed" // the patient did not arrive
)

// Statuses lists every status.
var Statuses = []Status{Draft, Requested, Accepted, Scheduled, InProgress, Completed, Returned, Redirected,
	OnHold, Cancelled, Failed}

// Closed reports whether no further transition can leave s.
func (s Status) Closed() bool {
	return s == Completed || s == Redirected || s == Cancelled || s == Failed
}

// Condition is a community follow-up's assessment of a severe-disorder
// patient (2018 work standard).
type Condition string

const (
	Stable          Condition = "stable"
	BasicallyStable Condition = "basically_stable"
	Unstable        Condition = "unstable"
)

// Conditions lists the accepted values.
var Conditions = []Condition{Stable, BasicallyStable, Unstable}

// Referral is one patient's referral from a sender institution to a receiver.
type Referral struct {
	ID         string    `json:"id"`
	AllianceID string    `json:"allianceId"`
	PatientID  string    `json:"patientId"`
	Direction  Direction `json:"direction"`
	Urgency    Urgency   `json:"urgency"`
	// FastTrackSuggested records that the clinical content (risk grade 3–5 or
	// an unstable assessment) proposed the fast track; Urgency is the doctor's
	// decision. Both are kept, so the choice is on record.
	FastTrackSuggested bool   `json:"fastTrackSuggested"`
	Status             Status `json:"status"`
	// Version increases with every change; actions carry the version the
	// client last saw, and a stale one is refused.
	Version int `json:"version"`

	SenderInstitutionID   string `json:"senderInstitutionId"`
	SenderUserID          string `json:"senderUserId"`
	ReceiverInstitutionID string `json:"receiverInstitutionId"`
	ReceiverDepartment    string `json:"receiverDepartment"`
	ReceiverUserID        string `json:"receiverUserId"` // a named specialist, or ""

	Clinical

	Appointment *Appointment `json:"appointment"`
	Outcome     *Outcome     `json:"outcome"`
	FollowUp    *FollowUp    `json:"followUp"`
	// Note is the last word the receiver sent back: the advice of a return,
	// the question of a hold, the reason of a cancellation or failure.
	Note string `json:"note"`

	RedirectedFromID string `json:"redirectedFromId"`
	RedirectedToID   string `json:"redirectedToId"`
	// ConsultID is the eConsult this referral was made from, if any.
	ConsultID string `json:"consultId"`

	SubmittedAt   *time.Time `json:"submittedAt"`
	AcceptDueAt   *time.Time `json:"acceptDueAt"`
	AdmitDueAt    *time.Time `json:"admitDueAt"`    // fast track only
	FollowUpDueAt *time.Time `json:"followUpDueAt"` // downward only
	AcceptedAt    *time.Time `json:"acceptedAt"`
	ArrivedAt     *time.Time `json:"arrivedAt"`
	ClosedAt      *time.Time `json:"closedAt"`
	CreatedAt     time.Time  `json:"createdAt"`
	UpdatedAt     time.Time  `json:"updatedAt"`
}

// Clinical is what the sender says about the patient. It travels with the
// referral and may be revised while the referral is a draft or returned.
type Clinical struct {
	Reason       string   `json:"reason"`
	Summary      string   `json:"summary"`
	Diagnoses    []string `json:"diagnoses"` // ICD-10 codes from the embedded list
	RiskGrade    int      `json:"riskGrade"` // 0–5, 2018 work standard
	Unstable     bool     `json:"unstable"`  // obvious psychotic symptoms, no insight, severe reaction…
	Medication   string   `json:"medication"`
	SubSpecialty string   `json:"subSpecialty"` // wanted at the receiver; "" for any
	// Downward referrals carry these three; upward ones may leave them empty.
	DischargeSummary string `json:"dischargeSummary"`
	MedicationPlan   string `json:"medicationPlan"`
	FollowUpPlan     string `json:"followUpPlan"`
}

// Appointment is when and where the receiver will see the patient.
type Appointment struct {
	At    time.Time `json:"at"`
	Place string    `json:"place"`
}

// Outcome closes the loop back to the sender. For upward referrals the
// diagnosis and plan are required.
type Outcome struct {
	Summary   string   `json:"summary"`
	Diagnoses []string `json:"diagnoses"`
	Plan      string   `json:"plan"`
}

// FollowUp is the receiving CHC's first community follow-up of a patient
// referred down.
type FollowUp struct {
	Date      string    `json:"date"` // YYYY-MM-DD
	RiskGrade int       `json:"riskGrade"`
	Condition Condition `json:"condition"`
	Notes     string    `json:"notes"`
	OnTime    bool      `json:"onTime"` // set by the hub: on or before the due date
}

// Event is one line of a referral's timeline.
type Event struct {
	ID            string    `json:"id"`
	ReferralID    string    `json:"referralId"`
	Version       int       `json:"version"` // the referral's version after the event
	Action        Action    `json:"action"`
	From          Status    `json:"from"`
	To            Status    `json:"to"`
	UserID        string    `json:"userId"`
	Username      string    `json:"username"`
	InstitutionID string    `json:"institutionId"`
	Note          string    `json:"note"`
	At            time.Time `json:"at"`
}

// Party is which side of a referral a user's institution is on.
type Party string

const (
	Sender   Party = "sender"
	Receiver Party = "receiver"
)

// PartyOf returns the sides institutionID is on: none, one, or (for a
// referral within one institution, which the hub refuses) both.
func (r *Referral) PartyOf(institutionID string) []Party {
	var out []Party
	if r.SenderInstitutionID == institutionID {
		out = append(out, Sender)
	}
	if r.ReceiverInstitutionID == institutionID {
		out = append(out, Receiver)
	}
	return out
}

// VisibleTo reports whether users of institutionID may see the referral: the
// sender always, the receiver once it has been submitted. A draft cancelled
// before it was ever submitted stays the sender's alone.
func (r *Referral) VisibleTo(institutionID string) bool {
	if r.SenderInstitutionID == institutionID {
		return true
	}
	return r.ReceiverInstitutionID == institutionID && r.Submitted()
}

// Submitted reports whether the referral has ever been sent to its receiver
// (every status but draft, and a cancelled draft, implies it).
func (r *Referral) Submitted() bool { return r.SubmittedAt != nil }

func validIn[T comparable](xs []T, x T) bool { return slices.Contains(xs, x) }
