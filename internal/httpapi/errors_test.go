package httpapi

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

// TestOddInputScenarios sends input that reaches the database in odd shapes.
// The harness checks every body for SQL text and stack traces; here each
// must also get a 4xx or 2xx, never a 500. PostgreSQL refuses NUL characters
// and invalid UTF-8 that SQLite stores, so these run on both.
func TestOddInputScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		const insts = "/api/v1/institutions"
		e.run(t, []scenario{
			{name: "quote in an id", actor: "admin", method: "GET", path: insts + "/x'%20OR%20'1'='1",
				wantStatus: 404, wantContains: []string{`"code":"not_found"`}},
			{name: "SQL in a search", actor: "chc-doctor", method: "GET", path: "/api/v1/patients?q=%27%3B%20DROP%20TABLE%20patients%3B--",
				wantStatus: 200, wantContains: []string{`"items":[]`}},
			{name: "LIKE wildcards match literally", actor: "admin", method: "GET", path: insts + "?q=%25", wantStatus: 200,
				wantContains: []string{`"items":[]`}},
			{name: "LIKE escape matches literally", actor: "admin", method: "GET", path: "/api/v1/users?q=a%5Cb", wantStatus: 200,
				wantContains: []string{`"items":[]`}},
			{name: "audit cursor that is not an id", actor: "admin", method: "GET", path: "/api/v1/audit?cursor=%27%27",
				wantStatus: 200, wantContains: []string{`"items":[`}},
			{name: "unique violation becomes a conflict", actor: "admin", method: "POST", path: "/api/v1/users",
				body:       `{"username":"chc-doctor","displayName":"x","roles":["doctor"],"institutionId":"{{inst.chc-doctor}}","title":"resident"}`,
				wantStatus: 409, wantContains: []string{`"code":"conflict"`, `"field":"username"`, "taken"}},

			// Text the database cannot hold is a 400 naming where it was.
			{name: "NUL in a path id", actor: "admin", method: "GET", path: insts + "/%00", wantStatus: 400, wantContains: invalid("id")},
			{name: "invalid UTF-8 in a path id", actor: "admin", method: "GET", path: insts + "/%FF", wantStatus: 400, wantContains: invalid("id")},
			{name: "invalid UTF-8 in a patient id", actor: "chc-doctor", method: "GET", path: "/api/v1/patients/%C3%28/consents",
				wantStatus: 400, wantContains: invalid("id")},
			{name: "invalid UTF-8 in a search", actor: "chc-doctor", method: "GET", path: "/api/v1/patients?q=%FF", wantStatus: 400,
				wantContains: invalid("q")},
			{name: "NUL in a search", actor: "admin", method: "GET", path: "/api/v1/users?q=%00", wantStatus: 400, wantContains: invalid("q")},
			{name: "invalid UTF-8 in a cursor", actor: "admin", method: "GET", path: "/api/v1/audit?cursor=%FF", wantStatus: 400,
				wantContains: invalid("cursor")},
			{name: "NUL in a filter", actor: "admin", method: "GET", path: "/api/v1/audit?action=%00", wantStatus: 400,
				wantContains: invalid("action")},
			{name: "NUL in a JSON string", actor: "admin", method: "POST", path: insts, unchanged: insts,
				body: `{"name":"a\u0000b","level":"chc","kind":"chc","regionCode":"340104"}`, wantStatus: 400, wantContains: invalid("name")},
			{name: "NUL in a JSON array", actor: "admin", method: "PATCH", path: insts + "/{{inst.chc-doctor}}", unchanged: insts,
				body: `{"subSpecialties":["mood","\u0000"]}`, wantStatus: 400, wantContains: invalid("subSpecialties")},
			{name: "NUL in a login", method: "POST", path: "/api/v1/auth/login",
				body: `{"username":"chc-doctor\u0000","password":"lianxin-demo"}`, wantStatus: 400, wantContains: invalid("username")},
			{name: "invalid UTF-8 in a login is replaced, not stored", method: "POST", path: "/api/v1/auth/login",
				body: "{\"username\":\"chc-doctor\xff\",\"password\":\"lianxin-demo\"}", wantStatus: 401},
			{name: "invalid UTF-8 request id is not trusted", method: "POST", path: "/api/v1/auth/login",
				headers: map[string]string{"X-Request-Id": "\xff\xfe"},
				body:    `{"username":"chc-doctor","password":"lianxin-demo"}`, wantStatus: 200,
				after: func(t *testing.T, e *env, r *response) {
					if id := r.header.Get("X-Request-Id"); id == "\xff\xfe" || id == "" {
						t.Errorf("response X-Request-Id %q: want one the server made", id)
					}
				}},
			{name: "a safe request id is kept", method: "GET", path: "/healthz",
				headers: map[string]string{"X-Request-Id": "lb-7f3a_01.x"}, wantStatus: 200,
				after: func(t *testing.T, e *env, r *response) {
					if id := r.header.Get("X-Request-Id"); id != "lb-7f3a_01.x" {
						t.Errorf("response X-Request-Id %q, want the caller's", id)
					}
				}},
		})
	})
}

// TestInternalErrorsAreOpaque checks the 500 path: a database error or a
// panic reaches the client as "internal error" and nothing more.
func TestInternalErrorsAreOpaque(t *testing.T) {
	var logged strings.Builder
	s := New(Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	s.Echo().Logger.SetOutput(io.Discard) // Recover also prints the stack there
	s.Echo().GET("/test/db-error", func(c echo.Context) error {
		return errors.New(`gorm: ERROR: relation "patients" does not exist (SQLSTATE 42P01): SELECT * FROM patients`)
	})
	s.Echo().GET("/test/panic", func(c echo.Context) error { panic("boom in store/patient.go:42") })
	for _, path := range []string{"/test/db-error", "/test/panic"} {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != 500 || string(body) != `{"error":{"code":"internal","message":"internal error"}}`+"\n" {
			t.Errorf("%s: %d %s", path, rec.Code, body)
		}
		for _, leak := range leaks {
			if strings.Contains(string(body), leak) {
				t.Errorf("%s: body leaks %q", path, leak)
			}
		}
	}
	if !strings.Contains(logged.String(), "SQLSTATE 42P01") || !strings.Contains(logged.String(), "boom") {
		t.Errorf("the server log should keep what the client does not see:\n%s", logged.String())
	}
}
