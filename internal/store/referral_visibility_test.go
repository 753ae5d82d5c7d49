package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

func incomingIDs(t *testing.T, s *store.Store, w *refWorld, username string) []string {
	t.Helper()
	return listAll(t, s, w.as(username), store.ReferralFilter{Box: store.Incoming})
}

// TestReceiverCannotSeeDrafts: a draft is the sender's alone until it is
// submitted; to the receiver it does not exist, and neither does its patient.
func TestReceiverCannotSeeDrafts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newRefWorld(t, s)
		pid := w.patientAt(t, "chc-doctor", "referral")
		q := w.upRequest(pid, referral.Urgent)
		q.Draft = true
		d := w.create(t, "chc-doctor", q)
		for _, u := range []string{"specialist", "convener"} {
			_, err := s.GetReferral(w.as(u), d.ID)
			wantCode(t, err, apperr.NotFound, "")
			for _, a := range []referral.Action{referral.Accept, referral.Hold, referral.Cancel} {
				_, err = s.ActOnReferral(w.as(u), d.ID, a, refInput(a, 1))
				wantCode(t, err, apperr.NotFound, "")
			}
			_, err = s.GetPatient(w.as(u), pid)
			wantCode(t, err, apperr.NotFound, "")
			if ids := incomingIDs(t, s, w, u); len(ids) != 0 {
				t.Errorf("%s's incoming box lists a draft: %v", u, ids)
			}
		}
		if row := rawRow(t, s, "SELECT status, version FROM referrals WHERE id = ?", d.ID); row["status"] != "draft" || row["version"] != "1" {
			t.Errorf("the receiver changed a draft: %v", row)
		}
		// A draft cancelled before it was ever submitted stays the sender's:
		// the receiver neither sees it nor hears of it, nor gains its patient.
		q2 := w.upRequest(w.patientAt(t, "chc-doctor"), referral.Routine)
		q2.Draft = true
		abandoned := w.create(t, "chc-doctor", q2)
		w.act(t, "chc-doctor", abandoned.ID, referral.Cancel, refInput(referral.Cancel, 1))
		_, err := s.GetReferral(w.as("specialist"), abandoned.ID)
		wantCode(t, err, apperr.NotFound, "")
		_, err = s.GetPatient(w.as("specialist"), q2.PatientID)
		wantCode(t, err, apperr.NotFound, "")
		if ids := incomingIDs(t, s, w, "specialist"); len(ids) != 0 {
			t.Errorf("the receiver's incoming box lists a cancelled draft: %v", ids)
		}
		for _, n := range publishAll(t, s) {
			if n.UserID != w.user("chc-doctor").ID {
				t.Errorf("a draft's events reached %s: %+v", n.UserID, n)
			}
		}

		// Submitted, it appears at the receiver with its patient.
		w.act(t, "chc-doctor", d.ID, referral.Submit, referral.Input{Version: 1})
		if _, err := s.GetReferral(w.as("specialist"), d.ID); err != nil {
			t.Errorf("submitted referral: %v", err)
		}
		if _, err := s.GetPatient(w.as("specialist"), pid); err != nil {
			t.Errorf("the receiver cannot see the submitted referral's patient: %v", err)
		}
		if ids := incomingIDs(t, s, w, "specialist"); !slices.Equal(ids, []string{d.ID}) {
			t.Errorf("incoming after submit: %v", ids)
		}
	})
}

// TestThirdInstitutionSeesNothing: a member of the alliance that is party to
// none of the referral, and an institution outside it, find neither the
// referral nor its patient.
func TestThirdInstitutionSeesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newRefWorld(t, s)
		r := w.create(t, "chc-doctor", w.upRequest(w.patientID, referral.Urgent))
		outside := newInstitution(t, s, "外省某医院")
		stranger := asUser(t, newUser(t, s, "stranger", outside.ID, auth.RoleSpecialist))
		for _, c := range []struct {
			name string
			ctx  context.Context
		}{
			{"county-doctor (a member)", w.as("county-doctor")},
			{"a specialist outside the alliance", stranger},
		} {
			t.Run(c.name, func(t *testing.T) {
				ctx := c.ctx
				_, err := s.GetReferral(ctx, r.ID)
				wantCode(t, err, apperr.NotFound, "")
				_, err = s.GetPatient(ctx, w.patientID)
				wantCode(t, err, apperr.NotFound, "")
				for _, a := range referral.Actions {
					_, err = s.ActOnReferral(ctx, r.ID, a, refInput(a, 1))
					wantCode(t, err, apperr.NotFound, "")
				}
				for _, box := range []store.ReferralBox{store.Incoming, store.Outgoing} {
					if ids := listAll(t, s, ctx, store.ReferralFilter{Box: box}); len(ids) != 0 {
						t.Errorf("%s box lists %v", box, ids)
					}
				}
			})
		}
		if row := rawRow(t, s, "SELECT status, version FROM referrals WHERE id = ?", r.ID); row["status"] != "requested" || row["version"] != "1" {
			t.Errorf("outsiders changed the referral: %v", row)
		}
		if n := count(t, s, "referral_events", "referral_id = ?", r.ID); n != 1 {
			t.Errorf("outsiders wrote %d events", n-1)
		}
	})
}

// TestRedirectOpensALinkedReferral: the core hospital passes a referral on
// to the general hospital's department; the old one closes, the new one is
// requested there, linked both ways, and visible to its new receiver only.
func TestRedirectOpensALinkedReferral(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newRefWorld(t, s)
		general := newUser(t, s, "general-specialist", w.instID(instGeneral), auth.RoleSpecialist)
		w.users[general.Username] = general
		r := w.create(t, "chc-doctor", w.upRequest(w.patientID, referral.FastTrack))

		// Refused targets leave everything as it was.
		outside := newInstitution(t, s, "外省某医院")
		before := tableCounts(t, s, referralTables...)
		for _, c := range []struct {
			target, field string
		}{
			{w.instID(instMingguang), "receiverInstitutionId"}, // a CHC: wrong level for an upward referral
			{outside.ID, "receiverInstitutionId"},
			{w.instID(instCore), "receiverInstitutionId"},
			{w.instID(instSanlian), "receiverInstitutionId"},
			{"", "receiverInstitutionId"},
		} {
			in := refInput(referral.Redirect, 1)
			in.ReceiverInstitutionID = c.target
			_, err := s.ActOnReferral(w.as("specialist"), r.ID, referral.Redirect, in)
			wantCode(t, err, apperr.Invalid, c.field)
		}
		if after := tableCounts(t, s, referralTables...); !mapsEqual(before, after) {
			t.Errorf("refused redirects wrote rows: %v → %v", before, after)
		}
		if n := auditCount(t, s, "referral.redirect", ""); n != 0 {
			t.Errorf("a refused redirect was audited")
		}

		in := refInput(referral.Redirect, 1)
		in.ReceiverInstitutionID, in.ReceiverDepartment = w.instID(instGeneral), "心身科"
		old := w.act(t, "specialist", r.ID, referral.Redirect, in)
		if old.Status != referral.Redirected || old.RedirectedToID == "" || old.ClosedAt == nil || old.Version != 2 {
			t.Fatalf("old referral after redirect: %+v", old)
		}
		genCtx := asUser(t, general)
		nd, err := s.GetReferral(genCtx, old.RedirectedToID)
		if err != nil {
			t.Fatalf("the new receiver cannot see the new referral: %v", err)
		}
		n := nd.Referral
		if n.Status != referral.Requested || n.Version != 1 || n.RedirectedFromID != r.ID ||
			n.ReceiverInstitutionID != w.instID(instGeneral) || n.ReceiverDepartment != "心身科" ||
			n.SenderInstitutionID != w.instID(instSanlian) || n.SenderUserID != w.user("chc-doctor").ID ||
			n.PatientID != w.patientID || n.Summary != r.Summary || n.Urgency != referral.FastTrack || n.AcceptDueAt == nil {
			t.Errorf("new referral: %+v", n)
		}
		if len(nd.Events) != 1 || nd.Events[0].Action != referral.Create || nd.Events[0].Note != "redirected from "+r.ID {
			t.Errorf("new referral's timeline: %+v", nd.Events)
		}
		_, err = s.GetReferral(genCtx, r.ID)
		wantCode(t, err, apperr.NotFound, "")
		if _, err := s.GetPatient(genCtx, w.patientID); err != nil {
			t.Errorf("the new receiver cannot see the patient: %v", err)
		}
		if ids := incomingIDs(t, s, w, "specialist"); !slices.Equal(ids, []string{r.ID}) {
			t.Errorf("the old receiver's incoming box: %v", ids)
		}
		if ids := listAll(t, s, genCtx, store.ReferralFilter{Box: store.Incoming}); !slices.Equal(ids, []string{n.ID}) {
			t.Errorf("the new receiver's incoming box: %v", ids)
		}
		out := listAll(t, s, w.as("chc-doctor"), store.ReferralFilter{Box: store.Outgoing})
		if len(out) != 2 || !slices.Contains(out, r.ID) || !slices.Contains(out, n.ID) {
			t.Errorf("the sender's outgoing box: %v", out)
		}
		// The new receiver takes it from here; the old one can no longer act.
		_, err = s.ActOnReferral(w.as("specialist"), n.ID, referral.Accept, refInput(referral.Accept, 1))
		wantCode(t, err, apperr.NotFound, "")
		_, err = s.ActOnReferral(w.as("specialist"), r.ID, referral.Accept, refInput(referral.Accept, 2))
		wantCode(t, err, apperr.Conflict, "")
		if a := w.act(t, "general-specialist", n.ID, referral.Accept, refInput(referral.Accept, 1)); a.Status != referral.Accepted {
			t.Errorf("new receiver's accept: %s", a.Status)
		}
		// Both referrals told their parties.
		if c := count(t, s, "outbox", "referral_id = ?", n.ID); c != 2 {
			t.Errorf("%d outbox rows for the new referral (create, accept)", c)
		}
		if c := count(t, s, "outbox", "referral_id = ? AND payload LIKE ?", r.ID, `%"action":"redirect"%`); c != 1 {
			t.Errorf("%d redirect events for the old referral", c)
		}
	})
}
