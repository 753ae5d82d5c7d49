package store_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

// The referral tests build on the demo alliance (seedDemo): chc-doctor at
// the 三里庵 CHC refers up to the core hospital, where specialist and
// convener work; county-doctor's county hospital is a member that is party
// to none of these referrals.

const instMingguang = "合肥市瑶海区明光路街道社区卫生服务中心" // another CHC of the alliance

// refWorld is the demo alliance with a patient of the CHC who consented to referral.
type refWorld struct {
	*fixture
	patientID string
	serial    int
}

func newRefWorld(t *testing.T, s *store.Store) *refWorld {
	t.Helper()
	w := &refWorld{fixture: seedDemo(t, s)}
	w.patientID = w.patientAt(t, "chc-doctor", patient.ScopeReferral)
	return w
}

// patientAt registers a new patient as username, with consents of scopes.
func (w *refWorld) patientAt(t *testing.T, username string, scopes ...patient.Scope) string {
	t.Helper()
	w.serial++
	ctx := w.as(username)
	p := newPatient(t, w.s, ctx, fmt.Sprintf("患者%d", w.serial), nationalID("340104", "1985-06-01", fmt.Sprintf("%03d", w.serial)))
	for _, sc := range scopes {
		if _, err := w.s.AddConsent(ctx, patient.Consent{PatientID: p.ID, Scope: sc, SignedBy: "patient",
			SignerName: p.Name, SignedOn: "2025-01-02"}); err != nil {
			t.Fatalf("AddConsent(%s): %v", sc, err)
		}
	}
	return p.ID
}

// upRequest is an upward referral of patientID from the CHC to the core hospital.
func (w *refWorld) upRequest(patientID string, u referral.Urgency) referral.Request {
	return referral.Request{PatientID: patientID, Direction: referral.Up, Urgency: u,
		ReceiverInstitutionID: w.instID(instCore),
		Clinical: referral.Clinical{Reason: "relapse, refuses medication", Summary: "hearing voices for 3 weeks",
			Diagnoses: []string{"F20.0"}, RiskGrade: 3, SubSpecialty: "general_adult"}}
}

// create makes a referral as username and fails the test on error.
func (w *refWorld) create(t *testing.T, username string, q referral.Request) referral.Referral {
	t.Helper()
	r, created, err := w.s.CreateReferral(w.as(username), q, "")
	if err != nil || !created {
		t.Fatalf("CreateReferral as %s = %v, %v", username, created, err)
	}
	return r
}

// act takes action as username and fails the test on error.
func (w *refWorld) act(t *testing.T, username, id string, a referral.Action, in referral.Input) referral.Referral {
	t.Helper()
	r, err := w.s.ActOnReferral(w.as(username), id, a, in)
	if err != nil {
		t.Fatalf("%s %s as %s: %v", a, id, username, err)
	}
	return r
}

// refInput is a valid body for action a at version (redirects name their target).
func refInput(a referral.Action, version int) referral.Input {
	in := referral.Input{Version: version}
	switch a {
	case referral.Return, referral.Hold, referral.Resume, referral.Cancel, referral.Fail, referral.Redirect:
		in.Note = "reason for " + string(a)
	case referral.Schedule:
		at := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
		in.At, in.Place = &at, "门诊楼 3 层 301"
	case referral.Complete:
		in.Outcome = &referral.Outcome{Summary: "admitted 12 days; remission", Diagnoses: []string{"F20.0"}, Plan: "risperidone 4 mg"}
		in.FollowUp = &referral.FollowUp{Date: time.Now().UTC().Format(time.DateOnly), RiskGrade: 1, Condition: referral.Stable}
	}
	return in
}

func tableCounts(t *testing.T, s *store.Store, tables ...string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tb := range tables {
		out[tb] = count(t, s, tb, "")
	}
	return out
}

var referralTables = []string{"referrals", "referral_events", "outbox", "idempotency_keys", "care_relations"}

func TestCreateReferralNeedsReferralConsent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newRefWorld(t, s)
		ctx := w.as("chc-doctor")
		for name, scopes := range map[string][]patient.Scope{
			"no consent":               nil,
			"teleconsult consent only": {patient.ScopeTeleconsult, patient.ScopeFollowUp},
		} {
			t.Run(name, func(t *testing.T) {
				pid := w.patientAt(t, "chc-doctor", scopes...)
				before := tableCounts(t, s, referralTables...)
				audits := count(t, s, "audit_log", "action = 'referral.create'")
				_, _, err := s.CreateReferral(ctx, w.upRequest(pid, referral.Urgent), "key-"+pid)
				wantCode(t, err, apperr.Invalid, "patientId")
				if after := tableCounts(t, s, referralTables...); !mapsEqual(before, after) {
					t.Errorf("a refused referral wrote rows: %v → %v", before, after)
				}
				if n := count(t, s, "audit_log", "action = 'referral.create'"); n != audits {
					t.Errorf("a refused referral was audited as created")
				}
			})
		}

		// A draft needs no consent yet; submitting it does.
		pid := w.patientAt(t, "chc-doctor")
		q := w.upRequest(pid, referral.Routine)
		q.Draft = true
		d := w.create(t, "chc-doctor", q)
		if d.Status != referral.Draft {
			t.Fatalf("draft status %s", d.Status)
		}
		_, err := s.ActOnReferral(ctx, d.ID, referral.Submit, referral.Input{Version: 1})
		wantCode(t, err, apperr.Invalid, "patientId")
		if n := count(t, s, "referral_events", "referral_id = ?", d.ID); n != 1 {
			t.Errorf("a refused submit wrote events: %d", n)
		}
		if row := rawRow(t, s, "SELECT status, version FROM referrals WHERE id = ?", d.ID); row["status"] != "draft" || row["version"] != "1" {
			t.Errorf("a refused submit changed the referral: %v", row)
		}
		if _, err := s.AddConsent(ctx, patient.Consent{PatientID: pid, Scope: patient.ScopeReferral, SignedBy: "guardian",
			SignerName: "母亲", SignerRelation: "母亲", SignedOn: "2025-01-02"}); err != nil {
			t.Fatal(err)
		}
		if r := w.act(t, "chc-doctor", d.ID, referral.Submit, referral.Input{Version: 1}); r.Status != referral.Requested || r.Version != 2 {
			t.Errorf("submit after consent: %s v%d", r.Status, r.Version)
		}

		// A patient the sender cannot see is not found.
		hidden := w.patientAt(t, "county-doctor", patient.ScopeReferral)
		_, _, err = s.CreateReferral(ctx, w.upRequest(hidden, referral.Urgent), "")
		wantCode(t, err, apperr.NotFound, "")
	})
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestCreateReferralChecksTheReceiver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newRefWorld(t, s)
		outside := newInstitution(t, s, "外省某医院")
		other := newUser(t, s, "other-doc", w.instID(instFeixi), auth.RoleDoctor)
		for _, c := range []struct {
			name  string
			edit  func(q *referral.Request)
			field string
		}{
			{"not a member of the alliance", func(q *referral.Request) { q.ReceiverInstitutionID = outside.ID }, "receiverInstitutionId"},
			{"unknown institution", func(q *referral.Request) { q.ReceiverInstitutionID = "no-such-institution" }, "receiverInstitutionId"},
			{"itself", func(q *referral.Request) { q.ReceiverInstitutionID = w.instID(instSanlian) }, "receiverInstitutionId"},
			{"up to another CHC", func(q *referral.Request) { q.ReceiverInstitutionID = w.instID(instMingguang) }, "direction"},
			{"down to the core hospital", func(q *referral.Request) {
				q.Direction = referral.Down
				q.DischargeSummary, q.MedicationPlan, q.FollowUpPlan = "d", "m", "f"
			}, "direction"},
			{"lateral to the county hospital", func(q *referral.Request) {
				q.Direction, q.ReceiverInstitutionID = referral.Lateral, w.instID(instFeixi)
			}, "direction"},
			{"named specialist of another institution", func(q *referral.Request) { q.ReceiverUserID = other.ID }, "receiverUserId"},
		} {
			t.Run(c.name, func(t *testing.T) {
				q := w.upRequest(w.patientID, referral.Urgent)
				c.edit(&q)
				before := tableCounts(t, s, referralTables...)
				_, _, err := s.CreateReferral(w.as("chc-doctor"), q, "")
				wantCode(t, err, apperr.Invalid, c.field)
				if after := tableCounts(t, s, referralTables...); !mapsEqual(before, after) {
					t.Errorf("a refused referral wrote rows: %v → %v", before, after)
				}
			})
		}
		// The same request to fitting receivers is made.
		lateral := w.upRequest(w.patientID, referral.Routine)
		lateral.Direction, lateral.ReceiverInstitutionID = referral.Lateral, w.instID(instMingguang)
		if r := w.create(t, "chc-doctor", lateral); r.AllianceID != w.alliance.ID || r.Status != referral.Requested {
			t.Errorf("lateral referral: %+v", r)
		}
		named := w.upRequest(w.patientID, referral.Urgent)
		named.ReceiverUserID = w.user("specialist").ID
		if r := w.create(t, "chc-doctor", named); r.ReceiverUserID != named.ReceiverUserID {
			t.Errorf("named specialist not kept: %q", r.ReceiverUserID)
		}
	})
}

func TestCreateReferralIdempotencyKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newRefWorld(t, s)
		ctx := w.as("chc-doctor")
		q := w.upRequest(w.patientID, referral.FastTrack)
		first, created, err := s.CreateReferral(ctx, q, "retry-1")
		if err != nil || !created {
			t.Fatalf("first create: %v, %v", created, err)
		}
		again, created, err := s.CreateReferral(ctx, w.upRequest(w.patientID, referral.FastTrack), "retry-1")
		if err != nil || created || again.ID != first.ID || again.Version != first.Version {
			t.Fatalf("replay = %s created %v, %v; want %s not created", again.ID, created, err, first.ID)
		}
		for tb, want := range map[string]int{"referrals": 1, "referral_events": 1, "outbox": 1, "idempotency_keys": 1} {
			if n := count(t, s, tb, ""); n != want {
				t.Errorf("%s has %d rows after a replay, want %d", tb, n, want)
			}
		}

		changed := w.upRequest(w.patientID, referral.FastTrack)
		changed.Summary += " and not sleeping"
		_, _, err = s.CreateReferral(ctx, changed, "retry-1")
		wantCode(t, err, apperr.Conflict, "Idempotency-Key")
		if n := count(t, s, "referrals", ""); n != 1 {
			t.Errorf("a reused key with another body made a referral (%d rows)", n)
		}

		_, _, err = s.CreateReferral(ctx, q, string(make([]byte, 201)))
		wantCode(t, err, apperr.Invalid, "Idempotency-Key")

		// Keys belong to their user: a colleague's same key is a new referral.
		colleague := newUser(t, s, "chc-doctor-2", w.instID(instSanlian), auth.RoleDoctor)
		other, created, err := s.CreateReferral(asUser(t, colleague), q, "retry-1")
		if err != nil || !created || other.ID == first.ID {
			t.Errorf("colleague's create with the same key = %s, %v, %v", other.ID, created, err)
		}

		// Concurrent retries of one request make one referral.
		const n = 6
		var wg sync.WaitGroup
		start := make(chan struct{})
		results := make([]struct {
			id      string
			created bool
			err     error
		}, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r, c, err := s.CreateReferral(ctx, w.upRequest(w.patientID, referral.Urgent), "concurrent")
				results[i].id, results[i].created, results[i].err = r.ID, c, err
			}()
		}
		close(start)
		wg.Wait()
		made := 0
		ids := map[string]bool{}
		for _, r := range results {
			switch {
			case r.err == nil:
				ids[r.id] = true
				if r.created {
					made++
				}
			case apperr.Code(r.err) != apperr.Conflict:
				t.Errorf("concurrent retry: %v", r.err)
			}
		}
		if made != 1 || len(ids) != 1 {
			t.Errorf("concurrent retries made %d referrals with ids %v; want exactly one", made, ids)
		}
		if c := count(t, s, "idempotency_keys", "key = ?", "concurrent"); c != 1 {
			t.Errorf("%d idempotency rows for one key", c)
		}
		if c := count(t, s, "referrals", "urgency = 'urgent'"); c != 1 {
			t.Errorf("%d urgent referrals after concurrent retries of one, want 1", c)
		}
	})
}

// TestConcurrentActionsOneWins races eight users of the receiver on the same
// version: exactly one transition commits, with one event, one audit entry
// and one outbox row; every other gets conflict.
func TestConcurrentActionsOneWins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newRefWorld(t, s)
		race := func(t *testing.T, id string, actions []referral.Action) (winner referral.Action) {
			t.Helper()
			const n = 8
			errs := make([]error, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					user := []string{"specialist", "convener"}[i%2]
					a := actions[i%len(actions)]
					if a == referral.Return && user == "convener" { // a convener may not return
						user = "specialist"
					}
					ctx := w.as(user)
					<-start
					_, errs[i] = s.ActOnReferral(ctx, id, a, refInput(a, 1))
				}()
			}
			close(start)
			wg.Wait()
			wins := 0
			for i, err := range errs {
				if err == nil {
					wins++
					winner = actions[i%len(actions)]
				} else if apperr.Code(err) != apperr.Conflict {
					t.Errorf("racer %d: %v; want success or conflict", i, err)
				}
			}
			if wins != 1 {
				t.Fatalf("%d racers won, want exactly 1", wins)
			}
			return winner
		}

		r := w.create(t, "chc-doctor", w.upRequest(w.patientID, referral.Urgent))
		race(t, r.ID, []referral.Action{referral.Accept})
		if n := count(t, s, "referral_events", "referral_id = ? AND action = 'accept'", r.ID); n != 1 {
			t.Errorf("%d accept events, want 1", n)
		}
		if n := count(t, s, "outbox", "referral_id = ?", r.ID); n != 2 {
			t.Errorf("%d outbox rows (create + accept), want 2", n)
		}
		if n := count(t, s, "outbox", "referral_id = ? AND payload LIKE ?", r.ID, `%"action":"accept"%`); n != 1 {
			t.Errorf("%d accept outbox rows, want 1", n)
		}
		if n := auditCount(t, s, "referral.accept", w.patientID); n != 1 {
			t.Errorf("%d accept audit entries, want 1", n)
		}
		if row := rawRow(t, s, "SELECT status, version FROM referrals WHERE id = ?", r.ID); row["status"] != "accepted" || row["version"] != "2" {
			t.Errorf("after the race: %v", row)
		}

		// Different actions on the same version: still exactly one wins.
		r2 := w.create(t, "chc-doctor", w.upRequest(w.patientID, referral.Routine))
		won := race(t, r2.ID, []referral.Action{referral.Accept, referral.Hold, referral.Return, referral.Cancel})
		if n := count(t, s, "referral_events", "referral_id = ?", r2.ID); n != 2 {
			t.Errorf("%d events after a mixed race, want create + %s", n, won)
		}
		if n := count(t, s, "outbox", "referral_id = ?", r2.ID); n != 2 {
			t.Errorf("%d outbox rows after a mixed race, want 2", n)
		}
	})
}

// TestClosedLoopUpward drives a fast-track referral from the CHC through to
// completion: each transition writes its event, audit entry and outbox
// event, and the sender sees the outcome.
func TestClosedLoopUpward(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newRefWorld(t, s)
		r := w.create(t, "chc-doctor", w.upRequest(w.patientID, referral.FastTrack))
		if !r.FastTrackSuggested || r.AdmitDueAt == nil {
			t.Errorf("risk grade 3 fast track: suggested %v admit due %v", r.FastTrackSuggested, r.AdmitDueAt)
		}
		steps := []struct {
			user   string
			action referral.Action
			to     referral.Status
		}{
			{"convener", referral.Accept, referral.Accepted},
			{"convener", referral.Schedule, referral.Scheduled},
			{"specialist", referral.Arrive, referral.InProgress},
			{"specialist", referral.Complete, referral.Completed},
		}
		for i, st := range steps {
			got := w.act(t, st.user, r.ID, st.action, refInput(st.action, i+1))
			if got.Status != st.to || got.Version != i+2 {
				t.Fatalf("%s: %s v%d, want %s v%d", st.action, got.Status, got.Version, st.to, i+2)
			}
			if n := count(t, s, "referral_events", "referral_id = ?", r.ID); n != i+2 {
				t.Errorf("after %s: %d events", st.action, n)
			}
			if n := count(t, s, "outbox", "referral_id = ?", r.ID); n != i+2 {
				t.Errorf("after %s: %d outbox rows", st.action, n)
			}
			if n := auditCount(t, s, "referral."+string(st.action), w.patientID); n != 1 {
				t.Errorf("after %s: %d audit entries", st.action, n)
			}
		}
		d, err := s.GetReferral(w.as("chc-doctor"), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if o := d.Referral.Outcome; o == nil || o.Summary == "" || !slices.Equal(o.Diagnoses, []string{"F20.0"}) || o.Plan == "" {
			t.Errorf("the sender does not see the outcome: %+v", o)
		}
		if d.Referral.ClosedAt == nil || d.Referral.ArrivedAt == nil || d.Referral.AcceptedAt == nil || d.Referral.Appointment == nil {
			t.Errorf("timestamps of the loop missing: %+v", d.Referral)
		}
		wantTimeline := []string{"create:→requested", "accept:requested→accepted", "schedule:accepted→scheduled",
			"arrive:scheduled→in_progress", "complete:in_progress→completed"}
		var got []string
		for i, ev := range d.Events {
			got = append(got, fmt.Sprintf("%s:%s→%s", ev.Action, ev.From, ev.To))
			if ev.Version != i+1 {
				t.Errorf("event %d has version %d", i, ev.Version)
			}
		}
		if !slices.Equal(got, wantTimeline) {
			t.Errorf("timeline %v, want %v", got, wantTimeline)
		}
		if n := auditCount(t, s, "referral.read", w.patientID); n != 1 {
			t.Errorf("GetReferral audited %d reads", n)
		}
		// Closed: no further action, not even by the right party.
		_, err = s.ActOnReferral(w.as("chc-doctor"), r.ID, referral.Cancel, refInput(referral.Cancel, 5))
		wantCode(t, err, apperr.Conflict, "")
	})
}

// TestClosedLoopDownward: the core hospital refers a discharged patient down
// to the CHC, which records the first community follow-up.
func TestClosedLoopDownward(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newRefWorld(t, s)
		pid := w.patientAt(t, "specialist", patient.ScopeReferral)
		q := referral.Request{PatientID: pid, Direction: referral.Down, Urgency: referral.Routine,
			ReceiverInstitutionID: w.instID(instSanlian),
			Clinical: referral.Clinical{Reason: "discharged, stable", Summary: "28 days inpatient", Diagnoses: []string{"F31.1"},
				DischargeSummary: "remission", MedicationPlan: "lithium 600 mg", FollowUpPlan: "every 2 weeks for 3 months"}}
		r := w.create(t, "specialist", q)
		if r.FollowUpDueAt == nil || r.FollowUpDueAt.Sub(s.Now()) < 13*24*time.Hour {
			t.Fatalf("FollowUpDueAt = %v, want two weeks from now", r.FollowUpDueAt)
		}
		// The CHC now sees the patient through the referral.
		if _, err := s.GetPatient(w.as("chc-doctor"), pid); err != nil {
			t.Errorf("the receiving CHC cannot see the patient: %v", err)
		}
		w.act(t, "chc-doctor", r.ID, referral.Accept, refInput(referral.Accept, 1))
		w.act(t, "chc-doctor", r.ID, referral.Arrive, refInput(referral.Arrive, 2))
		in := refInput(referral.Complete, 3)
		in.FollowUp = nil
		_, err := s.ActOnReferral(w.as("chc-doctor"), r.ID, referral.Complete, in)
		wantCode(t, err, apperr.Invalid, "followUp")
		done := w.act(t, "chc-doctor", r.ID, referral.Complete, refInput(referral.Complete, 3))
		if done.FollowUp == nil || !done.FollowUp.OnTime || done.Status != referral.Completed {
			t.Errorf("first follow-up: %+v", done.FollowUp)
		}
		d, err := s.GetReferral(w.as("specialist"), r.ID)
		if err != nil || d.Referral.FollowUp == nil || d.Referral.FollowUp.Condition != referral.Stable {
			t.Errorf("the sender does not see the follow-up: %+v, %v", d.Referral.FollowUp, err)
		}
	})
}
