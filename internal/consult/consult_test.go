package consult

import (
	"strings"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/referral"
)

var (
	t0        = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	doctor    = referral.Who{UserID: "doc", InstitutionID: "chc", Roles: []auth.Role{auth.RoleDoctor}}
	spec      = referral.Who{UserID: "spec", InstitutionID: "core", Roles: []auth.Role{auth.RoleSpecialist}}
	colleague = referral.Who{UserID: "spec2", InstitutionID: "core", Roles: []auth.Role{auth.RoleSpecialist}}
	convener  = referral.Who{UserID: "conv", InstitutionID: "core", Roles: []auth.Role{auth.RoleConvener}}
	outsider  = referral.Who{UserID: "x", InstitutionID: "county", Roles: []auth.Role{auth.RoleSpecialist, auth.RoleConvener}}
)

func newConsult(t *testing.T) Consult {
	t.Helper()
	q := Request{PatientID: "p", TargetInstitutionID: "core", Question: " 是否需要调药？ ", Summary: "抑郁三月",
		Diagnoses: []string{"f32.1"}}
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	c := New(q, doctor, t0)
	c.ID = "c1"
	return c
}

func step(t *testing.T, c *Consult, a Action, in Input, who referral.Who, at time.Time) error {
	t.Helper()
	rule, err := Authorize(c, a, who)
	if err != nil {
		return err
	}
	_, err = Apply(c, rule, in, who, at)
	return err
}

func code(err error) string { return apperr.Code(err) }

func TestConversationAndPausedClock(t *testing.T) {
	c := newConsult(t)
	if c.Status != Requested || c.Question != "是否需要调药？" || c.Diagnoses[0] != "F32.1" {
		t.Fatalf("new consult: %+v", c)
	}
	// Only the convener (or the specialist for themself) assigns.
	if err := step(t, &c, Assign, Input{Version: 1, SpecialistUserID: "spec"}, doctor, t0); code(err) != apperr.Forbidden {
		t.Fatalf("doctor assigning: %v", err)
	}
	if err := step(t, &c, Assign, Input{Version: 1, SpecialistUserID: "spec"}, colleague, t0); code(err) != apperr.Forbidden {
		t.Fatalf("specialist assigning a colleague: %v", err)
	}
	if err := step(t, &c, Assign, Input{Version: 1, SpecialistUserID: "spec"}, outsider, t0); code(err) != apperr.Forbidden {
		t.Fatalf("convener of another institution assigning: %v", err)
	}
	if err := step(t, &c, Assign, Input{Version: 1, SpecialistUserID: "spec"}, convener, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Only the assigned specialist asks and answers.
	if err := step(t, &c, RequestInfo, Input{Version: 2, Message: "剂量？"}, colleague, t0); code(err) != apperr.Forbidden {
		t.Fatalf("colleague asking: %v", err)
	}
	if err := step(t, &c, RequestInfo, Input{Version: 2}, spec, t0); code(err) != apperr.Invalid {
		t.Fatalf("empty question: %v", err)
	}
	if err := step(t, &c, RequestInfo, Input{Version: 2, Message: "剂量？"}, spec, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := step(t, &c, Answer, Input{Version: 3, Opinion: &Opinion{Impression: "a", Recommendations: "b"}}, spec, t0); code(err) != apperr.Conflict {
		t.Fatalf("answering while waiting for information: %v", err)
	}
	// The requester answers 10 hours later: the clock was paused meanwhile.
	if err := step(t, &c, ProvideInfo, Input{Version: 3, Message: "舍曲林 50mg"}, doctor, t0.Add(12*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := step(t, &c, ProvideInfo, Input{Version: 4, Message: "again"}, doctor, t0); code(err) != apperr.Conflict {
		t.Fatalf("answering twice: %v", err)
	}
	err := step(t, &c, Answer, Input{Version: 4, Opinion: &Opinion{Impression: "中度抑郁发作", Diagnoses: []string{"F32.1"},
		Recommendations: "门诊随访", MedicationRecommendations: "可加量至 100mg", ReferralAdvised: true}}, spec, t0.Add(15*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// 15 h from submission less 10 h paused.
	if c.Status != Answered || c.ResponseSecs == nil || *c.ResponseSecs != int64(5*3600) {
		t.Fatalf("status %s, response %v; want answered in 5h of specialist clock", c.Status, c.ResponseSecs)
	}
	if c.Opinion.Disclaimer != NoPrescription || !strings.Contains(c.Opinion.Disclaimer, "not a prescription") {
		t.Fatalf("the opinion must say it is not a prescription: %q", c.Opinion.Disclaimer)
	}
	if err := step(t, &c, Cancel, Input{Version: 5, Message: "no"}, doctor, t0); code(err) != apperr.Conflict {
		t.Fatalf("cancelling an answered consult: %v", err)
	}
}

func TestStaleVersionAndBadOpinion(t *testing.T) {
	c := newConsult(t)
	if err := step(t, &c, Assign, Input{Version: 7, SpecialistUserID: "spec"}, spec, t0); code(err) != apperr.Conflict {
		t.Fatalf("stale version: %v", err)
	}
	if err := step(t, &c, Assign, Input{Version: 1, SpecialistUserID: "spec"}, spec, t0); err != nil {
		t.Fatalf("specialist taking it: %v", err)
	}
	for _, bad := range []struct {
		op    *Opinion
		field string
	}{
		{nil, "opinion"},
		{&Opinion{Recommendations: "b"}, "opinion.impression"},
		{&Opinion{Impression: "a"}, "opinion.recommendations"},
		{&Opinion{Impression: "a", Recommendations: "b", Diagnoses: []string{"Z99"}}, "opinion.diagnoses"},
	} {
		err := step(t, &c, Answer, Input{Version: 2, Opinion: bad.op}, spec, t0)
		if e, ok := apperr.As(err); !ok || e.Code != apperr.Invalid || e.Field != bad.field {
			t.Errorf("opinion %+v: %v, want invalid %s", bad.op, err, bad.field)
		}
	}
	if c.Status != Assigned || c.Version != 2 {
		t.Fatalf("refused answers changed the consult: %s v%d", c.Status, c.Version)
	}
}

func TestReferralDraft(t *testing.T) {
	c := newConsult(t)
	if _, err := c.ReferralDraft("core"); code(err) != apperr.Conflict {
		t.Fatalf("draft from an unanswered consult: %v", err)
	}
	c.Status, c.Urgency = Answered, "urgent"
	c.Opinion = &Opinion{Impression: "双相障碍", Diagnoses: []string{"F31.2"}, Recommendations: "住院"}
	q, err := c.ReferralDraft("core")
	if err != nil {
		t.Fatal(err)
	}
	if q.Direction != referral.Up || q.Urgency != referral.Urgent || q.Diagnoses[0] != "F31.2" ||
		q.Reason != c.Question || !strings.Contains(q.Summary, "双相障碍") {
		t.Fatalf("draft %+v", q)
	}
	if err := q.Validate(); err != nil {
		t.Fatalf("the draft must be a valid referral request: %v", err)
	}
	c.ReferralID = "r1"
	if _, err := c.ReferralDraft("core"); code(err) != apperr.Conflict {
		t.Fatalf("converting twice: %v", err)
	}
}

func TestCheckConsultant(t *testing.T) {
	ok := auth.User{InstitutionID: "core", Roles: []auth.Role{auth.RoleSpecialist}, PracticeYears: 3}
	if err := CheckConsultant("f", ok, "core"); err != nil {
		t.Fatal(err)
	}
	for name, u := range map[string]auth.User{
		"2 years":    {InstitutionID: "core", Roles: []auth.Role{auth.RoleSpecialist}, PracticeYears: 2},
		"not there":  {InstitutionID: "county", Roles: []auth.Role{auth.RoleSpecialist}, PracticeYears: 9},
		"a convener": {InstitutionID: "core", Roles: []auth.Role{auth.RoleConvener}, PracticeYears: 9},
		"disabled":   {InstitutionID: "core", Roles: []auth.Role{auth.RoleSpecialist}, PracticeYears: 9, Disabled: true},
	} {
		if e, ok := apperr.As(CheckConsultant("f", u, "core")); !ok || e.Field != "f" {
			t.Errorf("%s: accepted as consultant", name)
		}
	}
}
