package httpapi

import (
	"testing"

	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

func TestHealthScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		e.run(t, []scenario{
			{name: "healthz", method: "GET", path: "/healthz", wantStatus: 200,
				wantContains: []string{`"status":"ok"`, `"version":"test"`},
				after: func(t *testing.T, e *env, r *response) {
					for h, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
						"Referrer-Policy": "same-origin"} {
						if got := r.header.Get(h); got != want {
							t.Errorf("%s = %q, want %q", h, got, want)
						}
					}
					if r.header.Get("Content-Security-Policy") == "" || r.header.Get("X-Request-Id") == "" {
						t.Errorf("missing CSP or request id: %v", r.header)
					}
				}},
			{name: "readyz", method: "GET", path: "/readyz", wantStatus: 200,
				wantContains: []string{`"database":"ok"`, `"presence":"ok"`}},
			{name: "openapi document", method: "GET", path: "/api/openapi.yaml", wantStatus: 200,
				wantContains: []string{"openapi: 3", "/patients/{id}:"},
				after: func(t *testing.T, e *env, r *response) {
					if ct := r.header.Get("Content-Type"); ct != "application/yaml" {
						t.Errorf("Content-Type %q", ct)
					}
				}},
			{name: "a patient read, for the metrics", actor: "chc-doctor", method: "GET", path: "/api/v1/patients/no-such-patient",
				wantStatus: 404},
			{name: "metrics", method: "GET", path: "/metrics", wantStatus: 200,
				wantContains: []string{
					`lianxin_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
					`lianxin_http_requests_total{method="POST",route="/api/v1/auth/login",status="200"} 1`,
					`lianxin_http_requests_total{method="GET",route="/api/v1/patients/:id",status="404"} 1`,
					`lianxin_http_request_duration_seconds_bucket{method="GET",route="/readyz",le="0.001"}`,
					"go_goroutines",
				},
				wantNotContains: []string{"no-such-patient"}}, // routes, never paths: ids stay out of metrics

			// Unknown paths.
			{name: "unknown API endpoint", actor: "chc-doctor", method: "GET", path: "/api/v1/nope", wantStatus: 404,
				wantContains: []string{`{"error":{"code":"not_found","message":`}},
			{name: "unknown API endpoint, POST", actor: "chc-doctor", method: "POST", path: "/api/v1/nope", body: `{}`, wantStatus: 404,
				wantContains: []string{`{"error":{"code":"not_found","message":`}},
			// Under /api/v1 the login check comes first, so an anonymous caller
			// learns nothing about which endpoints exist.
			{name: "unknown API endpoint, anonymous", method: "GET", path: "/api/v1/nope", wantStatus: 401,
				wantContains: []string{`{"error":{"code":"unauthorized","message":`}},
			{name: "unknown API version", method: "GET", path: "/api/v2/me", wantStatus: 404,
				wantContains: []string{`{"error":{"code":"not_found","message":`}},
			{name: "unsupported method on a known path", actor: "chc-doctor", method: "DELETE", path: "/api/v1/me", wantStatus: 404,
				wantContains: []string{`"code":"not_found"`}},
			{name: "web app shell", method: "GET", path: "/", wantStatus: 200, wantContains: []string{"Lianxin"}},
			{name: "client-side route gets the web app", method: "GET", path: "/referrals/123", wantStatus: 200,
				wantContains: []string{"Lianxin"}},
		})
	})
}
