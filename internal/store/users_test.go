package store_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/demo"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

func TestCreateUserStoresOnlyAnArgon2idHash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		const pw = "Plaintext-Secret-4711"
		u, generated, err := s.CreateUser(f.as("admin"), auth.User{Username: "wang.li", DisplayName: "王丽",
			Roles: []auth.Role{auth.RoleDoctor}, Title: "resident", PracticeYears: 2, InstitutionID: f.instID(instSanlian)}, pw)
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		if generated != "" {
			t.Errorf("a chosen password came back as generated %q", generated)
		}
		if u.ID == "" || u.Username != "wang.li" || !slices.Equal(u.Roles, []auth.Role{auth.RoleDoctor}) {
			t.Fatalf("CreateUser returned %+v", u)
		}
		row := rawRow(t, s, "SELECT * FROM users WHERE id = ?", u.ID)
		for col, v := range row {
			if strings.Contains(v, pw) {
				t.Errorf("column %s holds the clear password", col)
			}
		}
		hash := row["password_hash"]
		if !strings.HasPrefix(hash, "$argon2id$") {
			t.Fatalf("password_hash = %q, want an encoded argon2id hash", hash)
		}
		if ok, err := auth.CheckPassword(hash, pw); err != nil || !ok {
			t.Fatalf("the stored hash does not verify the password: %v, %v", ok, err)
		}
		got, err := s.GetUser(t.Context(), u.ID)
		if err != nil || got.Username != "wang.li" || got.InstitutionID != f.instID(instSanlian) {
			t.Fatalf("GetUser = %+v, %v", got, err)
		}
		entry := rawRow(t, s, "SELECT username, detail FROM audit_log WHERE action = ? AND target_id = ?", string(audit.UserCreated), u.ID)
		if entry["username"] != "admin" || entry["detail"] != "roles doctor" {
			t.Errorf("audit entry = %v, want the admin creating a doctor", entry)
		}
	})
}

func TestCreateUserGeneratesAPasswordWhenNoneGiven(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		_, generated, err := s.CreateUser(f.as("admin"), auth.User{Username: "new-doc", DisplayName: "新医生",
			Roles: []auth.Role{auth.RoleDoctor}, Title: "resident", InstitutionID: f.instID(instFeixi)}, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(generated) < auth.MinPasswordLen {
			t.Fatalf("generated password %q is shorter than %d", generated, auth.MinPasswordLen)
		}
		if _, err := s.Login(t.Context(), "new-doc", generated); err != nil {
			t.Fatalf("login with the generated password: %v", err)
		}
	})
}

func TestCreateUserRejects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		outside := newInstitution(t, s, "联盟外社区卫生服务中心")
		valid := auth.User{Username: "zhao", DisplayName: "赵医生", Roles: []auth.Role{auth.RoleDoctor}, Title: "resident",
			InstitutionID: f.instID(instFeixi)}
		with := func(edit func(u *auth.User)) auth.User { u := valid; edit(&u); return u }
		before := count(t, s, "users", "")
		for _, tc := range []struct {
			name     string
			actor    string
			user     auth.User
			password string
			code     string
			field    string
		}{
			{"duplicate username", "admin", with(func(u *auth.User) { u.Username = "specialist" }), testPassword, apperr.Conflict, "username"},
			{"bad username", "admin", with(func(u *auth.User) { u.Username = "Zhao Wei" }), testPassword, apperr.Invalid, "username"},
			{"no roles", "admin", with(func(u *auth.User) { u.Roles = nil }), testPassword, apperr.Invalid, "roles"},
			{"unknown title", "admin", with(func(u *auth.User) { u.Title = "professor" }), testPassword, apperr.Invalid, "title"},
			{"short password", "admin", valid, "short", apperr.Invalid, "password"},
			{"unknown institution", "admin", with(func(u *auth.User) { u.InstitutionID = "no-such-id" }), testPassword, apperr.Invalid, "institutionId"},
			{"institution outside the admin's alliance", "admin", with(func(u *auth.User) { u.InstitutionID = outside.ID }), testPassword, apperr.Forbidden, ""},
			{"clinician creating users", "specialist", valid, testPassword, apperr.Forbidden, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := s.CreateUser(f.as(tc.actor), tc.user, tc.password)
				wantCode(t, err, tc.code, tc.field)
			})
		}
		if n := count(t, s, "users", ""); n != before {
			t.Fatalf("rejected creations left %d users, want %d", n, before)
		}
		if n := auditCount(t, s, string(audit.UserCreated), ""); n != demoAccounts {
			t.Fatalf("%d user.create audit entries, want %d (rejections write none)", n, demoAccounts)
		}
	})
}

func TestListUsersIsScopedToTheAdminsAlliances(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		outside := newInstitution(t, s, "联盟外社区卫生服务中心")
		newUser(t, s, "outsider", outside.ID, auth.RoleDoctor)

		users, err := s.ListUsers(f.as("admin"), store.UserFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range users {
			names = append(names, u.Username)
		}
		var want []string // every demo institution is a member of the demo alliance
		for _, a := range demo.Accounts {
			want = append(want, a.Username)
		}
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Fatalf("alliance admin lists %v, want %v", names, want)
		}
		all, err := s.ListUsers(t.Context(), store.UserFilter{})
		if err != nil || len(all) != demoAccounts+1 {
			t.Fatalf("without an actor ListUsers = %d users, %v; want %d", len(all), err, demoAccounts+1)
		}
		found, err := s.ListUsers(f.as("admin"), store.UserFilter{Query: "县"})
		if err != nil || len(found) != 1 || found[0].Username != "county-doctor" {
			t.Fatalf("query 县 = %v, %v; want county-doctor (王医生（肥西县）)", found, err)
		}
	})
}

func TestResetPasswordUnlocksAndRevokes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		ctx := t.Context()
		old, err := s.Login(ctx, "chc-doctor", demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		for range auth.MaxFailedLogins {
			if _, err := s.Login(ctx, "chc-doctor", "wrong password"); apperr.Code(err) != apperr.Unauthorized {
				t.Fatalf("wrong password: %v", err)
			}
		}
		if _, err := s.Login(ctx, "chc-doctor", demo.Password); apperr.Code(err) != apperr.Unauthorized {
			t.Fatalf("the locked account logged in: %v", err)
		}

		if _, err := s.ResetPassword(f.as("chc-doctor"), f.user("county-doctor").ID); apperr.Code(err) != apperr.Forbidden {
			t.Fatalf("a doctor reset a password: %v", err)
		}
		pw, err := s.ResetPassword(f.as("admin"), f.user("chc-doctor").ID)
		if err != nil {
			t.Fatalf("ResetPassword: %v", err)
		}
		if pw == "" || pw == demo.Password {
			t.Fatalf("ResetPassword gave %q", pw)
		}
		if _, err := s.Authenticate(ctx, old.Token); apperr.Code(err) != apperr.Unauthorized {
			t.Errorf("a session from before the reset still works: %v", err)
		}
		if _, err := s.Login(ctx, "chc-doctor", demo.Password); apperr.Code(err) != apperr.Unauthorized {
			t.Errorf("the old password still works: %v", err)
		}
		if _, err := s.Login(ctx, "chc-doctor", pw); err != nil {
			t.Fatalf("the new password does not log in (still locked?): %v", err)
		}
		row := rawRow(t, s, "SELECT failed_logins, locked_until FROM users WHERE id = ?", f.user("chc-doctor").ID)
		if row["failed_logins"] != "0" || row["locked_until"] != "" {
			t.Errorf("after reset and login the lockout columns are %v", row)
		}
		if n := count(t, s, "audit_log", "action = ? AND target_id = ?", string(audit.PasswordReset), f.user("chc-doctor").ID); n != 1 {
			t.Errorf("%d password_reset audit entries, want 1", n)
		}
	})
}

func TestDisablingAUserEndsTheirSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		ctx := t.Context()
		l, err := s.Login(ctx, "county-doctor", demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		yes := true
		u, err := s.UpdateUser(f.as("admin"), f.user("county-doctor").ID, store.UserPatch{Disabled: &yes})
		if err != nil || !u.Disabled {
			t.Fatalf("UpdateUser disable = %+v, %v", u, err)
		}
		if _, err := s.Authenticate(ctx, l.Token); apperr.Code(err) != apperr.Unauthorized {
			t.Errorf("the disabled user's session still authenticates: %v", err)
		}
		_, wrong := s.Login(ctx, "county-doctor", "not the password")
		_, disabled := s.Login(ctx, "county-doctor", demo.Password)
		if apperr.Code(disabled) != apperr.Unauthorized || disabled.Error() != wrong.Error() {
			t.Errorf("disabled login = %v; want the same answer as a wrong password (%v)", disabled, wrong)
		}
	})
}

func TestChangePassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		ctx := t.Context()
		mine, err := s.Login(ctx, "specialist", demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.Login(ctx, "specialist", demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		sess, err := s.Authenticate(ctx, mine.Token)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := auth.ActorFrom(f.as("specialist"))
		a.Session = sess.TokenHash
		actx := auth.WithActor(ctx, a)

		wantCode(t, s.ChangePassword(actx, "not my password", "a brand new password"), apperr.Invalid, "currentPassword")
		wantCode(t, s.ChangePassword(actx, demo.Password, "short"), apperr.Invalid, "newPassword")
		if err := s.ChangePassword(actx, demo.Password, "a brand new password"); err != nil {
			t.Fatalf("ChangePassword: %v", err)
		}
		if _, err := s.Authenticate(ctx, mine.Token); err != nil {
			t.Errorf("the session that changed the password was revoked: %v", err)
		}
		if _, err := s.Authenticate(ctx, other.Token); apperr.Code(err) != apperr.Unauthorized {
			t.Errorf("another session survived the password change: %v", err)
		}
		if _, err := s.Login(ctx, "specialist", "a brand new password"); err != nil {
			t.Errorf("the new password does not log in: %v", err)
		}
	})
}
