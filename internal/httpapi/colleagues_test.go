package httpapi

import (
	"net/http"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

func TestColleagueScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		e.run(t, []scenario{
			{name: "a convener sees the alliance's clinicians, without contact details or the office",
				actor: "convener", method: http.MethodGet, path: "/api/v1/colleagues", wantStatus: http.StatusOK,
				wantContains:    []string{`"displayName"`, `"practiceYears"`, `"institutionName":"合肥市`, "{{user.chc-doctor}}", "{{user.specialist}}"},
				wantNotContains: []string{`"phone"`, `"username"`, "{{user.admin}}", `"lockedUntil"`, "{{user.convener}}"}},
			{name: "filtered by institution", actor: "chc-doctor", method: http.MethodGet,
				path: "/api/v1/colleagues?institutionId={{inst.specialist}}", wantStatus: http.StatusOK,
				wantContains: []string{"{{user.specialist}}", "{{user.convener}}"}, wantNotContains: []string{"{{user.county-doctor}}"}},
			{name: "administrators use /users instead", actor: "admin", method: http.MethodGet, path: "/api/v1/colleagues",
				wantStatus: http.StatusForbidden},
			{name: "anonymous", method: http.MethodGet, path: "/api/v1/colleagues", wantStatus: http.StatusUnauthorized},
		})
	})
}
