package store_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

// publishAll publishes until no outbox row is left unpublished and returns
// every notification made. On PostgreSQL the publishers' advisory lock is
// database-wide, so a publisher of another test schema may make one pass
// publish nothing; it retries.
func publishAll(t *testing.T, s *store.Store) []store.Notification {
	t.Helper()
	var out []store.Notification
	for range 10000 {
		ns, err := s.PublishOutbox(t.Context(), 3)
		if err != nil {
			t.Fatalf("PublishOutbox: %v", err)
		}
		out = append(out, ns...)
		if count(t, s, "outbox", "published_at IS NULL") == 0 {
			return out
		}
	}
	t.Fatal("PublishOutbox never emptied the outbox")
	return nil
}

// recipients is who should hear of an outbox event, worked out from the
// demo's users: the clinicians and conveners of the sender and (once the
// referral has been submitted; unsent lists those never submitted) the
// receiver, except the user who acted.
func recipients(t *testing.T, w *refWorld, ev store.ReferralChanged, unsent map[string]bool) []string {
	t.Helper()
	var out []string
	for _, u := range w.users {
		inParty := u.InstitutionID == ev.SenderInstitutionID ||
			(u.InstitutionID == ev.ReceiverInstitutionID && ev.To != referral.Draft && !unsent[ev.ReferralID])
		clinical := slices.ContainsFunc(u.Roles, func(r auth.Role) bool {
			return r == auth.RoleDoctor || r == auth.RoleSpecialist || r == auth.RoleConvener
		})
		if inParty && clinical && u.ID != ev.ActorUserID {
			out = append(out, u.ID)
		}
	}
	slices.Sort(out)
	return out
}

// TestOutboxExactlyOnceAcrossRestart commits transitions in one store and
// closes it without publishing, as a crash would; a new store on the same
// database publishes every event exactly once per recipient, and a second
// pass publishes nothing.
func TestOutboxExactlyOnceAcrossRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, fresh *store.Store) {
		url, dir := storetest.URL(t, fresh.Dialect()), t.TempDir()
		open := func() *store.Store {
			s, err := store.Open(t.Context(), store.Options{DatabaseURL: url, DataDir: dir, Keys: storetest.Keys(t)})
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		first := open()
		if _, err := first.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		w := newRefWorld(t, first)
		r := w.create(t, "chc-doctor", w.upRequest(w.patientID, referral.Urgent))
		w.act(t, "specialist", r.ID, referral.Hold, refInput(referral.Hold, 1))
		w.act(t, "chc-doctor", r.ID, referral.Resume, refInput(referral.Resume, 2))
		w.act(t, "convener", r.ID, referral.Accept, refInput(referral.Accept, 3))
		// Drafts tell nobody but the sender's colleagues (here: a second CHC
		// doctor), even when cancelled unsent; a submitted draft tells both sides.
		colleague := newUser(t, first, "chc-doctor-2", w.instID(instSanlian), auth.RoleDoctor)
		w.users[colleague.Username] = colleague
		draft := w.upRequest(w.patientID, referral.Routine)
		draft.Draft = true
		unsent := w.create(t, "chc-doctor", draft)
		w.act(t, "chc-doctor", unsent.ID, referral.Cancel, refInput(referral.Cancel, 1))
		sent := w.create(t, "chc-doctor", draft)
		w.act(t, "chc-doctor-2", sent.ID, referral.Submit, referral.Input{Version: 1})
		never := map[string]bool{unsent.ID: true}
		const events = 8
		if n := count(t, first, "outbox", "published_at IS NULL"); n != events {
			t.Fatalf("%d unpublished outbox rows before the restart, want %d", n, events)
		}
		if err := first.Close(); err != nil {
			t.Fatal(err)
		}

		second := open()
		ns := publishAll(t, second)
		type outboxRow struct{ id, payload string }
		var rows []outboxRow
		for _, m := range rawRows(t, second, "SELECT id, payload, published_at FROM outbox ORDER BY id") {
			if m["published_at"] == "" {
				t.Errorf("outbox row %s left unpublished", m["id"])
			}
			rows = append(rows, outboxRow{m["id"], m["payload"]})
		}
		if len(rows) != events {
			t.Fatalf("%d outbox rows after the restart, want %d", len(rows), events)
		}
		total := 0
		for _, o := range rows {
			var ev store.ReferralChanged
			if err := json.Unmarshal([]byte(o.payload), &ev); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range rawRows(t, second, "SELECT user_id FROM notifications WHERE outbox_id = ? ORDER BY user_id", o.id) {
				got = append(got, m["user_id"])
			}
			if want := recipients(t, w, ev, never); !slices.Equal(got, want) {
				t.Errorf("%s %s→%s by %s: notified %v, want %v", ev.Action, ev.From, ev.To, ev.ActorUserID, got, want)
			}
			total += len(got)
		}
		if total == 0 || len(ns) != total {
			t.Errorf("PublishOutbox reported %d notifications, the inboxes hold %d", len(ns), total)
		}

		if again := publishAll(t, second); len(again) != 0 {
			t.Errorf("a second publish made %d notifications", len(again))
		}
		if n := count(t, second, "notifications", ""); n != total {
			t.Errorf("%d notifications after a second publish, want %d", n, total)
		}
		// A third store, started later, finds nothing left to do either.
		if again := publishAll(t, open()); len(again) != 0 {
			t.Errorf("another publisher made %d notifications", len(again))
		}
	})
}

// TestNotificationInbox: the inbox lists the user's notifications newest
// first, counts the unread and marks them read, one user at a time.
func TestNotificationInbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newRefWorld(t, s)
		r := w.create(t, "chc-doctor", w.upRequest(w.patientID, referral.Urgent))
		w.act(t, "specialist", r.ID, referral.Accept, refInput(referral.Accept, 1))
		publishAll(t, s)

		chc := w.as("chc-doctor")
		ns, next, err := s.ListNotifications(chc, false, "", 10)
		if err != nil || next != "" {
			t.Fatalf("ListNotifications = %v, %q", err, next)
		}
		// chc-doctor made the create, so hears only of the accept.
		if len(ns) != 1 || ns[0].ReferralID != r.ID || ns[0].Action != "accept" || ns[0].Status != "accepted" || ns[0].ReadAt != nil {
			t.Fatalf("chc-doctor's inbox: %+v", ns)
		}
		conv := w.as("convener")
		ns, _, err = s.ListNotifications(conv, false, "", 10)
		if err != nil || len(ns) != 2 || ns[0].Action != "accept" || ns[1].Action != "create" {
			t.Fatalf("convener's inbox (newest first): %+v, %v", ns, err)
		}
		page, next, err := s.ListNotifications(conv, false, "", 1)
		if err != nil || len(page) != 1 || next == "" {
			t.Fatalf("first page: %+v %q %v", page, next, err)
		}
		page2, next2, err := s.ListNotifications(conv, false, next, 1)
		if err != nil || len(page2) != 1 || page2[0].ID != ns[1].ID || next2 != "" {
			t.Errorf("second page: %+v %q %v", page2, next2, err)
		}
		if n, _ := s.CountUnread(conv); n != 2 {
			t.Errorf("convener unread = %d", n)
		}
		if err := s.MarkNotificationsRead(conv, []string{ns[1].ID}); err != nil {
			t.Fatal(err)
		}
		unread, _, _ := s.ListNotifications(conv, true, "", 10)
		if len(unread) != 1 || unread[0].ID != ns[0].ID {
			t.Errorf("unread after marking one: %+v", unread)
		}
		// Marking another user's notification read does nothing.
		if err := s.MarkNotificationsRead(chc, []string{ns[0].ID}); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CountUnread(conv); n != 1 {
			t.Errorf("another user marked the convener's notification read (unread %d)", n)
		}
		if err := s.MarkNotificationsRead(conv, nil); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CountUnread(conv); n != 0 {
			t.Errorf("unread after marking all = %d", n)
		}
		if n, _ := s.CountUnread(chc); n != 1 {
			t.Errorf("marking the convener's inbox touched chc-doctor's (unread %d)", n)
		}
	})
}
