package httpapi

import (
	"testing"

	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

func TestUserScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		const users = "/api/v1/users"
		const login = "/api/v1/auth/login"
		// user is a valid new account at the CHC, with extra fields spliced in.
		user := func(name, extra string) string {
			return `{"username":"` + name + `","displayName":"刘医生","roles":["doctor"],"institutionId":"{{inst.chc-doctor}}",` +
				`"title":"resident","practiceYears":3,"phone":"13800000000"` + extra + `}`
		}
		badUser := func(name, body, field string) scenario {
			return scenario{name: "create user: " + name, actor: "admin", method: "POST", path: users, body: body,
				unchanged: users, wantStatus: 400, wantContains: invalid(field)}
		}
		bearer := func(tok string) map[string]string {
			return map[string]string{"Authorization": "Bearer {{" + tok + "}}"}
		}
		e.run(t, []scenario{
			{name: "a failed login, for comparison", method: "POST", path: login,
				body: `{"username":"nobody-here","password":"whatever-it-is"}`, wantStatus: 401, after: rememberBody("badLogin")},

			{name: "admin lists users", actor: "admin", method: "GET", path: users, wantStatus: 200,
				wantContains: []string{`"username":"specialist"`, `"username":"convener"`, `"username":"county-doctor"`,
					`"username":"chc-doctor"`, `"username":"admin"`, `"institution":{`},
				wantNotContains: []string{"password", "Hash"}},
			{name: "users by query", actor: "admin", method: "GET", path: users + "?q=DOCTOR", wantStatus: 200,
				wantContains: []string{`"username":"county-doctor"`, `"username":"chc-doctor"`}, wantNotContains: []string{`"username":"specialist"`}},
			{name: "users by institution", actor: "admin", method: "GET", path: users + "?institutionId={{inst.chc-doctor}}", wantStatus: 200,
				wantContains: []string{`"username":"chc-doctor"`}, wantNotContains: []string{`"username":"county-doctor"`}},
			{name: "doctor cannot list users", actor: "chc-doctor", method: "GET", path: users, wantStatus: 403,
				wantContains: []string{`"code":"forbidden"`}},
			{name: "specialist cannot list users", actor: "specialist", method: "GET", path: users, wantStatus: 403},
			{name: "doctor cannot create users", actor: "chc-doctor", method: "POST", path: users, body: user("liu-doctor", ""),
				unchanged: users, unchangedAs: "admin", wantStatus: 403, wantContains: []string{`"code":"forbidden"`}},
			{name: "convener cannot create users", actor: "convener", method: "POST", path: users, body: user("liu-doctor", ""),
				unchanged: users, unchangedAs: "admin", wantStatus: 403},

			badUser("malformed JSON", `{"username":"liu-doctor"`, "body"),
			badUser("missing username", `{"displayName":"刘","roles":["doctor"],"institutionId":"{{inst.chc-doctor}}","title":"resident"}`, "username"),
			badUser("bad username", user("Liu Doctor", ""), "username"),
			badUser("username of wrong type", `{"username":42}`, "username"),
			badUser("missing displayName", `{"username":"liu-doctor","roles":["doctor"],"institutionId":"{{inst.chc-doctor}}","title":"resident"}`, "displayName"),
			badUser("unknown role", `{"username":"liu-doctor","displayName":"刘","roles":["god"],"institutionId":"{{inst.chc-doctor}}","title":"resident"}`, "roles"),
			badUser("no roles", `{"username":"liu-doctor","displayName":"刘","roles":[],"institutionId":"{{inst.chc-doctor}}","title":"resident"}`, "roles"),
			badUser("missing roles", `{"username":"liu-doctor","displayName":"刘","institutionId":"{{inst.chc-doctor}}","title":"resident"}`, "roles"),
			badUser("roles not an array", `{"username":"liu-doctor","displayName":"刘","roles":"doctor","institutionId":"{{inst.chc-doctor}}","title":"resident"}`, "roles"),
			badUser("role of wrong type", `{"username":"liu-doctor","displayName":"刘","roles":[1],"institutionId":"{{inst.chc-doctor}}","title":"resident"}`, "roles"),
			badUser("unknown title", `{"username":"liu-doctor","displayName":"刘","roles":["doctor"],"institutionId":"{{inst.chc-doctor}}","title":"professor"}`, "title"),
			badUser("missing title", `{"username":"liu-doctor","displayName":"刘","roles":["doctor"],"institutionId":"{{inst.chc-doctor}}"}`, "title"),
			badUser("practiceYears of wrong type", user("liu-doctor", `,"practiceYears":"ten"`), "practiceYears"),
			badUser("practiceYears out of range", `{"username":"liu-doctor","displayName":"刘","roles":["doctor"],"institutionId":"{{inst.chc-doctor}}","title":"resident","practiceYears":99}`, "practiceYears"),
			badUser("unknown institution", `{"username":"liu-doctor","displayName":"刘","roles":["doctor"],"institutionId":"no-such-id","title":"resident"}`, "institutionId"),
			badUser("missing institution", `{"username":"liu-doctor","displayName":"刘","roles":["doctor"],"title":"resident"}`, "institutionId"),
			badUser("short password", user("liu-doctor", `,"password":"short"`), "password"),
			badUser("created disabled", user("liu-doctor", `,"disabled":true`), "disabled"),
			badUser("unknown field", user("liu-doctor", `,"email":"liu@example.org"`), "email"),
			{name: "create user: body over 1 MB", actor: "admin", method: "POST", path: users, body: bigJSON,
				unchanged: users, wantStatus: 413, wantContains: []string{`"code":"too_large"`}},

			// An alliance administrator manages only the alliance's members.
			{name: "an institution outside the alliance", actor: "admin", method: "POST", path: "/api/v1/institutions",
				body:       `{"name":"上海市精神卫生中心","level":"tertiary","kind":"psychiatric_hospital","regionCode":"310000"}`,
				wantStatus: 201, capture: map[string]string{"outside": "id"}},
			{name: "admin cannot create users outside the alliance", actor: "admin", method: "POST", path: users,
				body:      `{"username":"sh-doctor","displayName":"沪医生","roles":["doctor"],"institutionId":"{{outside}}","title":"resident"}`,
				unchanged: users, wantStatus: 403, wantContains: []string{`"code":"forbidden"`}},

			{name: "admin creates a user and gets a generated password", actor: "admin", method: "POST", path: users,
				body: user("liu-doctor", ""), wantStatus: 201,
				wantContains: []string{`"user":{`, `"username":"liu-doctor"`, `"roles":["doctor"]`, `"disabled":false`,
					`"institution":{"id":"{{inst.chc-doctor}}"`, `"initialPassword":"`},
				capture: map[string]string{"liu": "user.id", "liuPassword": "initialPassword"}},
			{name: "admin creates a user with a chosen password", actor: "admin", method: "POST", path: users,
				body: user("zhao-doctor", `,"password":"zhao-password-1"`), wantStatus: 201,
				wantContains: []string{`"username":"zhao-doctor"`}, wantNotContains: []string{"initialPassword", "zhao-password-1"},
				capture: map[string]string{"zhao": "user.id"}},
			{name: "duplicate username", actor: "admin", method: "POST", path: users, body: user("liu-doctor", ""),
				unchanged: users, wantStatus: 409, wantContains: []string{`"code":"conflict"`, `"field":"username"`}},
			{name: "the new user logs in", method: "POST", path: login,
				body: `{"username":"liu-doctor","password":"{{liuPassword}}"}`, wantStatus: 200,
				wantContains: []string{`"username":"liu-doctor"`}, capture: map[string]string{"liuToken": "token"}},
			{name: "the new user sees the patients of their institution", method: "GET", path: "/api/v1/patients",
				headers: bearer("liuToken"), wantStatus: 200, wantContains: []string{`"items":[]`}},
			{name: "the new user cannot manage users", method: "GET", path: users, headers: bearer("liuToken"), wantStatus: 403},

			// Edits.
			{name: "patch user", actor: "admin", method: "PATCH", path: users + "/{{liu}}",
				body: `{"roles":["doctor","convener"],"practiceYears":5,"title":"attending"}`, wantStatus: 200,
				wantContains: []string{`"roles":["doctor","convener"]`, `"practiceYears":5`, `"title":"attending"`}},
			{name: "patch user: username is fixed", actor: "admin", method: "PATCH", path: users + "/{{liu}}", body: `{"username":"liu2"}`,
				unchanged: users, wantStatus: 400, wantContains: invalid("username")},
			{name: "patch user: institution is fixed", actor: "admin", method: "PATCH", path: users + "/{{liu}}",
				body: `{"institutionId":"{{inst.county-doctor}}"}`, unchanged: users, wantStatus: 400, wantContains: invalid("institutionId")},
			{name: "patch user: no password", actor: "admin", method: "PATCH", path: users + "/{{liu}}", body: `{"password":"a-new-password-1"}`,
				unchanged: users, wantStatus: 400, wantContains: invalid("password")},
			{name: "patch user: unknown role", actor: "admin", method: "PATCH", path: users + "/{{liu}}", body: `{"roles":["root"]}`,
				unchanged: users, wantStatus: 400, wantContains: invalid("roles")},
			{name: "patch user: disabled of wrong type", actor: "admin", method: "PATCH", path: users + "/{{liu}}", body: `{"disabled":"yes"}`,
				unchanged: users, wantStatus: 400, wantContains: invalid("disabled")},
			{name: "patch user: blank displayName", actor: "admin", method: "PATCH", path: users + "/{{liu}}", body: `{"displayName":""}`,
				unchanged: users, wantStatus: 400, wantContains: invalid("displayName")},
			{name: "patch unknown user", actor: "admin", method: "PATCH", path: users + "/no-such-id", body: `{"practiceYears":1}`,
				wantStatus: 404, wantContains: []string{`"code":"not_found"`}},
			{name: "doctor cannot patch users", actor: "chc-doctor", method: "PATCH", path: users + "/{{liu}}", body: `{"disabled":true}`,
				unchanged: users, unchangedAs: "admin", wantStatus: 403},

			// Disabling ends sessions and logins; enabling restores logins.
			{name: "disable", actor: "admin", method: "PATCH", path: users + "/{{liu}}", body: `{"disabled":true}`, wantStatus: 200,
				wantContains: []string{`"disabled":true`}},
			{name: "a disabled user's session is over", method: "GET", path: "/api/v1/me", headers: bearer("liuToken"), wantStatus: 401},
			{name: "a disabled user cannot log in", method: "POST", path: login,
				body: `{"username":"liu-doctor","password":"{{liuPassword}}"}`, wantStatus: 401, after: sameBodyAs("badLogin")},
			{name: "enable", actor: "admin", method: "PATCH", path: users + "/{{liu}}", body: `{"disabled":false}`, wantStatus: 200,
				wantContains: []string{`"disabled":false`}},
			{name: "an enabled user logs in again", method: "POST", path: login,
				body: `{"username":"liu-doctor","password":"{{liuPassword}}"}`, wantStatus: 200},

			// Lockout and reset.
			{name: "zhao logs in", method: "POST", path: login, body: `{"username":"zhao-doctor","password":"zhao-password-1"}`,
				wantStatus: 200, capture: map[string]string{"zhaoToken": "token"}},
			wrongPassword("zhao-doctor", 1), wrongPassword("zhao-doctor", 2), wrongPassword("zhao-doctor", 3),
			wrongPassword("zhao-doctor", 4), wrongPassword("zhao-doctor", 5),
			{name: "zhao is locked out", method: "POST", path: login, body: `{"username":"zhao-doctor","password":"zhao-password-1"}`,
				wantStatus: 401, after: sameBodyAs("badLogin")},
			{name: "admin sees the lock", actor: "admin", method: "GET", path: users + "?q=zhao", wantStatus: 200,
				wantContains: []string{`"username":"zhao-doctor"`, `"lockedUntil":"20`}},
			{name: "doctor cannot reset passwords", actor: "chc-doctor", method: "POST", path: users + "/{{zhao}}/reset-password",
				unchanged: users + "?q=zhao", unchangedAs: "admin", wantStatus: 403},
			{name: "reset unknown user", actor: "admin", method: "POST", path: users + "/no-such-id/reset-password", wantStatus: 404},
			{name: "reset password", actor: "admin", method: "POST", path: users + "/{{zhao}}/reset-password", wantStatus: 200,
				wantContains: []string{`"initialPassword":"`}, capture: map[string]string{"zhaoPassword": "initialPassword"}},
			{name: "reset unlocks", actor: "admin", method: "GET", path: users + "?q=zhao", wantStatus: 200,
				wantContains: []string{`"lockedUntil":null`}},
			{name: "reset ends the old sessions", method: "GET", path: "/api/v1/me", headers: bearer("zhaoToken"), wantStatus: 401},
			{name: "the old password is gone", method: "POST", path: login, body: `{"username":"zhao-doctor","password":"zhao-password-1"}`,
				wantStatus: 401},
			{name: "the reset password logs in", method: "POST", path: login,
				body: `{"username":"zhao-doctor","password":"{{zhaoPassword}}"}`, wantStatus: 200, wantContains: []string{`"token":"`}},
		})
	})
}
