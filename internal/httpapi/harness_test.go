package httpapi

// The API scenario harness, in the manner of PocketBase's tests.ApiScenario:
// a table of requests, each with its actor, expected status and expected body
// fragments, run in order against the real server on a real, migrated store
// seeded with the demo alliance (internal/demo).
//
// Use it as
//
//	storetest.Each(t, func(t *testing.T, st *store.Store) {
//		e := newEnv(t, st)
//		e.run(t, []scenario{{name: "...", actor: "chc-doctor", method: "GET", path: "/api/v1/me", ...}})
//	})
//
// Scenarios of one table share the env and run in order, so a scenario can
// build on the ones before it. Paths, bodies and headers may hold {{name}}
// placeholders filled from the env: newEnv sets {{alliance}} (the demo
// alliance), {{user.USERNAME}} and {{inst.USERNAME}} (each demo account's id
// and institution id); a scenario's capture, or e.set, adds more.
//
// Every response is checked for invariants whatever the scenario says: an
// error has the one error shape, no body carries SQL text or a stack trace,
// and no body carries any string given to e.forbidInBodies (full national IDs).
//
// A "Transfer-Encoding: chunked" header in a scenario sends the body without
// a Content-Length, to reach the limits that apply while a body is read.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/demo"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/signaling/presence"
)

// scenario is one request and what must come back.
type scenario struct {
	name string
	// actor is the demo username the request is sent as, with a bearer
	// token; "" sends it without one (add a Cookie header for cookie auth).
	actor   string
	method  string
	path    string
	body    string // raw, so malformed JSON and binary files can be sent
	headers map[string]string

	wantStatus      int
	wantContains    []string
	wantNotContains []string

	// unchanged is a GET path fetched, as the same actor with the same
	// headers, before and after the request: its bodies must be equal. It
	// proves that a refused write wrote nothing.
	unchanged string
	// unchangedAs fetches unchanged as this actor instead (when the
	// scenario's own actor may not read it).
	unchangedAs string
	// capture stores values of the JSON response as placeholders:
	// placeholder name → dotted path into the body ("user.id", "items.0.id").
	capture map[string]string
	// after runs extra checks on the response.
	after func(t *testing.T, e *env, r *response)
}

// response is what came back.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic value.
func (r *response) json(t *testing.T) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("response is not JSON (%v): %.300s", err, r.body)
	}
	return v
}

// env is a running server on its own store, with cached logins and placeholders.
type env struct {
	st     *store.Store
	srv    *httptest.Server
	tokens map[string]string
	vars   map[string]string
	forbid []string
}

// newEnv seeds st with the demo alliance and serves the API on it until the test ends.
func newEnv(t *testing.T, st *store.Store, tweak ...func(*Options)) *env {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.Seed(ctx, st); err != nil {
		t.Fatalf("seed demo: %v", err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	o := Options{Store: st, Presence: presence.NewMemory(), Logger: log, Version: "test"}
	for _, f := range tweak {
		f(&o)
	}
	srv := httptest.NewServer(New(o).Handler())
	t.Cleanup(srv.Close)
	e := &env{st: st, srv: srv, tokens: map[string]string{}, vars: map[string]string{}}
	as, err := st.ListAlliances(ctx)
	if err != nil || len(as) != 1 {
		t.Fatalf("demo alliances = %v, %v", as, err)
	}
	e.vars["alliance"] = as[0].ID
	us, err := st.ListUsers(ctx, store.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		e.vars["user."+u.Username] = u.ID
		e.vars["inst."+u.Username] = u.InstitutionID
	}
	return e
}

// testWriter sends the server's warnings and errors to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// set defines the placeholder {{name}}.
func (e *env) set(name, value string) { e.vars[name] = value }

// get returns the value of placeholder name.
func (e *env) get(t *testing.T, name string) string {
	t.Helper()
	v, ok := e.vars[name]
	if !ok {
		t.Fatalf("placeholder {{%s}} is not set", name)
	}
	return v
}

// forbidInBodies makes every later response fail the test if it contains s.
func (e *env) forbidInBodies(s string) { e.forbid = append(e.forbid, s) }

var placeholder = regexp.MustCompile(`\{\{([A-Za-z0-9._-]+)\}\}`)

// expand fills the {{name}} placeholders of s.
func (e *env) expand(t *testing.T, s string) string {
	t.Helper()
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		return e.get(t, m[2:len(m)-2])
	})
}

// token logs actor in (once per env) with the demo password.
func (e *env) token(t *testing.T, actor string) string {
	t.Helper()
	if tok, ok := e.tokens[actor]; ok {
		return tok
	}
	body, _ := json.Marshal(loginRequest{Username: actor, Password: demo.Password})
	r := e.send(t, "", http.MethodPost, "/api/v1/auth/login", string(body), nil)
	if r.status != http.StatusOK {
		t.Fatalf("login %s: %d %s", actor, r.status, r.body)
	}
	var l struct{ Token string }
	if err := json.Unmarshal(r.body, &l); err != nil || l.Token == "" {
		t.Fatalf("login %s: no token in %s", actor, r.body)
	}
	e.tokens[actor] = l.Token
	return l.Token
}

// send makes one request (placeholders already expanded) and checks the
// invariants every response must keep.
func (e *env) send(t *testing.T, actor, method, path, body string, headers map[string]string) *response {
	t.Helper()
	var rd io.Reader = strings.NewReader(body)
	if headers["Transfer-Encoding"] == "chunked" {
		rd = io.MultiReader(rd) // hides the length, so the client streams the body
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		if k != "Transfer-Encoding" {
			req.Header.Set(k, v)
		}
	}
	if actor != "" {
		req.Header.Set("Authorization", "Bearer "+e.token(t, actor))
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	r := &response{status: res.StatusCode, header: res.Header, body: b}
	e.checkInvariants(t, method, path, r)
	return r
}

// leaks are strings that betray SQL, the ORM or a stack trace.
var leaks = []string{"SQLSTATE", "sqlite", "gorm", "pgx", "panic", "goroutine", ".go:", "SELECT ", "INSERT ", "UPDATE "}

func (e *env) checkInvariants(t *testing.T, method, path string, r *response) {
	t.Helper()
	for _, s := range e.forbid {
		if bytes.Contains(r.body, []byte(s)) {
			t.Errorf("%s %s: response body contains forbidden %q", method, path, s)
		}
	}
	if r.status < 400 {
		return
	}
	for _, s := range leaks {
		if bytes.Contains(r.body, []byte(s)) {
			t.Errorf("%s %s: error body leaks %q: %s", method, path, s, r.body)
		}
	}
	var eb struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.body, &eb); err != nil || eb.Error == nil || eb.Error.Code == "" || eb.Error.Message == "" {
		t.Errorf("%s %s: %d body is not the error shape: %s", method, path, r.status, r.body)
	} else if want := codeOfStatus[r.status]; r.status == http.StatusInternalServerError && eb.Error.Code != "internal" ||
		want != "" && eb.Error.Code != want {
		t.Errorf("%s %s: status %d with code %q", method, path, r.status, eb.Error.Code)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: error Content-Type %q, want JSON", method, path, ct)
	}
}

// run runs the scenarios in order, each as a subtest.
func (e *env) run(t *testing.T, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) { e.runOne(t, sc) })
	}
}

func (e *env) runOne(t *testing.T, sc scenario) {
	t.Helper()
	path, body := e.expand(t, sc.path), e.expand(t, sc.body)
	headers := map[string]string{}
	for k, v := range sc.headers {
		headers[k] = e.expand(t, v)
	}
	reader, readerHeaders := sc.actor, readHeaders(headers)
	if sc.unchangedAs != "" {
		reader, readerHeaders = sc.unchangedAs, nil
	}
	var before *response
	if sc.unchanged != "" {
		before = e.send(t, reader, http.MethodGet, e.expand(t, sc.unchanged), "", readerHeaders)
		if before.status != http.StatusOK {
			t.Fatalf("unchanged %s: %d %s", sc.unchanged, before.status, before.body)
		}
	}
	r := e.send(t, sc.actor, sc.method, path, body, headers)
	if r.status != sc.wantStatus {
		t.Fatalf("%s %s: status %d, want %d; body: %.500s", sc.method, path, r.status, sc.wantStatus, r.body)
	}
	for _, w := range sc.wantContains {
		if w = e.expand(t, w); !bytes.Contains(r.body, []byte(w)) {
			t.Errorf("%s %s: body lacks %q: %.800s", sc.method, path, w, r.body)
		}
	}
	for _, w := range sc.wantNotContains {
		if w = e.expand(t, w); bytes.Contains(r.body, []byte(w)) {
			t.Errorf("%s %s: body contains %q: %.800s", sc.method, path, w, r.body)
		}
	}
	if before != nil {
		after := e.send(t, reader, http.MethodGet, e.expand(t, sc.unchanged), "", readerHeaders)
		if !bytes.Equal(before.body, after.body) {
			t.Errorf("a refused %s %s changed %s:\nbefore %.500s\nafter  %.500s", sc.method, path, sc.unchanged, before.body, after.body)
		}
	}
	for name, p := range sc.capture {
		v, ok := lookup(r.json(t), p)
		if !ok {
			t.Fatalf("capture %s: no %q in %.500s", name, p, r.body)
		}
		e.set(name, v)
	}
	if sc.after != nil {
		sc.after(t, e, r)
	}
}

// readHeaders keeps the headers that identify the caller (for the unchanged GET).
func readHeaders(h map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		if http.CanonicalHeaderKey(k) == "Cookie" || http.CanonicalHeaderKey(k) == "Authorization" {
			out[k] = v
		}
	}
	return out
}

// lookup follows a dotted path ("user.id", "items.0.id") into a decoded JSON
// value and returns the scalar there as a string.
func lookup(v any, path string) (string, bool) {
	for _, key := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[key]; !ok {
				return "", false
			}
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(x) {
				return "", false
			}
			v = x[i]
		default:
			return "", false
		}
	}
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// invalid is the body fragments of a 400 naming field.
func invalid(field string) []string {
	return []string{`"code":"invalid"`, `"field":"` + field + `"`}
}
