package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/referral"
)

// The FHIR R4 view of a referral, so hospital information systems can read
// it: a Bundle (type collection) with the Patient, the ServiceRequest the
// sender made, and the Task that tracks its fulfilment. Ids are the hub's;
// the national ID is never included (only its masked form, as a text).

type fhirRef struct {
	Reference string `json:"reference"`
	Display   string `json:"display,omitempty"`
}

type fhirCoding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
}

type fhirConcept struct {
	Coding []fhirCoding `json:"coding,omitempty"`
	Text   string       `json:"text,omitempty"`
}

const (
	icd10System   = "http://hl7.org/fhir/sid/icd-10"
	hubIDSystem   = "urn:lianxin:referral"
	fhirPriority  = "http://hl7.org/fhir/request-priority"
	lianxinSystem = "urn:lianxin:codes"
)

// fhirTaskStatus maps the hub's statuses to FHIR Task.status: the hub's
// scheduled is FHIR's accepted with an appointment, returned is rejected,
// redirected is rejected with a link to the new referral.
var fhirTaskStatus = map[referral.Status]string{
	referral.Draft: "draft", referral.Requested: "requested", referral.Accepted: "accepted",
	referral.Scheduled: "accepted", referral.InProgress: "in-progress", referral.Completed: "completed",
	referral.Returned: "rejected", referral.Redirected: "rejected", referral.OnHold: "on-hold",
	referral.Cancelled: "cancelled", referral.Failed: "failed",
}

func fhirRequestStatus(s referral.Status) string {
	switch s {
	case referral.Draft:
		return "draft"
	case referral.Completed:
		return "completed"
	case referral.Cancelled, referral.Redirected, referral.Failed, referral.Returned:
		return "revoked"
	case referral.OnHold:
		return "on-hold"
	}
	return "active"
}

func fhirPriorityOf(u referral.Urgency) string {
	switch u {
	case referral.FastTrack:
		return "stat"
	case referral.Urgent:
		return "urgent"
	}
	return "routine"
}

func diagnosisConcepts(codes []string) []fhirConcept {
	out := []fhirConcept{}
	for _, c := range codes {
		cd := fhirCoding{System: icd10System, Code: c}
		if e, ok := referral.LookupICD10(c); ok {
			cd.Display = e.NameEn
		}
		out = append(out, fhirConcept{Coding: []fhirCoding{cd}})
	}
	return out
}

func fhirGender(s patient.Sex) string {
	switch s {
	case "male", "female":
		return string(s)
	}
	return "unknown"
}

func (s *Server) referralFHIR(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := s.store.GetReferral(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	r := d.Referral
	p, err := s.store.GetPatient(ctx, r.PatientID)
	if err != nil {
		return err
	}
	ins, err := s.institutionsOf(c, []string{r.SenderInstitutionID, r.ReceiverInstitutionID})
	if err != nil {
		return err
	}
	sender := fhirRef{Reference: "Organization/" + r.SenderInstitutionID, Display: ins[r.SenderInstitutionID].Name}
	receiver := fhirRef{Reference: "Organization/" + r.ReceiverInstitutionID, Display: ins[r.ReceiverInstitutionID].Name}
	subject := fhirRef{Reference: "Patient/" + p.ID, Display: p.Name}

	pat := map[string]any{
		"resourceType": "Patient", "id": p.ID,
		"name":   []map[string]any{{"text": p.Name}},
		"gender": fhirGender(p.Sex), "birthDate": p.BirthDate,
		"managingOrganization": fhirRef{Reference: "Organization/" + p.HomeInstitutionID},
	}
	if p.MaskedNationalID != "" {
		pat["identifier"] = []map[string]any{{"system": "urn:lianxin:national-id-masked", "value": p.MaskedNationalID}}
	}
	sr := map[string]any{
		"resourceType": "ServiceRequest", "id": r.ID,
		"identifier": []fhirCoding{{System: hubIDSystem, Code: r.ID}},
		"status":     fhirRequestStatus(r.Status), "intent": "order",
		"category": []fhirConcept{{Coding: []fhirCoding{{System: "http://snomed.info/sct", Code: "3457005",
			Display: "Patient referral"}}}},
		"priority":   fhirPriorityOf(r.Urgency),
		"code":       fhirConcept{Coding: []fhirCoding{{System: lianxinSystem, Code: "referral-" + string(r.Direction)}}, Text: r.Reason},
		"subject":    subject,
		"requester":  sender,
		"performer":  []fhirRef{receiver},
		"reasonCode": diagnosisConcepts(r.Diagnoses),
		"note":       []map[string]string{{"text": r.Summary}},
	}
	if r.SubmittedAt != nil {
		sr["authoredOn"] = r.SubmittedAt.Format(time.RFC3339)
	}
	task := map[string]any{
		"resourceType": "Task", "id": r.ID + "-task",
		"identifier":     []fhirCoding{{System: hubIDSystem, Code: r.ID}},
		"basedOn":        []fhirRef{{Reference: "ServiceRequest/" + r.ID}},
		"status":         fhirTaskStatus[r.Status],
		"businessStatus": fhirConcept{Coding: []fhirCoding{{System: lianxinSystem, Code: string(r.Status)}}},
		"intent":         "order", "priority": fhirPriorityOf(r.Urgency),
		"focus":        fhirRef{Reference: "ServiceRequest/" + r.ID},
		"for":          subject,
		"requester":    sender,
		"owner":        receiver,
		"authoredOn":   r.CreatedAt.Format(time.RFC3339),
		"lastModified": r.UpdatedAt.Format(time.RFC3339),
	}
	if r.Note != "" {
		task["statusReason"] = fhirConcept{Text: r.Note}
	}
	if r.Outcome != nil {
		out := []map[string]any{{"type": fhirConcept{Text: "outcome summary"}, "valueString": r.Outcome.Summary}}
		if r.Outcome.Plan != "" {
			out = append(out, map[string]any{"type": fhirConcept{Text: "plan"}, "valueString": r.Outcome.Plan})
		}
		for _, dx := range diagnosisConcepts(r.Outcome.Diagnoses) {
			out = append(out, map[string]any{"type": fhirConcept{Text: "diagnosis"}, "valueCodeableConcept": dx})
		}
		task["output"] = out
	}
	if r.RedirectedToID != "" {
		task["statusReason"] = fhirConcept{Text: "redirected to ServiceRequest/" + r.RedirectedToID}
	}
	bundle := map[string]any{
		"resourceType": "Bundle", "type": "collection", "timestamp": s.store.Now().Format(time.RFC3339),
		"entry": []map[string]any{
			{"fullUrl": "urn:uuid:" + p.ID, "resource": pat},
			{"fullUrl": "urn:uuid:" + r.ID, "resource": sr},
			{"fullUrl": "urn:lianxin:task:" + r.ID, "resource": task},
		},
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/fhir+json; charset=utf-8")
	return c.JSON(http.StatusOK, bundle)
}
