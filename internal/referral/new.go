package referral

import (
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/apperr"
)

// Request is what a sender fills in to make a referral.
type Request struct {
	PatientID             string    `json:"patientId"`
	Direction             Direction `json:"direction"`
	Urgency               Urgency   `json:"urgency"`
	ReceiverInstitutionID string    `json:"receiverInstitutionId"`
	ReceiverDepartment    string    `json:"receiverDepartment"`
	ReceiverUserID        string    `json:"receiverUserId"`
	Clinical
	// Draft keeps the referral as a draft instead of submitting it.
	Draft bool `json:"draft"`
	// ConsultID links the referral to the eConsult it comes from; set by
	// the hub when a consult is converted, never by a client.
	ConsultID string `json:"-"`
}

// Validate checks the request's own fields; membership, levels and consent
// are checked by the caller, which knows the directory. Errors: invalid.
func (q *Request) Validate() error {
	q.PatientID = strings.TrimSpace(q.PatientID)
	q.ReceiverInstitutionID = strings.TrimSpace(q.ReceiverInstitutionID)
	q.ReceiverDepartment = strings.TrimSpace(q.ReceiverDepartment)
	switch {
	case q.PatientID == "":
		return apperr.InvalidField("patientId", "choose the patient")
	case !validIn(Directions, q.Direction):
		return apperr.InvalidField("direction", "direction must be up, down or lateral")
	case !validIn(Urgencies, q.Urgency):
		return apperr.InvalidField("urgency", "urgency must be routine, urgent or fast_track")
	case q.ReceiverInstitutionID == "":
		return apperr.InvalidField("receiverInstitutionId", "choose the receiving institution")
	case len([]rune(q.ReceiverDepartment)) > 100:
		return apperr.InvalidField("receiverDepartment", "receiverDepartment is longer than 100 characters")
	}
	return q.Clinical.validate(q.Direction)
}

// SuggestsFastTrack reports whether the clinical content proposes the fast
// track: risk grade 3–5, or an unstable assessment (2018 work standard). The
// doctor decides; the hub only suggests.
func (c *Clinical) SuggestsFastTrack() bool { return c.RiskGrade >= 3 || c.Unstable }

func (c *Clinical) validate(d Direction) error {
	trim := func(s *string) { *s = strings.TrimSpace(*s) }
	for _, s := range []*string{&c.Reason, &c.Summary, &c.Medication, &c.SubSpecialty, &c.DischargeSummary,
		&c.MedicationPlan, &c.FollowUpPlan} {
		trim(s)
	}
	long := []struct {
		field string
		value string
		max   int
	}{
		{"reason", c.Reason, 500}, {"summary", c.Summary, 8000}, {"medication", c.Medication, 2000},
		{"dischargeSummary", c.DischargeSummary, 8000}, {"medicationPlan", c.MedicationPlan, 4000},
		{"followUpPlan", c.FollowUpPlan, 4000},
	}
	for _, l := range long {
		if len([]rune(l.value)) > l.max {
			return apperr.InvalidField(l.field, "%s is longer than %d characters", l.field, l.max)
		}
	}
	switch {
	case c.Reason == "":
		return apperr.InvalidField("reason", "give the reason for the referral")
	case c.Summary == "":
		return apperr.InvalidField("summary", "write a clinical summary")
	case c.RiskGrade < 0 || c.RiskGrade > 5:
		return apperr.InvalidField("riskGrade", "riskGrade must be 0 to 5")
	case c.SubSpecialty != "" && !validIn(alliance.SubSpecialties, c.SubSpecialty):
		return apperr.InvalidField("subSpecialty", "unknown sub-specialty %q", c.SubSpecialty)
	}
	diags, err := validateDiagnoses("diagnoses", c.Diagnoses)
	if err != nil {
		return err
	}
	c.Diagnoses = diags
	if d == Down {
		switch {
		case c.DischargeSummary == "":
			return apperr.InvalidField("dischargeSummary", "a downward referral carries the discharge summary")
		case c.MedicationPlan == "":
			return apperr.InvalidField("medicationPlan", "a downward referral carries the medication plan")
		case c.FollowUpPlan == "":
			return apperr.InvalidField("followUpPlan", "a downward referral carries the follow-up plan")
		}
	}
	return nil
}

// validateDiagnoses normalises codes and checks each against the embedded
// ICD-10 list; duplicates are dropped. Errors name field.
func validateDiagnoses(field string, codes []string) ([]string, error) {
	if len(codes) > 10 {
		return nil, apperr.InvalidField(field, "at most 10 diagnoses")
	}
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		e, ok := LookupICD10(c)
		if !ok {
			return nil, apperr.InvalidField(field, "%q is not an ICD-10 code of the hub's list", strings.TrimSpace(c))
		}
		if !validIn(out, e.Code) {
			out = append(out, e.Code)
		}
	}
	return out, nil
}

// New makes a referral from a validated request, sent by who. It starts as a
// draft, or requested with its SLA clocks running. The caller sets the ID,
// the alliance and checks the directory and consent.
func New(q Request, who Who, sla SLA, now time.Time) Referral {
	r := Referral{
		PatientID: q.PatientID, Direction: q.Direction, Urgency: q.Urgency,
		FastTrackSuggested:  q.Clinical.SuggestsFastTrack(),
		Status:              Draft,
		Version:             1,
		SenderInstitutionID: who.InstitutionID, SenderUserID: who.UserID,
		ReceiverInstitutionID: q.ReceiverInstitutionID, ReceiverDepartment: q.ReceiverDepartment,
		ReceiverUserID: q.ReceiverUserID,
		Clinical:       q.Clinical, ConsultID: q.ConsultID,
		CreatedAt: now, UpdatedAt: now,
	}
	if !q.Draft {
		r.Status = Requested
		r.submitted(sla, now)
	}
	return r
}

// NewRedirect opens the referral that a redirect of old leads to: the same
// patient, sender and content, addressed to the new receiver, requested at
// once with fresh clocks, and linked both ways.
func NewRedirect(old *Referral, in Input, sla SLA, now time.Time) Referral {
	r := Referral{
		AllianceID: old.AllianceID, PatientID: old.PatientID, Direction: old.Direction, Urgency: old.Urgency,
		FastTrackSuggested: old.FastTrackSuggested, Status: Requested, Version: 1,
		SenderInstitutionID: old.SenderInstitutionID, SenderUserID: old.SenderUserID,
		ReceiverInstitutionID: strings.TrimSpace(in.ReceiverInstitutionID),
		ReceiverDepartment:    strings.TrimSpace(in.ReceiverDepartment),
		Clinical:              old.Clinical, RedirectedFromID: old.ID, CreatedAt: now, UpdatedAt: now,
	}
	r.submitted(sla, now)
	return r
}

// submitted starts the clocks of a referral that has just been requested.
func (r *Referral) submitted(sla SLA, now time.Time) {
	r.SubmittedAt = &now
	r.Note = ""
	c := sla.For(r.Urgency)
	accept := now.Add(c.Accept)
	r.AcceptDueAt = &accept
	r.AdmitDueAt = nil
	if c.Admit > 0 {
		admit := now.Add(c.Admit)
		r.AdmitDueAt = &admit
	}
	r.FollowUpDueAt = nil
	if r.Direction == Down {
		due := now.Add(sla.FirstFollowUp)
		r.FollowUpDueAt = &due
	}
}

// ValidateDiagnoses normalises ICD-10 codes and checks each against the
// embedded list, for other clinical records (consult opinions) that carry
// diagnoses. Errors: invalid, naming field.
func ValidateDiagnoses(field string, codes []string) ([]string, error) {
	return validateDiagnoses(field, codes)
}
