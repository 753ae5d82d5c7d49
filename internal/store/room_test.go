package store_test

import (
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

// TestAdHocRoom: a specialist calls a colleague; only the invited join, the
// caller hosts, and the room closes after its life.
func TestAdHocRoom(t *testing.T) {
	storetest.Each(t, func(t *testing.T, migrated *store.Store) {
		clk := newClock()
		s := openClocked(t, migrated.Dialect(), clk)
		f := seedDemo(t, s)
		_, err := s.OpenAdHocRoom(f.as("specialist"), " ", []string{f.user("chc-doctor").ID})
		wantCode(t, err, apperr.Invalid, "title")
		_, err = s.OpenAdHocRoom(f.as("specialist"), "会诊", []string{"nobody"})
		wantCode(t, err, apperr.Invalid, "invitees")
		_, err = s.OpenAdHocRoom(f.as("admin"), "会诊", []string{f.user("chc-doctor").ID})
		wantCode(t, err, apperr.Forbidden, "")
		if n := count(t, s, "rooms", "kind = 'adhoc'"); n != 0 {
			t.Fatalf("%d rooms written by refused calls", n)
		}

		r, err := s.OpenAdHocRoom(f.as("specialist"), "疑难病例讨论", []string{f.user("chc-doctor").ID})
		must(t, err)
		host, err := s.JoinRoom(f.as("specialist"), r.ID)
		if err != nil || host.Role != "host" {
			t.Fatalf("host join = %+v, %v", host, err)
		}
		guest, err := s.JoinRoom(f.as("chc-doctor"), r.ID)
		if err != nil || guest.Role != "participant" || guest.Title != "疑难病例讨论" {
			t.Fatalf("guest join = %+v, %v", guest, err)
		}
		_, err = s.JoinRoom(f.as("county-doctor"), r.ID)
		wantCode(t, err, apperr.NotFound, "")
		clk.Advance(store.AdHocRoomLife + time.Minute)
		_, err = s.JoinRoom(f.as("chc-doctor"), r.ID)
		wantCode(t, err, apperr.Conflict, "")
	})
}
