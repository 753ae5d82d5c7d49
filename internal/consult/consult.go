// Package consult is the asynchronous eConsult (advice and guidance, after
// NHS Advice & Guidance and Champlain BASE eConsult): a grass-root doctor asks
// a specialist about a patient, the specialist may ask for more information
// (the response clock pauses meanwhile) and answers with a structured
// opinion, which can be turned into a referral. The opinion is also the
// shape of a video consultation's opinion. Pure domain code: no adapter,
// database or HTTP import.
package consult

import (
	"slices"
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/referral"
)

// Status is where an eConsult stands.
type Status string

const (
	Requested     Status = "requested"      // in the receiving institution's queue, nobody assigned
	Assigned      Status = "assigned"       // a specialist owns it; the clock runs
	InfoRequested Status = "info_requested" // the specialist waits for the requester; the clock pauses
	Answered      Status = "answered"       // the opinion is filed
	Cancelled     Status = "cancelled"
)

// Statuses lists every status.
var Statuses = []Status{Requested, Assigned, InfoRequested, Answered, Cancelled}

// Urgency of an eConsult: how soon the requester needs the advice.
type Urgency string

// Urgencies lists the accepted values.
var Urgencies = []Urgency{"routine", "urgent"}

// MinPracticeYears is the independent practice a consultant needs
// (远程医疗服务管理规范, 2018).
const MinPracticeYears = 3

// Consult is one eConsult.
type Consult struct {
	ID        string  `json:"id"`
	PatientID string  `json:"patientId"`
	Status    Status  `json:"status"`
	Urgency   Urgency `json:"urgency"`
	Version   int     `json:"version"`

	RequesterInstitutionID string `json:"requesterInstitutionId"`
	RequesterUserID        string `json:"requesterUserId"`
	TargetInstitutionID    string `json:"targetInstitutionId"`
	SpecialistUserID       string `json:"specialistUserId"` // "" while in the queue

	SubSpecialty string   `json:"subSpecialty"`
	Question     string   `json:"question"`
	Summary      string   `json:"summary"`
	Diagnoses    []string `json:"diagnoses"`

	Opinion *Opinion `json:"opinion"`

	// Response time: the specialist's clock runs from submission to the
	// answer, less the time spent waiting for the requester.
	SubmittedAt  time.Time     `json:"submittedAt"`
	PausedSince  *time.Time    `json:"pausedSince"`
	PausedTotal  time.Duration `json:"-"`
	AnsweredAt   *time.Time    `json:"answeredAt"`
	ResponseSecs *int64        `json:"responseSeconds"` // set when answered

	ReferralID string    `json:"referralId"` // the referral it was turned into, if any
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// NoPrescription is printed on every opinion: the hub never issues a
// prescription (互联网诊疗管理办法: no online prescribing of psychotropic
// drugs); medication appears only as a recommendation.
const NoPrescription = "本意见仅为会诊建议，不构成处方；用药须由接诊医生面诊后开具。This opinion is advice only and is not a prescription."

// Opinion is a specialist's structured answer.
type Opinion struct {
	Impression                string    `json:"impression"`
	Diagnoses                 []string  `json:"diagnoses"`
	Recommendations           string    `json:"recommendations"`
	MedicationRecommendations string    `json:"medicationRecommendations"` // advice, never a prescription
	ReferralAdvised           bool      `json:"referralAdvised"`
	VideoConsultAdvised       bool      `json:"videoConsultAdvised"`
	FollowUpAdvice            string    `json:"followUpAdvice"`
	Disclaimer                string    `json:"disclaimer"` // always NoPrescription
	AuthorUserID              string    `json:"authorUserId"`
	At                        time.Time `json:"at"`
}

// Validate checks and normalises an opinion. Errors: invalid, naming the
// field under prefix (e.g. "opinion.").
func (o *Opinion) Validate(prefix string) error {
	for _, f := range []*string{&o.Impression, &o.Recommendations, &o.MedicationRecommendations, &o.FollowUpAdvice} {
		*f = strings.TrimSpace(*f)
	}
	switch {
	case o.Impression == "":
		return apperr.InvalidField(prefix+"impression", "write the clinical impression")
	case o.Recommendations == "":
		return apperr.InvalidField(prefix+"recommendations", "write the recommendations")
	}
	for _, l := range []struct {
		field, v string
	}{{"impression", o.Impression}, {"recommendations", o.Recommendations},
		{"medicationRecommendations", o.MedicationRecommendations}, {"followUpAdvice", o.FollowUpAdvice}} {
		if len([]rune(l.v)) > 8000 {
			return apperr.InvalidField(prefix+l.field, "%s is longer than 8000 characters", l.field)
		}
	}
	d, err := referral.ValidateDiagnoses(prefix+"diagnoses", o.Diagnoses)
	if err != nil {
		return err
	}
	o.Diagnoses = d
	o.Disclaimer = NoPrescription
	return nil
}

// Request is what a requester fills in.
type Request struct {
	PatientID           string   `json:"patientId"`
	TargetInstitutionID string   `json:"targetInstitutionId"`
	SpecialistUserID    string   `json:"specialistUserId"` // optional: a named specialist
	SubSpecialty        string   `json:"subSpecialty"`
	Urgency             Urgency  `json:"urgency"`
	Question            string   `json:"question"`
	Summary             string   `json:"summary"`
	Diagnoses           []string `json:"diagnoses"`
}

// Validate checks the request's own fields. Errors: invalid.
func (q *Request) Validate() error {
	q.PatientID, q.TargetInstitutionID = strings.TrimSpace(q.PatientID), strings.TrimSpace(q.TargetInstitutionID)
	q.Question, q.Summary = strings.TrimSpace(q.Question), strings.TrimSpace(q.Summary)
	if q.Urgency == "" {
		q.Urgency = "routine"
	}
	switch {
	case q.PatientID == "":
		return apperr.InvalidField("patientId", "choose the patient")
	case q.TargetInstitutionID == "":
		return apperr.InvalidField("targetInstitutionId", "choose the institution to ask")
	case !slices.Contains(Urgencies, q.Urgency):
		return apperr.InvalidField("urgency", "urgency must be routine or urgent")
	case q.SubSpecialty != "" && !slices.Contains(alliance.SubSpecialties, q.SubSpecialty):
		return apperr.InvalidField("subSpecialty", "unknown sub-specialty %q", q.SubSpecialty)
	case q.Question == "":
		return apperr.InvalidField("question", "ask your question")
	case len([]rune(q.Question)) > 4000:
		return apperr.InvalidField("question", "question is longer than 4000 characters")
	case q.Summary == "":
		return apperr.InvalidField("summary", "write a clinical summary")
	case len([]rune(q.Summary)) > 8000:
		return apperr.InvalidField("summary", "summary is longer than 8000 characters")
	}
	d, err := referral.ValidateDiagnoses("diagnoses", q.Diagnoses)
	if err != nil {
		return err
	}
	q.Diagnoses = d
	return nil
}

// New makes a consult from a validated request. With a named specialist it
// is assigned at once; otherwise it waits in the target's queue.
func New(q Request, who referral.Who, now time.Time) Consult {
	c := Consult{PatientID: q.PatientID, Status: Requested, Urgency: q.Urgency, Version: 1,
		RequesterInstitutionID: who.InstitutionID, RequesterUserID: who.UserID,
		TargetInstitutionID: q.TargetInstitutionID, SubSpecialty: q.SubSpecialty, Question: q.Question,
		Summary: q.Summary, Diagnoses: q.Diagnoses, SubmittedAt: now, CreatedAt: now, UpdatedAt: now}
	if q.SpecialistUserID != "" {
		c.SpecialistUserID = q.SpecialistUserID
		c.Status = Assigned
	}
	return c
}

// CheckConsultant checks that u may answer consults of the target
// institution: a specialist there with enough independent practice.
// Errors: invalid (on field).
func CheckConsultant(field string, u auth.User, targetInstitutionID string) error {
	switch {
	case u.InstitutionID != targetInstitutionID || u.Disabled:
		return apperr.InvalidField(field, "the specialist does not work at the institution asked")
	case !slices.Contains(u.Roles, auth.RoleSpecialist):
		return apperr.InvalidField(field, "only a specialist may answer a consultation")
	case u.PracticeYears < MinPracticeYears:
		return apperr.InvalidField(field, "a consultant needs at least %d years of independent practice", MinPracticeYears)
	}
	return nil
}

// VisibleTo reports whether users of institutionID may see the consult.
func (c *Consult) VisibleTo(institutionID string) bool {
	return c.RequesterInstitutionID == institutionID || c.TargetInstitutionID == institutionID
}
