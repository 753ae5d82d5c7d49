package store_test

import (
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/demo"
	"github.com/lianxin-hub/lianxin/internal/secret"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

func TestLoginOpensASession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		ctx := auth.WithActor(t.Context(), auth.Actor{IP: "198.51.100.4", RequestID: "req-login"})
		l, err := s.Login(ctx, "specialist", demo.Password)
		if err != nil {
			t.Fatalf("Login: %v", err)
		}
		if len(l.Token) < 40 || len(l.CSRF) < 30 || l.Token == l.CSRF {
			t.Fatalf("Login gave token %q and CSRF %q", l.Token, l.CSRF)
		}
		if l.User.ID != f.user("specialist").ID || l.User.LockedUntil != nil {
			t.Fatalf("Login user = %+v", l.User)
		}
		// Only the token's hash is kept: a stolen sessions table opens no session.
		row := rawRow(t, s, "SELECT * FROM sessions WHERE user_id = ?", l.User.ID)
		if row["token_hash"] != secret.HashToken(l.Token) {
			t.Fatalf("token_hash = %q, want the SHA-256 of the token", row["token_hash"])
		}
		for col, v := range row {
			if v == l.Token {
				t.Errorf("column %s holds the clear token", col)
			}
		}
		sess, err := s.Authenticate(t.Context(), l.Token)
		if err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		if sess.User.Username != "specialist" || sess.CSRF != l.CSRF || sess.TokenHash != row["token_hash"] {
			t.Fatalf("Authenticate = %+v", sess)
		}
		if _, err := s.Authenticate(t.Context(), l.Token+"x"); apperr.Code(err) != apperr.Unauthorized {
			t.Fatalf("a made-up token authenticated: %v", err)
		}
		entry := rawRow(t, s, "SELECT user_id, username, institution_id, ip, request_id FROM audit_log WHERE action = ?", string(audit.LoginOK))
		if entry["user_id"] != l.User.ID || entry["username"] != "specialist" || entry["institution_id"] != l.User.InstitutionID ||
			entry["ip"] != "198.51.100.4" || entry["request_id"] != "req-login" {
			t.Fatalf("login audit entry = %v", entry)
		}
	})
}

// A wrong password and an unknown username get the same answer, and both are audited.
func TestLoginDoesNotRevealWhetherAUserExists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		seedDemo(t, s)
		ctx := t.Context()
		_, wrong := s.Login(ctx, "specialist", "not-the-password")
		_, unknown := s.Login(ctx, "nobody-here", "not-the-password")
		wantCode(t, wrong, apperr.Unauthorized, "")
		wantCode(t, unknown, apperr.Unauthorized, "")
		if wrong.Error() != unknown.Error() {
			t.Fatalf("wrong password says %q but unknown user says %q", wrong, unknown)
		}
		if n := auditCount(t, s, string(audit.LoginFailed), ""); n != 2 {
			t.Fatalf("%d login_failed audit entries, want 2", n)
		}
		if n := count(t, s, "sessions", ""); n != 0 {
			t.Fatalf("failed logins opened %d sessions", n)
		}
	})
}

func TestFiveFailuresLockTheAccountForFifteenMinutes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, migrated *store.Store) {
		clk := newClock()
		s := openClocked(t, migrated.Dialect(), clk)
		f := seedDemo(t, s)
		ctx := t.Context()
		id := f.user("chc-doctor").ID
		_, wrongErr := s.Login(ctx, "chc-doctor", "wrong password")

		// A success in between resets the count: four failures, a success, four more do not lock.
		for range auth.MaxFailedLogins - 2 {
			if _, err := s.Login(ctx, "chc-doctor", "wrong password"); apperr.Code(err) != apperr.Unauthorized {
				t.Fatal(err)
			}
		}
		if _, err := s.Login(ctx, "chc-doctor", demo.Password); err != nil {
			t.Fatalf("login after %d failures: %v", auth.MaxFailedLogins-1, err)
		}
		for range auth.MaxFailedLogins - 1 {
			s.Login(ctx, "chc-doctor", "wrong password")
		}
		if _, err := s.Login(ctx, "chc-doctor", demo.Password); err != nil {
			t.Fatalf("failures before a success counted towards the lock: %v", err)
		}

		for range auth.MaxFailedLogins {
			s.Login(ctx, "chc-doctor", "wrong password")
		}
		lockedAt := clk.Now()
		u, err := s.GetUser(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if u.LockedUntil == nil || !u.LockedUntil.Equal(lockedAt.Add(15*time.Minute)) {
			t.Fatalf("LockedUntil = %v, want %v", u.LockedUntil, lockedAt.Add(15*time.Minute))
		}
		if n := count(t, s, "audit_log", "action = ? AND target_id = ?", string(audit.LoginLocked), id); n != 1 {
			t.Fatalf("%d auth.locked audit entries, want 1", n)
		}
		_, locked := s.Login(ctx, "chc-doctor", demo.Password)
		if apperr.Code(locked) != apperr.Unauthorized || locked.Error() != wrongErr.Error() {
			t.Fatalf("right password on a locked account = %v; want the wrong-password answer", locked)
		}
		if _, err := s.Login(ctx, "county-doctor", demo.Password); err != nil {
			t.Fatalf("another user's lock stopped county-doctor: %v", err)
		}

		clk.Advance(15*time.Minute - time.Second)
		if _, err := s.Login(ctx, "chc-doctor", demo.Password); apperr.Code(err) != apperr.Unauthorized {
			t.Fatalf("login a second before the lock ends: %v", err)
		}
		clk.Advance(time.Second)
		l, err := s.Login(ctx, "chc-doctor", demo.Password)
		if err != nil {
			t.Fatalf("login when the lock has ended: %v", err)
		}
		if l.User.LockedUntil != nil {
			t.Errorf("the login reports the account locked until %v", l.User.LockedUntil)
		}
		row := rawRow(t, s, "SELECT failed_logins, locked_until FROM users WHERE id = ?", id)
		if row["failed_logins"] != "0" || row["locked_until"] != "" {
			t.Fatalf("after a successful login the lockout columns are %v", row)
		}
	})
}

func TestLogoutRevokesTheSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		ctx := t.Context()
		first, err := s.Login(ctx, "convener", demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		second, err := s.Login(ctx, "convener", demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		sess, err := s.Authenticate(ctx, first.Token)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := auth.ActorFrom(f.as("convener"))
		a.Session = sess.TokenHash
		if err := s.Logout(auth.WithActor(ctx, a)); err != nil {
			t.Fatalf("Logout: %v", err)
		}
		if _, err := s.Authenticate(ctx, first.Token); apperr.Code(err) != apperr.Unauthorized {
			t.Fatalf("the logged-out session still authenticates: %v", err)
		}
		if _, err := s.Authenticate(ctx, second.Token); err != nil {
			t.Fatalf("logout ended the user's other session: %v", err)
		}
		if row := rawRow(t, s, "SELECT revoked_at FROM sessions WHERE token_hash = ?", sess.TokenHash); row["revoked_at"] == "" {
			t.Fatal("revoked_at is not set")
		}
		if n := count(t, s, "audit_log", "action = ? AND user_id = ?", string(audit.Logout), a.UserID); n != 1 {
			t.Fatalf("%d logout audit entries, want 1", n)
		}
		if err := s.Logout(t.Context()); err == nil {
			t.Fatal("Logout without an actor succeeded")
		}
	})
}

func TestSessionsExpire(t *testing.T) {
	storetest.Each(t, func(t *testing.T, migrated *store.Store) {
		clk := newClock()
		s := openClocked(t, migrated.Dialect(), clk)
		seedDemo(t, s)
		l, err := s.Login(t.Context(), "specialist", demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		clk.Advance(store.SessionTTL - time.Second)
		if _, err := s.Authenticate(t.Context(), l.Token); err != nil {
			t.Fatalf("a session a second before its end: %v", err)
		}
		clk.Advance(time.Second)
		if _, err := s.Authenticate(t.Context(), l.Token); apperr.Code(err) != apperr.Unauthorized {
			t.Fatalf("a session at its end: %v", err)
		}
	})
}
