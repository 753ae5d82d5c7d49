package httpapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

// rememberBody stores the response body as placeholder name.
func rememberBody(name string) func(*testing.T, *env, *response) {
	return func(t *testing.T, e *env, r *response) { e.set(name, string(r.body)) }
}

// sameBodyAs checks that the body equals the one remembered as name.
func sameBodyAs(name string) func(*testing.T, *env, *response) {
	return func(t *testing.T, e *env, r *response) {
		if want := e.get(t, name); string(r.body) != want {
			t.Errorf("body %s differs from %s's %s", r.body, name, want)
		}
	}
}

// cookieOf returns the response's Set-Cookie named name.
func cookieOf(t *testing.T, r *response, name string) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", name, r.header.Values("Set-Cookie"))
	return nil
}

// bigJSON is a well-formed JSON object larger than the 1 MB body limit.
var bigJSON = `{"name":"` + strings.Repeat("a", 1<<20) + `"}`

func TestAuthScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		const login = "/api/v1/auth/login"
		cookie := map[string]string{"Cookie": "lianxin_session={{session}}; lianxin_csrf={{csrf}}"}
		withCSRF := func(token string) map[string]string {
			return map[string]string{"Cookie": cookie["Cookie"], "X-CSRF-Token": token}
		}
		e.run(t, []scenario{
			{
				name: "login succeeds with token, csrfToken and user", method: "POST", path: login,
				body:       `{"username":"chc-doctor","password":"lianxin-demo"}`,
				wantStatus: 200,
				wantContains: []string{`"token":"`, `"csrfToken":"`, `"user":{`, `"username":"chc-doctor"`,
					`"institutionId":"{{inst.chc-doctor}}"`, `"institution":{`, `"lockedUntil":null`},
				wantNotContains: []string{"password", "Hash"},
				capture:         map[string]string{"loginToken": "token", "loginCSRF": "csrfToken"},
				after: func(t *testing.T, e *env, r *response) {
					s, c := cookieOf(t, r, sessionCookie), cookieOf(t, r, csrfCookie)
					if !s.HttpOnly || s.SameSite != http.SameSiteLaxMode || s.Path != "/" || s.MaxAge <= 0 {
						t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/, MaxAge>0", s)
					}
					if c.HttpOnly {
						t.Errorf("csrf cookie %+v must be readable by the page", c)
					}
					if s.Value != e.get(t, "loginToken") || c.Value != e.get(t, "loginCSRF") {
						t.Errorf("cookies %q/%q do not carry the token and csrfToken of the body", s.Value, c.Value)
					}
					e.set("session", s.Value)
					e.set("csrf", c.Value)
				},
			},
			{
				name: "wrong password is 401", method: "POST", path: login,
				body:       `{"username":"county-doctor","password":"not-the-password"}`,
				wantStatus: 401, wantContains: []string{`"code":"unauthorized"`},
				wantNotContains: []string{`"token"`},
				after:           rememberBody("badLogin"),
			},
			{
				name: "unknown user is 401 with the same body", method: "POST", path: login,
				body:       `{"username":"nobody-here","password":"not-the-password"}`,
				wantStatus: 401, wantContains: []string{`"code":"unauthorized"`},
				after: sameBodyAs("badLogin"),
			},

			// Bad login bodies.
			{name: "login malformed JSON", method: "POST", path: login, body: `{"username":"chc-doctor",`,
				wantStatus: 400, wantContains: invalid("body")},
			{name: "login syntax error", method: "POST", path: login, body: `{username: chc-doctor}`,
				wantStatus: 400, wantContains: invalid("body")},
			{name: "login empty body", method: "POST", path: login, body: "", headers: map[string]string{"Content-Type": "application/json"},
				wantStatus: 400, wantContains: invalid("body")},
			{name: "login JSON array", method: "POST", path: login, body: `["chc-doctor"]`,
				wantStatus: 400, wantContains: invalid("body")},
			{name: "login trailing data", method: "POST", path: login, body: `{"username":"a","password":"b"} {}`,
				wantStatus: 400, wantContains: invalid("body")},
			{name: "login wrong content type", method: "POST", path: login, body: `{"username":"a","password":"b"}`,
				headers: map[string]string{"Content-Type": "text/plain"}, wantStatus: 400, wantContains: invalid("body")},
			{name: "login username of wrong type", method: "POST", path: login, body: `{"username":5,"password":"x"}`,
				wantStatus: 400, wantContains: invalid("username")},
			{name: "login password of wrong type", method: "POST", path: login, body: `{"username":"chc-doctor","password":["lianxin-demo"]}`,
				wantStatus: 400, wantContains: invalid("password")},
			{name: "login unknown field", method: "POST", path: login, body: `{"username":"chc-doctor","password":"lianxin-demo","remember":true}`,
				wantStatus: 400, wantContains: invalid("remember")},
			{name: "login without username", method: "POST", path: login, body: `{"password":"lianxin-demo"}`,
				wantStatus: 400, wantContains: invalid("username")},
			{name: "login without password", method: "POST", path: login, body: `{"username":"chc-doctor"}`,
				wantStatus: 400, wantContains: invalid("password")},
			{name: "login body over 1 MB", method: "POST", path: login, body: bigJSON,
				wantStatus: 413, wantContains: []string{`"code":"too_large"`}},
			{name: "login body over 1 MB, streamed", method: "POST", path: login, body: bigJSON,
				headers:    map[string]string{"Transfer-Encoding": "chunked"},
				wantStatus: 413, wantContains: []string{`"code":"too_large"`}},

			// Who am I.
			{name: "me without auth", method: "GET", path: "/api/v1/me",
				wantStatus: 401, wantContains: []string{`"code":"unauthorized"`}},
			{name: "me with an unknown token", method: "GET", path: "/api/v1/me",
				headers:    map[string]string{"Authorization": "Bearer not-a-token"},
				wantStatus: 401, wantContains: []string{`"code":"unauthorized"`}},
			{name: "me with bearer", actor: "county-doctor", method: "GET", path: "/api/v1/me",
				wantStatus: 200, wantContains: []string{`"username":"county-doctor"`, `"alliances":[{`, `"id":"{{alliance}}"`}},

			// Cookie sessions and CSRF.
			{name: "cookie GET needs no CSRF token", method: "GET", path: "/api/v1/me", headers: cookie,
				wantStatus: 200, wantContains: []string{`"username":"chc-doctor"`}},
			{name: "cookie PATCH without CSRF token is 403", method: "PATCH", path: "/api/v1/me", headers: cookie,
				body: `{"displayName":"张医生（改）"}`, unchanged: "/api/v1/me",
				wantStatus: 403, wantContains: []string{`"code":"forbidden"`, "CSRF"}},
			{name: "cookie PATCH with a wrong CSRF token is 403", method: "PATCH", path: "/api/v1/me",
				headers: withCSRF("{{loginToken}}"), body: `{"displayName":"张医生（改）"}`, unchanged: "/api/v1/me",
				wantStatus: 403, wantContains: []string{`"code":"forbidden"`, "CSRF"}},
			{name: "cookie POST without CSRF token is 403", method: "POST", path: "/api/v1/me/password", headers: cookie,
				body:       `{"currentPassword":"lianxin-demo","newPassword":"a-new-password-1"}`,
				wantStatus: 403, wantContains: []string{"CSRF"}},
			{name: "cookie PUT without CSRF token is 403", method: "PUT", path: "/api/v1/patients/x/consents/y/form", headers: cookie,
				body: pdfForm, wantStatus: 403, wantContains: []string{"CSRF"}},
			{name: "cookie DELETE without CSRF token is 403", method: "DELETE", path: "/api/v1/alliances/{{alliance}}/members/{{inst.county-doctor}}",
				headers: cookie, wantStatus: 403, wantContains: []string{"CSRF"}},
			{name: "cookie logout without CSRF token is 403", method: "POST", path: "/api/v1/auth/logout", headers: cookie,
				wantStatus: 403, wantContains: []string{"CSRF"}},
			{name: "cookie session survived the refused logout", method: "GET", path: "/api/v1/me", headers: cookie,
				wantStatus: 200, wantContains: []string{`"username":"chc-doctor"`}},
			{name: "cookie PATCH with the CSRF token succeeds", method: "PATCH", path: "/api/v1/me",
				headers: withCSRF("{{csrf}}"), body: `{"displayName":"张医生（改）"}`,
				wantStatus: 200, wantContains: []string{`"displayName":"张医生（改）"`, `"alliances":[`}},
			{name: "bearer PATCH needs no CSRF token", actor: "chc-doctor", method: "PATCH", path: "/api/v1/me",
				body: `{"phone":"0551-1234567","title":"attending"}`, wantStatus: 200,
				wantContains: []string{`"phone":"0551-1234567"`, `"title":"attending"`, `"displayName":"张医生（改）"`}},

			// Bad profile edits write nothing.
			{name: "PATCH me with unknown title", actor: "chc-doctor", method: "PATCH", path: "/api/v1/me",
				body: `{"title":"professor"}`, unchanged: "/api/v1/me", wantStatus: 400, wantContains: invalid("title")},
			{name: "PATCH me cannot grant roles", actor: "chc-doctor", method: "PATCH", path: "/api/v1/me",
				body: `{"roles":["sysadmin"]}`, unchanged: "/api/v1/me", wantStatus: 400, wantContains: invalid("roles")},
			{name: "PATCH me with displayName of wrong type", actor: "chc-doctor", method: "PATCH", path: "/api/v1/me",
				body: `{"displayName":7}`, unchanged: "/api/v1/me", wantStatus: 400, wantContains: invalid("displayName")},
			{name: "PATCH me with empty displayName", actor: "chc-doctor", method: "PATCH", path: "/api/v1/me",
				body: `{"displayName":"  "}`, unchanged: "/api/v1/me", wantStatus: 400, wantContains: invalid("displayName")},
			{name: "PATCH me malformed", actor: "chc-doctor", method: "PATCH", path: "/api/v1/me",
				body: `{"displayName":}`, unchanged: "/api/v1/me", wantStatus: 400, wantContains: invalid("body")},
			{name: "PATCH me over 1 MB", actor: "chc-doctor", method: "PATCH", path: "/api/v1/me",
				body: `{"displayName":"` + strings.Repeat("x", 1<<20) + `"}`, unchanged: "/api/v1/me",
				wantStatus: 413, wantContains: []string{`"code":"too_large"`}},

			// Logout.
			{name: "second login for logout", method: "POST", path: login,
				body: `{"username":"county-doctor","password":"lianxin-demo"}`, wantStatus: 200,
				wantContains: []string{`"token":"`}, capture: map[string]string{"tok2": "token"}},
			{name: "token works before logout", method: "GET", path: "/api/v1/me",
				headers: map[string]string{"Authorization": "Bearer {{tok2}}"}, wantStatus: 200,
				wantContains: []string{`"username":"county-doctor"`}},
			{name: "logout", method: "POST", path: "/api/v1/auth/logout",
				headers: map[string]string{"Authorization": "Bearer {{tok2}}"}, wantStatus: 204,
				after: func(t *testing.T, e *env, r *response) {
					if len(r.body) != 0 {
						t.Errorf("204 with body %q", r.body)
					}
					if c := cookieOf(t, r, sessionCookie); c.MaxAge >= 0 || c.Value != "" {
						t.Errorf("logout left the session cookie %+v", c)
					}
				}},
			{name: "token is revoked after logout", method: "GET", path: "/api/v1/me",
				headers: map[string]string{"Authorization": "Bearer {{tok2}}"}, wantStatus: 401,
				wantContains: []string{`"code":"unauthorized"`}},
			{name: "other sessions of the user survive a logout", actor: "county-doctor", method: "GET", path: "/api/v1/me",
				wantStatus: 200, wantContains: []string{`"username":"county-doctor"`}},

			// Lockout: the fifth failure locks; then even the right password is refused, with the same body.
			wrongPassword("convener", 1), wrongPassword("convener", 2), wrongPassword("convener", 3),
			wrongPassword("convener", 4), wrongPassword("convener", 5),
			{name: "locked account refuses the right password", method: "POST", path: login,
				body:       `{"username":"convener","password":"lianxin-demo"}`,
				wantStatus: 401, wantNotContains: []string{`"token"`}, after: sameBodyAs("badLogin")},

			// Password change.
			{name: "new password too short", actor: "chc-doctor", method: "POST", path: "/api/v1/me/password",
				body: `{"currentPassword":"lianxin-demo","newPassword":"short"}`, wantStatus: 400, wantContains: invalid("newPassword")},
			{name: "wrong current password", actor: "chc-doctor", method: "POST", path: "/api/v1/me/password",
				body: `{"currentPassword":"wrong-one-here","newPassword":"a-new-password-1"}`, wantStatus: 400,
				wantContains: invalid("currentPassword")},
			{name: "password change malformed", actor: "chc-doctor", method: "POST", path: "/api/v1/me/password",
				body: `{"currentPassword":"lianxin-demo",`, wantStatus: 400, wantContains: invalid("body")},
			{name: "password change with new password of wrong type", actor: "chc-doctor", method: "POST", path: "/api/v1/me/password",
				body: `{"currentPassword":"lianxin-demo","newPassword":1234567890123}`, wantStatus: 400, wantContains: invalid("newPassword")},
			{name: "password change over 1 MB", actor: "chc-doctor", method: "POST", path: "/api/v1/me/password",
				body: `{"currentPassword":"lianxin-demo","newPassword":"` + strings.Repeat("x", 1<<20) + `"}`, wantStatus: 413,
				wantContains: []string{`"code":"too_large"`}},
			{name: "password change with unknown field", actor: "chc-doctor", method: "POST", path: "/api/v1/me/password",
				body:       `{"currentPassword":"lianxin-demo","newPassword":"a-new-password-1","confirm":"a-new-password-1"}`,
				wantStatus: 400, wantContains: invalid("confirm")},
			{name: "old password still works after refused changes", method: "POST", path: login,
				body: `{"username":"chc-doctor","password":"lianxin-demo"}`, wantStatus: 200, wantContains: []string{`"token":"`}},
			{name: "password change", actor: "chc-doctor", method: "POST", path: "/api/v1/me/password",
				body: `{"currentPassword":"lianxin-demo","newPassword":"a-new-password-1"}`, wantStatus: 204},
			{name: "own session survives the change", actor: "chc-doctor", method: "GET", path: "/api/v1/me",
				wantStatus: 200, wantContains: []string{`"username":"chc-doctor"`}},
			{name: "other sessions are revoked by the change", method: "GET", path: "/api/v1/me", headers: cookie,
				wantStatus: 401},
			{name: "old password no longer works", method: "POST", path: login,
				body: `{"username":"chc-doctor","password":"lianxin-demo"}`, wantStatus: 401, after: sameBodyAs("badLogin")},
			{name: "new password works", method: "POST", path: login,
				body: `{"username":"chc-doctor","password":"a-new-password-1"}`, wantStatus: 200, wantContains: []string{`"token":"`}},
		})
	})
}

// wrongPassword is the n-th failed login of username.
func wrongPassword(username string, n int) scenario {
	return scenario{
		name: "wrong password " + string(rune('0'+n)) + " for " + username, method: "POST", path: "/api/v1/auth/login",
		body:       `{"username":"` + username + `","password":"guess-number-` + string(rune('0'+n)) + `"}`,
		wantStatus: 401, after: sameBodyAs("badLogin"),
	}
}
