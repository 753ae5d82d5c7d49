package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

func sweep(t *testing.T, s *store.Store) int {
	t.Helper()
	n, err := s.SweepSLABreaches(t.Context())
	if err != nil {
		t.Fatalf("SweepSLABreaches: %v", err)
	}
	return n
}

// TestSLASweep moves a manual clock past the fast track's clocks: each
// breach is recorded once, kept for reporting, and told to the receiving
// institution's convener only.
func TestSLASweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, fresh *store.Store) {
		c := newClock()
		s := openClocked(t, fresh.Dialect(), c)
		w := newRefWorld(t, s)
		fast := w.create(t, "chc-doctor", w.upRequest(w.patientID, referral.FastTrack))
		routine := w.create(t, "chc-doctor", w.upRequest(w.patientID, referral.Routine))
		urgent := w.create(t, "chc-doctor", w.upRequest(w.patientID, referral.Urgent))
		w.act(t, "convener", urgent.ID, referral.Accept, refInput(referral.Accept, 1)) // in time
		publishAll(t, s)                                                               // the creates' own notifications
		before := count(t, s, "notifications", "")

		c.Advance(2 * time.Hour)
		if n := sweep(t, s); n != 0 {
			t.Fatalf("at the due time itself: %d breaches", n)
		}
		c.Advance(time.Second)
		if n := sweep(t, s); n != 1 {
			t.Fatalf("just past the fast track's accept clock: %d breaches, want 1", n)
		}
		if n := sweep(t, s); n != 0 {
			t.Errorf("a second sweep recorded %d more", n)
		}
		row := rawRow(t, s, "SELECT referral_id, kind, urgency, receiver_institution_id FROM sla_breaches")
		if row["referral_id"] != fast.ID || row["kind"] != "accept" || row["urgency"] != "fast_track" ||
			row["receiver_institution_id"] != w.instID(instCore) {
			t.Errorf("breach row %v", row)
		}

		ns := publishAll(t, s)
		var told []string
		for _, n := range ns {
			if n.Kind != "referral.sla_breach" || n.ReferralID != fast.ID || n.Action != "sla_breach_accept" {
				t.Errorf("unexpected notification %+v", n)
			}
			told = append(told, n.UserID)
		}
		if want := []string{w.user("convener").ID}; !slices.Equal(told, want) {
			t.Errorf("breach told to %v, want the receiving convener %v only", told, want)
		}
		if n := count(t, s, "notifications", "kind = 'referral.sla_breach'"); n != 1 || count(t, s, "notifications", "") != before+1 {
			t.Errorf("%d breach notifications", n)
		}

		// Past a day: the fast track was not admitted; routine and urgent are fine.
		c.Advance(22 * time.Hour)
		if n := sweep(t, s); n != 1 {
			t.Fatalf("past the admit clock: %d breaches, want 1 (admit)", n)
		}
		if n := count(t, s, "sla_breaches", "referral_id = ? AND kind = 'admit'", fast.ID); n != 1 {
			t.Errorf("no admit breach recorded")
		}
		// Past three days the routine referral breaches too; the accepted
		// urgent one never does.
		c.Advance(48 * time.Hour)
		if n := sweep(t, s); n != 1 {
			t.Fatalf("past the routine accept clock: %d breaches, want 1", n)
		}
		if n := count(t, s, "sla_breaches", "referral_id = ?", routine.ID); n != 1 {
			t.Errorf("routine breach not recorded")
		}
		if n := count(t, s, "sla_breaches", "referral_id = ?", urgent.ID); n != 0 {
			t.Errorf("an urgent referral accepted in time was marked breached")
		}
		// Breaches are kept after the referral moves on.
		w.act(t, "specialist", fast.ID, referral.Accept, refInput(referral.Accept, 1))
		if n := sweep(t, s); n != 0 {
			t.Errorf("sweep after accepting: %d", n)
		}
		bs, err := s.ListSLABreaches(w.as("specialist"))
		if err != nil || len(bs) != 3 {
			t.Fatalf("receiver's breaches = %+v, %v; want 3", bs, err)
		}
		if bs, _ := s.ListSLABreaches(w.as("chc-doctor")); len(bs) != 0 {
			t.Errorf("the sender lists the receiver's breaches: %+v", bs)
		}
		breachNotes := 0
		for _, n := range publishAll(t, s) {
			if n.Kind != "referral.sla_breach" {
				continue
			}
			breachNotes++
			if n.UserID != w.user("convener").ID {
				t.Errorf("breach notification to %s", n.UserID)
			}
		}
		if breachNotes != 2 {
			t.Errorf("%d notifications of the admit and routine breaches, want 2", breachNotes)
		}
	})
}

// TestReferralSLAConfiguration: an alliance's administrator sets its clocks,
// which apply to referrals submitted from then on.
func TestReferralSLAConfiguration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newRefWorld(t, s)
		got, err := s.ReferralSLA(t.Context(), w.alliance.ID)
		if err != nil || got != referral.DefaultSLA {
			t.Fatalf("unconfigured SLA = %+v, %v; want the defaults", got, err)
		}
		sla := referral.DefaultSLA
		sla.Urgent.Accept = 8 * time.Hour
		wantCode(t, s.SetReferralSLA(w.as("specialist"), w.alliance.ID, sla), apperr.Forbidden, "")
		bad := sla
		bad.Routine.Accept = 0
		wantCode(t, s.SetReferralSLA(w.as("admin"), w.alliance.ID, bad), apperr.Invalid, "routine.accept")
		if err := s.SetReferralSLA(w.as("admin"), w.alliance.ID, sla); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.ReferralSLA(t.Context(), w.alliance.ID); got != sla {
			t.Errorf("stored SLA %+v, want %+v", got, sla)
		}
		r := w.create(t, "chc-doctor", w.upRequest(w.patientID, referral.Urgent))
		if d := r.AcceptDueAt.Sub(*r.SubmittedAt); d != 8*time.Hour {
			t.Errorf("urgent accept clock %v, want the alliance's 8h", d)
		}
		if n := auditCount(t, s, "alliance.sla_update", ""); n != 1 {
			t.Errorf("%d SLA updates audited", n)
		}
	})
}
