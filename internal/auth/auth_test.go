package auth

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/apperr"
)

func TestPasswordHashAndCheck(t *testing.T) {
	const pw = "correct horse battery staple"
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, pw) {
		t.Fatalf("HashPassword = %q, want an encoded argon2id hash without the password", h)
	}
	if ok, err := CheckPassword(h, pw); err != nil || !ok {
		t.Fatalf("CheckPassword(right) = %v, %v", ok, err)
	}
	for _, wrong := range []string{"", "correct horse battery stapl", "Correct horse battery staple", pw + " "} {
		if ok, err := CheckPassword(h, wrong); err != nil || ok {
			t.Errorf("CheckPassword(%q) = %v, %v; want false", wrong, ok, err)
		}
	}
	h2, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if h2 == h {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if ok, _ := CheckPassword(h2, pw); !ok {
		t.Fatal("the second hash does not verify")
	}
}

func TestCheckPasswordRejectsMalformedHashes(t *testing.T) {
	h, err := HashPassword("a password of length")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(h, "$")
	for name, bad := range map[string]string{
		"empty":         "",
		"bcrypt":        "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"wrong version": strings.Replace(h, "v=19", "v=16", 1),
		"bad params":    strings.Replace(h, "m=19456,t=2,p=1", "m=x", 1),
		"bad salt":      strings.Join([]string{"", parts[1], parts[2], parts[3], "!!!", parts[5]}, "$"),
		"bad key":       strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "!!!"}, "$"),
		"too few parts": strings.Join(parts[:5], "$"),
	} {
		if ok, err := CheckPassword(bad, "a password of length"); err == nil || ok {
			t.Errorf("%s: CheckPassword = %v, %v; want an error", name, ok, err)
		}
	}
}

func TestValidateNewPasswordAndGeneratePassword(t *testing.T) {
	for pw, valid := range map[string]bool{
		"123456789":                    false,
		"1234567890":                   true,
		"密码密码密码密码密码":                   true, // ten characters, counted as runes
		"密码密码密码密码密":                    false,
		strings.Repeat("x", 256):       true,
		strings.Repeat("x", 257):       false,
		strings.Repeat("长", 100) + "x": false, // 301 bytes
	} {
		err := ValidateNewPassword("newPassword", pw)
		if valid != (err == nil) {
			t.Errorf("ValidateNewPassword(%.12q…) = %v; want valid %v", pw, err, valid)
		}
		if err != nil {
			if e, ok := apperr.As(err); !ok || e.Code != apperr.Invalid || e.Field != "newPassword" {
				t.Errorf("error %v does not name the field newPassword", err)
			}
		}
	}
	a, b := GeneratePassword(), GeneratePassword()
	if a == b || ValidateNewPassword("password", a) != nil {
		t.Fatalf("GeneratePassword gave %q and %q", a, b)
	}
}

func TestParseRoles(t *testing.T) {
	got, err := ParseRoles("roles", []string{"doctor", "convener", "doctor"})
	if err != nil || !slices.Equal(got, []Role{RoleDoctor, RoleConvener}) {
		t.Fatalf("ParseRoles = %v, %v; want doctor, convener once each", got, err)
	}
	for _, in := range [][]string{nil, {}, {"doctor", "superuser"}, {"Doctor"}, {""}} {
		_, err := ParseRoles("user.roles", in)
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Invalid || e.Field != "user.roles" {
			t.Errorf("ParseRoles(%q) = %v; want invalid naming the field user.roles", in, err)
		}
	}
	_, err = ParseRoles("roles", []string{"doctor", "superuser"})
	if !strings.Contains(err.Error(), `"superuser"`) {
		t.Errorf("the error %q does not name the bad role", err)
	}
}

func TestRolesStoredForm(t *testing.T) {
	rs := []Role{RoleSpecialist, RoleAllianceAdmin}
	if s := JoinRoles(rs); s != "specialist,alliance_admin" {
		t.Fatalf("JoinRoles = %q", s)
	}
	if got := SplitRoles(JoinRoles(rs)); !slices.Equal(got, rs) {
		t.Fatalf("SplitRoles(JoinRoles) = %v", got)
	}
	if got := SplitRoles(""); len(got) != 0 {
		t.Fatalf("SplitRoles(\"\") = %v, want none", got)
	}
}

// The whole grants table, spelled out: a change to who may do what must
// change this test too.
func TestPermissionGrants(t *testing.T) {
	all := []Permission{PermSelf, PermDirectoryRead, PermDirectoryWrite, PermUsersManage, PermAuditRead, PermPatientsRead, PermPatientsWrite}
	clinician := []Permission{PermSelf, PermDirectoryRead, PermPatientsRead, PermPatientsWrite}
	office := []Permission{PermSelf, PermDirectoryRead, PermDirectoryWrite, PermUsersManage, PermAuditRead}
	want := map[Role][]Permission{
		RoleDoctor: clinician, RoleSpecialist: clinician, RoleConvener: clinician,
		RoleAllianceAdmin: office, RoleSysadmin: office,
	}
	for _, r := range Roles {
		a := Actor{Roles: []Role{r}}
		for _, p := range all {
			if got := a.Can(p); got != slices.Contains(want[r], p) {
				t.Errorf("%s Can(%s) = %v", r, p, got)
			}
		}
	}
	// Administrators work with aggregates only: no patient identity, whatever else they hold.
	for _, r := range []Role{RoleAllianceAdmin, RoleSysadmin} {
		a := Actor{Roles: []Role{r}}
		if a.Can(PermPatientsRead) || a.Can(PermPatientsWrite) {
			t.Errorf("%s has a patient permission", r)
		}
	}
	none := Actor{}
	for _, p := range all {
		if none.Can(p) {
			t.Errorf("an actor without roles Can(%s)", p)
		}
	}
	if (Actor{Roles: []Role{"ghost"}}).Can(PermSelf) {
		t.Error("an unknown role grants a permission")
	}
	both := Actor{Roles: []Role{RoleDoctor, RoleAllianceAdmin}}
	if !both.Can(PermPatientsRead) || !both.Can(PermUsersManage) || !both.Has(RoleDoctor) || both.Has(RoleSysadmin) {
		t.Error("permissions of several roles do not add up")
	}
}

func TestActorTravelsInTheContext(t *testing.T) {
	if _, ok := ActorFrom(context.Background()); ok {
		t.Fatal("an empty context has an actor")
	}
	a := Actor{UserID: "u1", Username: "wang", InstitutionID: "i1", Roles: []Role{RoleDoctor}, IP: "192.0.2.1", RequestID: "r1"}
	got, ok := ActorFrom(WithActor(context.Background(), a))
	if !ok || got.UserID != "u1" || got.Username != "wang" || got.IP != "192.0.2.1" || !got.Has(RoleDoctor) {
		t.Fatalf("ActorFrom = %+v, %v", got, ok)
	}
}

func TestUserValidate(t *testing.T) {
	valid := User{Username: "wang.li", DisplayName: "王丽", Roles: []Role{RoleDoctor}, Title: "resident", InstitutionID: "i1"}
	u := valid
	u.Username, u.DisplayName = "  wang.li ", " 王丽 "
	if err := u.Validate(); err != nil || u.Username != "wang.li" || u.DisplayName != "王丽" {
		t.Fatalf("Validate = %v, trimmed to %q %q", err, u.Username, u.DisplayName)
	}
	for field, edit := range map[string]func(u *User){
		"username":      func(u *User) { u.Username = "wl" },
		"displayName":   func(u *User) { u.DisplayName = strings.Repeat("名", 65) },
		"roles":         func(u *User) { u.Roles = nil },
		"institutionId": func(u *User) { u.InstitutionID = "" },
		"title":         func(u *User) { u.Title = "professor" },
		"practiceYears": func(u *User) { u.PracticeYears = 71 },
		"phone":         func(u *User) { u.Phone = strings.Repeat("1", 33) },
	} {
		u := valid
		edit(&u)
		e, ok := apperr.As(u.Validate())
		if !ok || e.Code != apperr.Invalid || e.Field != field {
			t.Errorf("invalid %s: Validate = %v", field, e)
		}
	}
	for _, name := range []string{"WangLi", "wang li", "-wang", strings.Repeat("a", 33), "王丽"} {
		u := valid
		u.Username = name
		if u.Validate() == nil {
			t.Errorf("username %q accepted", name)
		}
	}
}
