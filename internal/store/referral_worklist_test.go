package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

// listAll pages through a worklist with the given page size and returns
// the ids in order.
func listAll(t *testing.T, s *store.Store, ctx context.Context, f store.ReferralFilter) []string {
	t.Helper()
	var ids []string
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("pagination does not end")
		}
		items, next, err := s.ListReferrals(ctx, f)
		if err != nil {
			t.Fatalf("ListReferrals(%+v): %v", f, err)
		}
		if f.Limit > 0 && len(items) > f.Limit {
			t.Fatalf("page of %d items with limit %d", len(items), f.Limit)
		}
		for _, it := range items {
			ids = append(ids, it.Referral.ID)
		}
		if next == "" {
			return ids
		}
		if len(items) == 0 {
			t.Fatal("an empty page with a next cursor")
		}
		f.Cursor = next
	}
}

// TestWorklistOrderAndPages: fast track before urgent before routine, then
// by the next clock (none last), then id; every page size returns every
// referral exactly once, in the same order.
func TestWorklistOrderAndPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, fresh *store.Store) {
		c := newClock()
		s := openClocked(t, fresh.Dialect(), c)
		w := newRefWorld(t, s)
		made := map[string]string{}
		mk := func(name string, u referral.Urgency, draft bool) string {
			q := w.upRequest(w.patientID, u)
			q.Draft = draft
			made[name] = w.create(t, "chc-doctor", q).ID
			c.Advance(time.Minute)
			return made[name]
		}
		mk("routine-1", referral.Routine, false) // due +72h
		mk("urgent-1", referral.Urgent, false)   // due +24h1m
		mk("fast-1", referral.FastTrack, false)  // due +2h2m
		mk("urgent-2", referral.Urgent, false)   // due +24h3m
		mk("routine-2", referral.Routine, false) // due +72h4m
		fast2 := mk("fast-2", referral.FastTrack, false)
		w.act(t, "specialist", fast2, referral.Accept, refInput(referral.Accept, 1)) // due: admit, +24h5m
		c7 := mk("closed-1", referral.Routine, false)
		w.act(t, "chc-doctor", c7, referral.Cancel, refInput(referral.Cancel, 1)) // no clock
		c8 := mk("closed-2", referral.Routine, false)
		w.act(t, "specialist", c8, referral.Cancel, refInput(referral.Cancel, 1)) // no clock
		mk("draft", referral.Urgent, true)                                        // outgoing only, no clock
		mk("urgent-3", referral.Urgent, false)                                    // due +24h9m
		// urgent-4 is made last, but its clock runs out before every other
		// urgent one's: the alliance shortens the urgent clock first.
		sla := referral.DefaultSLA
		sla.Urgent.Accept = time.Hour
		if err := s.SetReferralSLA(w.as("admin"), w.alliance.ID, sla); err != nil {
			t.Fatal(err)
		}
		mk("urgent-4", referral.Urgent, false) // due +1h11m, before every other urgent

		names := func(order ...string) []string {
			out := make([]string, len(order))
			for i, n := range order {
				out[i] = made[n]
			}
			return out
		}
		incoming := names("fast-1", "fast-2", "urgent-4", "urgent-1", "urgent-2", "urgent-3",
			"routine-1", "routine-2", "closed-1", "closed-2")
		outgoing := names("fast-1", "fast-2", "urgent-4", "urgent-1", "urgent-2", "urgent-3", "draft",
			"routine-1", "routine-2", "closed-1", "closed-2")
		byID := map[string]string{}
		for n, id := range made {
			byID[id] = n
		}
		show := func(ids []string) []string {
			out := make([]string, len(ids))
			for i, id := range ids {
				out[i] = byID[id]
			}
			return out
		}
		spec := w.as("specialist")
		chc := w.as("chc-doctor")
		for _, limit := range []int{0, 1, 2, 3, 100} {
			if got := listAll(t, s, spec, store.ReferralFilter{Box: store.Incoming, Limit: limit}); !slices.Equal(got, incoming) {
				t.Errorf("incoming, limit %d:\n got %v\nwant %v", limit, show(got), show(incoming))
			}
			if got := listAll(t, s, chc, store.ReferralFilter{Box: store.Outgoing, Limit: limit}); !slices.Equal(got, outgoing) {
				t.Errorf("outgoing, limit %d:\n got %v\nwant %v", limit, show(got), show(outgoing))
			}
		}

		for _, f := range []struct {
			ctx    context.Context
			filter store.ReferralFilter
			want   []string
		}{
			{spec, store.ReferralFilter{Box: store.Incoming, Status: []referral.Status{referral.Cancelled}, Limit: 1}, names("closed-1", "closed-2")},
			{spec, store.ReferralFilter{Box: store.Incoming, Urgency: referral.FastTrack}, names("fast-1", "fast-2")},
			{spec, store.ReferralFilter{Box: store.Incoming, Status: []referral.Status{referral.Accepted, referral.Cancelled}}, names("fast-2", "closed-1", "closed-2")},
			{spec, store.ReferralFilter{Box: store.Incoming, Direction: referral.Down}, nil},
			{spec, store.ReferralFilter{Box: store.Outgoing}, nil},
			{chc, store.ReferralFilter{Box: store.Incoming}, nil},
			{chc, store.ReferralFilter{Box: store.Outgoing, Status: []referral.Status{referral.Draft}}, names("draft")},
			{chc, store.ReferralFilter{Box: store.Outgoing, PatientID: "someone-else"}, nil},
			{w.as("county-doctor"), store.ReferralFilter{Box: store.Incoming}, nil},
		} {
			if got := listAll(t, s, f.ctx, f.filter); !slices.Equal(got, f.want) {
				t.Errorf("%+v: got %v, want %v", f.filter, show(got), show(f.want))
			}
		}

		items, _, err := s.ListReferrals(spec, store.ReferralFilter{Box: store.Incoming, Limit: 1})
		if err != nil || len(items) != 1 || items[0].PatientName == "" || items[0].PatientBirth != "1980-01-01" {
			t.Errorf("worklist line lacks the patient brief: %+v, %v", items, err)
		}
		_, _, err = s.ListReferrals(spec, store.ReferralFilter{Box: store.Incoming, Cursor: "not-a-cursor"})
		wantCode(t, err, apperr.Invalid, "cursor")
		_, _, err = s.ListReferrals(spec, store.ReferralFilter{Box: "all"})
		wantCode(t, err, apperr.Invalid, "box")
	})
}

// TestSuggestReceivers ranks the alliance's tertiary hospitals for a CHC's
// upward referral, the less loaded first, and leaves out the CHCs.
func TestSuggestReceivers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newRefWorld(t, s)
		w.create(t, "chc-doctor", w.upRequest(w.patientID, referral.Urgent)) // the core hospital now has one open
		sug, err := s.SuggestReceivers(w.as("chc-doctor"), referral.Up, "mood")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, sg := range sug {
			got = append(got, sg.Institution.Name)
			if sg.Institution.Level.Rank() >= 2 {
				t.Errorf("suggested %s (%s) for an upward referral from a CHC", sg.Institution.Name, sg.Institution.Level)
			}
		}
		if len(got) < 2 || got[0] != instGeneral || got[1] != instCore {
			t.Fatalf("suggestions %v; want the general hospital's department (idle) before the core hospital (1 open)", got)
		}
		if sug[1].OpenLoad != 1 || sug[0].OpenLoad != 0 {
			t.Errorf("loads %d, %d", sug[0].OpenLoad, sug[1].OpenLoad)
		}
		_, err = s.SuggestReceivers(w.as("chc-doctor"), "sideways", "")
		wantCode(t, err, apperr.Invalid, "direction")
		_, err = s.SuggestReceivers(w.as("chc-doctor"), referral.Up, "cardiology")
		wantCode(t, err, apperr.Invalid, "subSpecialty")
	})
}
