package store_test

import (
	"testing"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/consult"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

// TestConsultToReferral runs an eConsult from question to a linked
// referral: consent gates, the queue, the opinion, the conversion.
func TestConsultToReferral(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		chc, core := f.as("chc-doctor"), f.instID(instCore)
		p := newPatient(t, s, chc, "孙七", nationalID("340104", "1988-09-10", "321"))
		q := consult.Request{PatientID: p.ID, TargetInstitutionID: core, Question: "诊断是否成立？",
			Summary: "情绪高涨两周", Diagnoses: []string{"F31.1"}}

		_, err := s.CreateConsult(chc, q)
		wantCode(t, err, apperr.Invalid, "patientId") // no teleconsult consent yet
		if n := count(t, s, "consults", ""); n != 0 {
			t.Fatalf("%d consults written without consent", n)
		}
		_, err = s.AddConsent(chc, patient.Consent{PatientID: p.ID, Scope: patient.ScopeTeleconsult, SignedBy: "patient",
			SignerName: "孙七", SignedOn: "2026-01-02"})
		must(t, err)
		junior := newUser(t, s, "junior", core, "specialist")
		execSQL(t, s, "UPDATE users SET practice_years = 1 WHERE id = ?", junior.ID)
		named := q
		named.SpecialistUserID = junior.ID
		_, err = s.CreateConsult(chc, named)
		wantCode(t, err, apperr.Invalid, "specialistUserId")

		c, err := s.CreateConsult(chc, q)
		must(t, err)
		// The core hospital now sees the patient; an unrelated county hospital sees neither.
		if _, err := s.GetPatient(f.as("specialist"), p.ID); err != nil {
			t.Fatalf("the consulted institution cannot see the patient: %v", err)
		}
		_, err = s.GetConsult(f.as("county-doctor"), c.ID)
		wantCode(t, err, apperr.NotFound, "")

		queue, err := s.ListConsults(f.as("convener"), store.ConsultFilter{Box: "queue"})
		if err != nil || len(queue) != 1 || queue[0].PatientName != "孙七" {
			t.Fatalf("queue = %+v, %v", queue, err)
		}
		spec := f.user("specialist")
		_, err = s.ActOnConsult(f.as("convener"), c.ID, consult.Assign, consult.Input{Version: 1, SpecialistUserID: junior.ID})
		wantCode(t, err, apperr.Invalid, "specialistUserId")
		_, err = s.ActOnConsult(f.as("convener"), c.ID, consult.Assign, consult.Input{Version: 1, SpecialistUserID: spec.ID})
		must(t, err)
		mine, _ := s.ListConsults(f.as("specialist"), store.ConsultFilter{Box: "mine"})
		if len(mine) != 1 {
			t.Fatalf("the assigned specialist's list has %d consults", len(mine))
		}
		_, err = s.ConvertConsultToReferral(chc, c.ID, "", "")
		wantCode(t, err, apperr.Conflict, "") // not answered yet
		_, err = s.ActOnConsult(f.as("specialist"), c.ID, consult.Answer, consult.Input{Version: 2,
			Opinion: &consult.Opinion{Impression: "躁狂发作", Diagnoses: []string{"F31.1"}, Recommendations: "建议住院",
				ReferralAdvised: true}})
		must(t, err)

		_, err = s.ConvertConsultToReferral(f.as("specialist"), c.ID, "", "")
		wantCode(t, err, apperr.Forbidden, "")
		_, err = s.ConvertConsultToReferral(chc, c.ID, referral.Urgent, "")
		wantCode(t, err, apperr.Invalid, "patientId") // a referral needs its own consent
		if n := count(t, s, "referrals", ""); n != 0 {
			t.Fatalf("%d referrals written without referral consent", n)
		}
		_, err = s.AddConsent(chc, patient.Consent{PatientID: p.ID, Scope: patient.ScopeReferral, SignedBy: "patient",
			SignerName: "孙七", SignedOn: "2026-01-02"})
		must(t, err)
		r, err := s.ConvertConsultToReferral(chc, c.ID, referral.Urgent, "")
		must(t, err)
		if r.ConsultID != c.ID || r.Urgency != referral.Urgent || r.Status != referral.Requested ||
			r.ReceiverInstitutionID != core || r.Diagnoses[0] != "F31.1" {
			t.Fatalf("referral from consult: %+v", r)
		}
		d, err := s.GetConsult(chc, c.ID)
		must(t, err)
		if d.Consult.ReferralID != r.ID {
			t.Fatalf("consult links to %q, want %q", d.Consult.ReferralID, r.ID)
		}
		_, err = s.ConvertConsultToReferral(chc, c.ID, "", "")
		wantCode(t, err, apperr.Conflict, "")
		if n := count(t, s, "referrals", ""); n != 1 {
			t.Fatalf("%d referrals, want 1", n)
		}
		if n := auditCount(t, s, "consult.convert_referral", p.ID); n != 1 {
			t.Fatalf("%d conversion audit entries, want 1", n)
		}
	})
}
