package referral_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/referral"
)

func TestRequestValidate(t *testing.T) {
	type tc struct {
		name  string
		dir   referral.Direction
		edit  func(q *referral.Request)
		field string
	}
	cases := []tc{
		{"no patient", referral.Up, func(q *referral.Request) { q.PatientID = "  " }, "patientId"},
		{"no direction", referral.Up, func(q *referral.Request) { q.Direction = "" }, "direction"},
		{"unknown direction", referral.Up, func(q *referral.Request) { q.Direction = "sideways" }, "direction"},
		{"no urgency", referral.Up, func(q *referral.Request) { q.Urgency = "" }, "urgency"},
		{"unknown urgency", referral.Up, func(q *referral.Request) { q.Urgency = "asap" }, "urgency"},
		{"no receiver", referral.Up, func(q *referral.Request) { q.ReceiverInstitutionID = "" }, "receiverInstitutionId"},
		{"long department", referral.Up, func(q *referral.Request) { q.ReceiverDepartment = strings.Repeat("科", 101) }, "receiverDepartment"},
		{"no reason", referral.Up, func(q *referral.Request) { q.Reason = " " }, "reason"},
		{"long reason", referral.Up, func(q *referral.Request) { q.Reason = strings.Repeat("x", 501) }, "reason"},
		{"no summary", referral.Up, func(q *referral.Request) { q.Summary = "" }, "summary"},
		{"long summary", referral.Up, func(q *referral.Request) { q.Summary = strings.Repeat("x", 8001) }, "summary"},
		{"long medication", referral.Up, func(q *referral.Request) { q.Medication = strings.Repeat("x", 2001) }, "medication"},
		{"risk grade 6", referral.Up, func(q *referral.Request) { q.RiskGrade = 6 }, "riskGrade"},
		{"risk grade -1", referral.Up, func(q *referral.Request) { q.RiskGrade = -1 }, "riskGrade"},
		{"unknown sub-specialty", referral.Up, func(q *referral.Request) { q.SubSpecialty = "cardiology" }, "subSpecialty"},
		{"unknown diagnosis", referral.Up, func(q *referral.Request) { q.Diagnoses = []string{"F20.0", "J45"} }, "diagnoses"},
		{"malformed diagnosis", referral.Up, func(q *referral.Request) { q.Diagnoses = []string{"F200"} }, "diagnoses"},
		{"eleven diagnoses", referral.Up, func(q *referral.Request) {
			q.Diagnoses = []string{"F20", "F20.0", "F20.1", "F20.2", "F20.3", "F20.4", "F20.5", "F20.6", "F20.8", "F31", "F32"}
		}, "diagnoses"},
		{"down without discharge summary", referral.Down, func(q *referral.Request) { q.DischargeSummary = " " }, "dischargeSummary"},
		{"down without medication plan", referral.Down, func(q *referral.Request) { q.MedicationPlan = "" }, "medicationPlan"},
		{"down without follow-up plan", referral.Down, func(q *referral.Request) { q.FollowUpPlan = "" }, "followUpPlan"},
		{"long discharge summary", referral.Down, func(q *referral.Request) { q.DischargeSummary = strings.Repeat("x", 8001) }, "dischargeSummary"},
		{"long medication plan", referral.Down, func(q *referral.Request) { q.MedicationPlan = strings.Repeat("x", 4001) }, "medicationPlan"},
		{"long follow-up plan", referral.Down, func(q *referral.Request) { q.FollowUpPlan = strings.Repeat("x", 4001) }, "followUpPlan"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := validRequest(c.dir)
			c.edit(&q)
			wantErr(t, q.Validate(), apperr.Invalid, c.field)
		})
	}
	for _, d := range referral.Directions {
		q := validRequest(d)
		if err := q.Validate(); err != nil {
			t.Errorf("valid %s request: %v", d, err)
		}
	}
	// Upward and lateral referrals need no discharge papers.
	for _, d := range []referral.Direction{referral.Up, referral.Lateral} {
		q := validRequest(d)
		q.DischargeSummary, q.MedicationPlan, q.FollowUpPlan = "", "", ""
		if err := q.Validate(); err != nil {
			t.Errorf("%s without discharge papers: %v", d, err)
		}
	}
}

func TestRequestValidateNormalises(t *testing.T) {
	q := validRequest(referral.Up)
	q.PatientID, q.ReceiverInstitutionID, q.ReceiverDepartment = " p1 ", " "+receiverInst+" ", " 心境障碍科 "
	q.Reason, q.Summary = "  reason  ", "\tsummary\n"
	q.Diagnoses = []string{" f20.0", "F20.0", "F31"}
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	if q.PatientID != "p1" || q.ReceiverInstitutionID != receiverInst || q.ReceiverDepartment != "心境障碍科" ||
		q.Reason != "reason" || q.Summary != "summary" {
		t.Errorf("not trimmed: %+v", q)
	}
	if !slices.Equal(q.Diagnoses, []string{"F20.0", "F31"}) {
		t.Errorf("Diagnoses = %v, want normalised and deduplicated", q.Diagnoses)
	}
}

// TestFastTrackSuggestion: risk grade 3–5 or an unstable assessment
// proposes the fast track (2018 work standard); the doctor's urgency stands.
func TestFastTrackSuggestion(t *testing.T) {
	for grade := 0; grade <= 5; grade++ {
		for _, unstable := range []bool{false, true} {
			c := referral.Clinical{RiskGrade: grade, Unstable: unstable}
			want := grade >= 3 || unstable
			if got := c.SuggestsFastTrack(); got != want {
				t.Errorf("risk %d unstable %v: SuggestsFastTrack = %v, want %v", grade, unstable, got, want)
			}
			q := validRequest(referral.Up)
			q.RiskGrade, q.Unstable, q.Urgency = grade, unstable, referral.Routine
			r := referral.New(q, who(senderInst, auth.RoleDoctor), referral.DefaultSLA, t0)
			if r.FastTrackSuggested != want || r.Urgency != referral.Routine {
				t.Errorf("risk %d unstable %v: New suggested %v with urgency %s", grade, unstable, r.FastTrackSuggested, r.Urgency)
			}
		}
	}
}

// TestNewStartsTheClocks: a submitted referral runs the clocks of its
// urgency; a draft runs none.
func TestNewStartsTheClocks(t *testing.T) {
	h := time.Hour
	for _, c := range []struct {
		urgency referral.Urgency
		dir     referral.Direction
		accept  time.Duration
		admit   time.Duration // 0: none
		follow  bool
	}{
		{referral.Routine, referral.Up, 72 * h, 0, false},
		{referral.Urgent, referral.Up, 24 * h, 0, false},
		{referral.FastTrack, referral.Up, 2 * h, 24 * h, false},
		{referral.Routine, referral.Down, 72 * h, 0, true},
		{referral.FastTrack, referral.Lateral, 2 * h, 24 * h, false},
	} {
		q := validRequest(c.dir)
		q.Urgency = c.urgency
		w := who(senderInst, auth.RoleSpecialist)
		r := referral.New(q, w, referral.DefaultSLA, t0)
		if r.Status != referral.Requested || r.Version != 1 || r.SenderInstitutionID != senderInst || r.SenderUserID != w.UserID ||
			r.ReceiverInstitutionID != receiverInst || !r.CreatedAt.Equal(t0) {
			t.Errorf("%s %s: %+v", c.urgency, c.dir, r)
		}
		if r.SubmittedAt == nil || !r.SubmittedAt.Equal(t0) {
			t.Errorf("%s: SubmittedAt = %v", c.urgency, r.SubmittedAt)
		}
		if r.AcceptDueAt == nil || !r.AcceptDueAt.Equal(t0.Add(c.accept)) {
			t.Errorf("%s: AcceptDueAt = %v, want %v", c.urgency, r.AcceptDueAt, t0.Add(c.accept))
		}
		if (c.admit == 0) != (r.AdmitDueAt == nil) || (r.AdmitDueAt != nil && !r.AdmitDueAt.Equal(t0.Add(c.admit))) {
			t.Errorf("%s: AdmitDueAt = %v, want +%v", c.urgency, r.AdmitDueAt, c.admit)
		}
		if c.follow != (r.FollowUpDueAt != nil) || (c.follow && !r.FollowUpDueAt.Equal(t0.Add(14*24*h))) {
			t.Errorf("%s %s: FollowUpDueAt = %v", c.urgency, c.dir, r.FollowUpDueAt)
		}
		if due := r.DueAt(); due == nil || !due.Equal(*r.AcceptDueAt) {
			t.Errorf("%s: DueAt = %v, want the accept clock", c.urgency, due)
		}

		q.Draft = true
		d := referral.New(q, w, referral.DefaultSLA, t0)
		if d.Status != referral.Draft || d.SubmittedAt != nil || d.AcceptDueAt != nil || d.AdmitDueAt != nil ||
			d.FollowUpDueAt != nil || d.DueAt() != nil {
			t.Errorf("%s draft runs clocks: %+v", c.urgency, d)
		}
	}
}

func TestNewUsesTheAlliancesSLA(t *testing.T) {
	sla := referral.SLA{Routine: referral.Clock{Accept: 5 * 24 * time.Hour}, Urgent: referral.Clock{Accept: 8 * time.Hour},
		FastTrack: referral.Clock{Accept: 30 * time.Minute, Admit: 6 * time.Hour}, FirstFollowUp: 7 * 24 * time.Hour}
	q := validRequest(referral.Down)
	q.Urgency = referral.FastTrack
	r := referral.New(q, who(senderInst, auth.RoleSpecialist), sla, t0)
	if !r.AcceptDueAt.Equal(t0.Add(30*time.Minute)) || !r.AdmitDueAt.Equal(t0.Add(6*time.Hour)) ||
		!r.FollowUpDueAt.Equal(t0.Add(7*24*time.Hour)) {
		t.Errorf("clocks %v %v %v do not follow the alliance's SLA", r.AcceptDueAt, r.AdmitDueAt, r.FollowUpDueAt)
	}
}

func TestNewRedirect(t *testing.T) {
	old := referralIn(referral.Accepted, referral.Up)
	old.Urgency = referral.FastTrack
	in := referral.Input{Version: 3, ReceiverInstitutionID: " " + otherInst + " ", ReceiverDepartment: " mood ward "}
	n := referral.NewRedirect(old, in, referral.DefaultSLA, now)
	if n.Status != referral.Requested || n.Version != 1 || n.RedirectedFromID != old.ID || n.ReceiverInstitutionID != otherInst ||
		n.ReceiverDepartment != "mood ward" || n.SenderInstitutionID != senderInst || n.SenderUserID != old.SenderUserID ||
		n.PatientID != old.PatientID || n.AllianceID != old.AllianceID || n.Urgency != referral.FastTrack ||
		n.Direction != old.Direction || n.Summary != old.Summary {
		t.Errorf("redirected referral: %+v", n)
	}
	if n.AcceptDueAt == nil || !n.AcceptDueAt.Equal(now.Add(2*time.Hour)) || n.AdmitDueAt == nil ||
		!n.AdmitDueAt.Equal(now.Add(24*time.Hour)) {
		t.Errorf("the new receiver's clocks are not fresh: %v %v", n.AcceptDueAt, n.AdmitDueAt)
	}
	if n.AcceptedAt != nil || n.ClosedAt != nil || n.Note != "" {
		t.Errorf("the redirect carried the old receiver's state: %+v", n)
	}
}
