package httpapi

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/analytics"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

// analyticsReferral is an upward referral of patient {{p}} from the CHC to
// the core hospital.
const analyticsReferral = `{"patientId":"{{p}}","direction":"up","urgency":"routine","receiverInstitutionId":"{{inst.specialist}}",` +
	`"reason":"病情反复","summary":"幻听加重两周","diagnoses":["F20.0"],"riskGrade":1}`

// Small counts arrive as the string "<5"; Echo's encoder writes "<" as \u003c.

// TestAnalyticsScenarios: who may see what, small-cell suppression and its
// threshold, a referral moving the dashboard at once, goals and the
// scoreboard, the audit of every read, and bad filters.
func TestAnalyticsScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		nid := nationalID("34010419850301007")
		e.forbidInBodies(nid)
		e.set("nid", nid)
		year := strconv.Itoa(time.Now().In(analytics.Zone).Year())
		e.set("year", year)
		const kpis = "/api/v1/analytics/kpis?alliance={{alliance}}"
		var scenarios []scenario
		for _, path := range []string{"volume", "kpis", "times", "flows", "members", "consults", "goals", "measures", "scoreboard?year=2025"} {
			scenarios = append(scenarios,
				scenario{name: "doctor may not read " + path, actor: "chc-doctor", method: "GET", path: "/api/v1/analytics/" + path, wantStatus: 403},
				scenario{name: "specialist may not read " + path, actor: "specialist", method: "GET", path: "/api/v1/analytics/" + path, wantStatus: 403},
				scenario{name: "anonymous may not read " + path, method: "GET", path: "/api/v1/analytics/" + path, wantStatus: 401})
		}
		scenarios = append(scenarios, []scenario{
			{name: "empty dashboard", actor: "admin", method: "GET", path: kpis, wantStatus: 200,
				wantContains: []string{`"submitted":{"up":0,"down":0,"lateral":0,"total":0}`, `"acceptanceRate":null`,
					`"minCellSize":5`, `"allianceId":"{{alliance}}"`}},
			{name: "register a patient", actor: "chc-doctor", method: "POST", path: "/api/v1/patients",
				body:       `{"name":"赵统计","sex":"male","birthDate":"1985-03-01","nationalId":"{{nid}}","severeDisorder":true}`,
				wantStatus: 201, capture: map[string]string{"p": "id"}},
			{name: "consent to referral", actor: "chc-doctor", method: "POST", path: "/api/v1/patients/{{p}}/consents",
				body: `{"scope":"referral","signedBy":"patient","signerName":"赵统计","signedOn":"2025-01-02"}`, wantStatus: 201},
			{name: "refer once", actor: "chc-doctor", method: "POST", path: "/api/v1/referrals", body: analyticsReferral,
				wantStatus: 201, capture: map[string]string{"r1": "id"}},
			// Live: the next read counts the referral, shown as "<5".
			{name: "one referral is a small cell", actor: "admin", method: "GET", path: kpis, wantStatus: 200,
				wantContains:    []string{`"submitted":{"up":"\u003c5","down":0,"lateral":0,"total":"\u003c5"}`},
				wantNotContains: []string{`"up":1`}},
			{name: "refer twice more", actor: "chc-doctor", method: "POST", path: "/api/v1/referrals", body: analyticsReferral, wantStatus: 201},
			{name: "refer a third time", actor: "chc-doctor", method: "POST", path: "/api/v1/referrals", body: analyticsReferral, wantStatus: 201},
			{name: "accept one", actor: "convener", method: "POST", path: "/api/v1/referrals/{{r1}}/actions/accept", body: `{"version":1}`,
				wantStatus: 200},
			{name: "rates of small cells are suppressed", actor: "admin", method: "GET", path: kpis, wantStatus: 200,
				wantContains: []string{`"submitted":{"up":"\u003c5"`, `"accepted":{"up":"\u003c5"`, `"acceptanceRate":"suppressed"`,
					`"upDownRatio":null`}},
			{name: "the volume trend hides them too", actor: "admin", method: "GET", path: "/api/v1/analytics/volume?alliance={{alliance}}&interval=day&from={{yesterday}}&to={{tomorrow}}",
				wantStatus: 200, wantContains: []string{`"direction":"up","counts":[`, `"\u003c5"`, `"direction":"down","counts":[0,0,0]`}},
			{name: "the Sankey hides them too", actor: "admin", method: "GET", path: "/api/v1/analytics/flows?alliance={{alliance}}",
				wantStatus: 200, wantContains: []string{`"source":"{{inst.chc-doctor}}","target":"{{inst.specialist}}","direction":"up","value":"\u003c5"`}},
			{name: "a convener may not change the threshold", actor: "convener", method: "PUT", path: "/api/v1/alliances/{{alliance}}/analytics-settings",
				body: `{"minCellSize":2}`, wantStatus: 403},
			{name: "threshold out of range", actor: "admin", method: "PUT", path: "/api/v1/alliances/{{alliance}}/analytics-settings",
				body: `{"minCellSize":1}`, wantStatus: 400, wantContains: invalid("minCellSize")},
			{name: "lower the threshold to 2", actor: "admin", method: "PUT", path: "/api/v1/alliances/{{alliance}}/analytics-settings",
				body: `{"minCellSize":2}`, wantStatus: 200, wantContains: []string{`"minCellSize":2`}},
			{name: "three referrals are shown now, one acceptance not", actor: "admin", method: "GET", path: kpis, wantStatus: 200,
				wantContains: []string{`"submitted":{"up":3,"down":0,"lateral":0,"total":3}`, `"accepted":{"up":"\u003c2"`,
					`"acceptanceRate":"suppressed"`, `"minCellSize":2`}},
			{name: "back to the default", actor: "admin", method: "PUT", path: "/api/v1/alliances/{{alliance}}/analytics-settings",
				body: `{"minCellSize":5}`, wantStatus: 200},

			// A convener sees their own institution only.
			{name: "convener sees their own figures", actor: "convener", method: "GET", path: "/api/v1/analytics/kpis", wantStatus: 200,
				wantContains: []string{`"institutionId":"{{inst.convener}}"`, `"allianceId":"{{alliance}}"`}},
			{name: "convener may not see another member", actor: "convener", method: "GET",
				path: "/api/v1/analytics/kpis?institution={{inst.chc-doctor}}", wantStatus: 403},
			{name: "a member's figures are kept by month", actor: "convener", method: "GET",
				path: "/api/v1/analytics/volume?interval=week", wantStatus: 400, wantContains: invalid("interval")},
			{name: "convener's member table has their line only", actor: "convener", method: "GET", path: "/api/v1/analytics/members",
				wantStatus: 200, wantContains: []string{`"id":"{{inst.convener}}"`}, wantNotContains: []string{`"id":"{{inst.chc-doctor}}"`}},
			{name: "admin's member table has every member with its region", actor: "admin", method: "GET",
				path: "/api/v1/analytics/members?alliance={{alliance}}", wantStatus: 200,
				wantContains: []string{`"id":"{{inst.chc-doctor}}"`, `"regionCode":"340104"`, `"role":"initiator"`}},

			// Goals and the scoreboard.
			{name: "set a goal", actor: "admin", method: "POST", path: "/api/v1/analytics/goals",
				body:       `{"allianceId":"{{alliance}}","institutionId":"{{inst.chc-doctor}}","year":{{year}},"measure":"referrals_up_sent","target":3,"weight":2}`,
				wantStatus: 201, capture: map[string]string{"g1": "id"}},
			{name: "a second goal of the member", actor: "admin", method: "POST", path: "/api/v1/analytics/goals",
				body:       `{"allianceId":"{{alliance}}","institutionId":"{{inst.chc-doctor}}","year":{{year}},"measure":"follow_up_on_time","target":90}`,
				wantStatus: 201},
			{name: "a goal of the core hospital", actor: "admin", method: "POST", path: "/api/v1/analytics/goals",
				body:       `{"allianceId":"{{alliance}}","institutionId":"{{inst.convener}}","year":{{year}},"measure":"referrals_received","target":10}`,
				wantStatus: 201},
			{name: "the same goal twice", actor: "admin", method: "POST", path: "/api/v1/analytics/goals",
				body:       `{"allianceId":"{{alliance}}","institutionId":"{{inst.chc-doctor}}","year":{{year}},"measure":"referrals_up_sent","target":5}`,
				wantStatus: 409},
			{name: "unknown measure", actor: "admin", method: "POST", path: "/api/v1/analytics/goals",
				body:       `{"allianceId":"{{alliance}}","institutionId":"{{inst.chc-doctor}}","year":{{year}},"measure":"happiness","target":5}`,
				wantStatus: 400, wantContains: invalid("measure")},
			{name: "a percentage over 100", actor: "admin", method: "POST", path: "/api/v1/analytics/goals",
				body:       `{"allianceId":"{{alliance}}","institutionId":"{{inst.chc-doctor}}","year":{{year}},"measure":"acceptance_rate","target":120}`,
				wantStatus: 400, wantContains: invalid("target")},
			{name: "a convener may not set goals", actor: "convener", method: "POST", path: "/api/v1/analytics/goals",
				body:       `{"allianceId":"{{alliance}}","institutionId":"{{inst.convener}}","year":{{year}},"measure":"referrals_received","target":1}`,
				wantStatus: 403},
			{name: "scoreboard: the CHC attained, the core hospital not", actor: "admin", method: "GET",
				path: "/api/v1/analytics/scoreboard?alliance={{alliance}}&year={{year}}", wantStatus: 200,
				after: func(t *testing.T, e *env, r *response) {
					var sb analyticsScoreboardJSON
					if err := json.Unmarshal(r.body, &sb); err != nil {
						t.Fatal(err)
					}
					if len(sb.Items) != 2 {
						t.Fatalf("scoreboard has %d members, want 2: %s", len(sb.Items), r.body)
					}
					chc, core := sb.Items[0], sb.Items[1]
					if chc.Institution.ID != e.get(t, "inst.chc-doctor") || chc.Rank != 1 || chc.Rating != "attained" ||
						chc.Score != 100 || len(chc.Goals) != 2 || chc.Goals[0].Rating != "no_data" {
						t.Errorf("the CHC: %+v", chc)
					}
					if core.Institution.ID != e.get(t, "inst.convener") || core.Rank != 2 || core.Rating != "not" || core.Score != 0 {
						t.Errorf("the core hospital: %+v", core)
					}
				}},
			{name: "the convener sees their own line", actor: "convener", method: "GET", path: "/api/v1/analytics/scoreboard?year={{year}}",
				wantStatus: 200, wantContains: []string{`"id":"{{inst.convener}}"`, `"rank":2`},
				wantNotContains: []string{`"id":"{{inst.chc-doctor}}"`}},
			{name: "and their own goals", actor: "convener", method: "GET", path: "/api/v1/analytics/goals", wantStatus: 200,
				wantContains: []string{`"measure":"referrals_received"`}, wantNotContains: []string{`"referrals_up_sent"`}},
			{name: "stale goal version", actor: "admin", method: "PATCH", path: "/api/v1/analytics/goals/{{g1}}",
				body: `{"target":4,"version":7}`, wantStatus: 409},
			{name: "the measure of a goal cannot change", actor: "admin", method: "PATCH", path: "/api/v1/analytics/goals/{{g1}}",
				body: `{"measure":"referrals_received","version":1}`, wantStatus: 400, wantContains: invalid("measure")},
			{name: "raise the target", actor: "admin", method: "PATCH", path: "/api/v1/analytics/goals/{{g1}}",
				body: `{"target":3.5,"version":1}`, wantStatus: 200, wantContains: []string{`"target":3.5`, `"version":2`}},
			{name: "now partly attained", actor: "admin", method: "GET", path: "/api/v1/analytics/scoreboard?alliance={{alliance}}&year={{year}}",
				wantStatus: 200, wantContains: []string{`"rating":"partly"`, `"score":50`}},
			{name: "the scoreboard needs a year", actor: "admin", method: "GET", path: "/api/v1/analytics/scoreboard?alliance={{alliance}}",
				wantStatus: 400, wantContains: invalid("year")},
			{name: "delete a goal", actor: "admin", method: "DELETE", path: "/api/v1/analytics/goals/{{g1}}", wantStatus: 204},
			{name: "it is gone", actor: "admin", method: "DELETE", path: "/api/v1/analytics/goals/{{g1}}", wantStatus: 404},

			// Bad filters.
			{name: "bad date", actor: "admin", method: "GET", path: "/api/v1/analytics/kpis?from=2025-13-01", wantStatus: 400,
				wantContains: invalid("from")},
			{name: "range backwards", actor: "admin", method: "GET", path: "/api/v1/analytics/kpis?from=2025-03-01&to=2025-01-01",
				wantStatus: 400, wantContains: invalid("from")},
			{name: "side without an institution", actor: "admin", method: "GET", path: "/api/v1/analytics/kpis?side=sent",
				wantStatus: 400, wantContains: invalid("side")},
			{name: "unknown direction", actor: "admin", method: "GET", path: "/api/v1/analytics/kpis?direction=sideways",
				wantStatus: 400, wantContains: invalid("direction")},
			{name: "unknown interval", actor: "admin", method: "GET", path: "/api/v1/analytics/volume?interval=fortnight",
				wantStatus: 400, wantContains: invalid("interval")},
			{name: "unknown alliance", actor: "admin", method: "GET", path: "/api/v1/analytics/kpis?alliance=nope", wantStatus: 404},
			{name: "institution outside the alliance", actor: "admin", method: "GET", path: kpis + "&institution=nope", wantStatus: 404},
			{name: "flow limit", actor: "admin", method: "GET", path: "/api/v1/analytics/flows?limit=501", wantStatus: 400,
				wantContains: invalid("limit")},

			// Every read is audited, without a patient.
			{name: "analytics reads are audited", actor: "admin", method: "GET", path: "/api/v1/audit?action=analytics.read&limit=200",
				wantStatus: 200, after: func(t *testing.T, e *env, r *response) {
					var page struct {
						Items []struct {
							PatientID, TargetID, Username string
						}
					}
					if err := json.Unmarshal(r.body, &page); err != nil {
						t.Fatal(err)
					}
					views := map[string]bool{}
					for _, it := range page.Items {
						if it.PatientID != "" {
							t.Errorf("an analytics.read entry names patient %q", it.PatientID)
						}
						views[it.TargetID] = true
					}
					for _, v := range []string{"kpis", "volume", "flows", "members", "scoreboard", "goals"} {
						if !views[v] {
							t.Errorf("no analytics.read entry for %s (have %v)", v, views)
						}
					}
				}},
		}...)
		today := time.Now().In(analytics.Zone)
		e.set("yesterday", today.AddDate(0, 0, -1).Format(time.DateOnly))
		e.set("tomorrow", today.AddDate(0, 0, 1).Format(time.DateOnly))
		e.run(t, scenarios)
	})
}

type analyticsScoreboardJSON struct {
	Items []struct {
		Institution struct{ ID string }
		Rank        int
		Rating      string
		Score       float64
		Goals       []struct{ Rating string }
	}
}
