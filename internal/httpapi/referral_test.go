package httpapi

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

func TestReferralCreateScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newRefEnv(t, st)
		noConsent := e.newPatient(t, "chc-doctor", false)
		countyPatient := e.newPatient(t, "county-doctor", true)
		const refs = "/api/v1/referrals"
		const outgoing = refs + "?box=outgoing"
		valid := e.upBody(t, e.patientID, "fast_track", nil)
		bad := func(name, body, field string) scenario {
			return scenario{name: "create: " + name, actor: "chc-doctor", method: "POST", path: refs, body: body,
				unchanged: outgoing, wantStatus: 400, wantContains: invalid(field)}
		}
		with := func(extra map[string]any) string { return e.upBody(t, e.patientID, "urgent", extra) }
		e.run(t, []scenario{
			bad("malformed JSON", `{"patientId":`, "body"),
			bad("not an object", `["up"]`, "body"),
			bad("trailing data", valid+`{}`, "body"),
			bad("riskGrade of wrong type", with(map[string]any{"riskGrade": "high"}), "riskGrade"),
			bad("fractional riskGrade", with(map[string]any{"riskGrade": 3.5}), "riskGrade"),
			bad("diagnoses of wrong type", with(map[string]any{"diagnoses": "F20.0"}), "diagnoses"),
			bad("draft of wrong type", with(map[string]any{"draft": "yes"}), "draft"),
			bad("patientId of wrong type", with(map[string]any{"patientId": 7}), "patientId"),
			bad("missing patientId", with(map[string]any{"patientId": nil}), "patientId"),
			bad("missing direction", with(map[string]any{"direction": nil}), "direction"),
			bad("unknown direction", with(map[string]any{"direction": "sideways"}), "direction"),
			bad("missing urgency", with(map[string]any{"urgency": nil}), "urgency"),
			bad("unknown urgency", with(map[string]any{"urgency": "asap"}), "urgency"),
			bad("missing receiver", with(map[string]any{"receiverInstitutionId": nil}), "receiverInstitutionId"),
			bad("missing reason", with(map[string]any{"reason": nil}), "reason"),
			bad("blank summary", with(map[string]any{"summary": "  "}), "summary"),
			bad("risk grade 6", with(map[string]any{"riskGrade": 6}), "riskGrade"),
			bad("unknown sub-specialty", with(map[string]any{"subSpecialty": "cardiology"}), "subSpecialty"),
			bad("unknown diagnosis", with(map[string]any{"diagnoses": []string{"F20.0", "J45"}}), "diagnoses"),
			bad("unknown field", with(map[string]any{"priority": "high"}), "priority"),
			bad("NUL in reason", with(map[string]any{"reason": "a\x00b"}), "reason"),
			bad("down without discharge summary", with(map[string]any{"direction": "down",
				"receiverInstitutionId": e.get(t, "inst.chc-doctor")}), "dischargeSummary"),
			bad("no referral consent", e.upBody(t, noConsent, "urgent", nil), "patientId"),
			bad("receiver outside the alliance", with(map[string]any{"receiverInstitutionId": e.get(t, "inst.stranger")}), "receiverInstitutionId"),
			bad("up to another CHC", with(map[string]any{"receiverInstitutionId": e.get(t, "inst.mingguang")}), "direction"),
			bad("named specialist elsewhere", with(map[string]any{"receiverUserId": e.get(t, "user.general-specialist")}), "receiverUserId"),
			{name: "create: Idempotency-Key too long", actor: "chc-doctor", method: "POST", path: refs, body: valid,
				headers: map[string]string{"Idempotency-Key": strings.Repeat("k", 201)}, unchanged: outgoing,
				wantStatus: 400, wantContains: invalid("Idempotency-Key")},
			{name: "create: a patient the sender cannot see", actor: "chc-doctor", method: "POST", path: refs,
				body: e.upBody(t, countyPatient, "urgent", nil), unchanged: outgoing, wantStatus: 404},
			{name: "create: administrators refer nobody", actor: "admin", method: "POST", path: refs, body: valid,
				unchanged: outgoing, unchangedAs: "chc-doctor", wantStatus: 403, wantContains: []string{"your role does not allow this"}},
			{name: "create: needs a login", method: "POST", path: refs, body: valid, wantStatus: 401},

			{name: "create a fast-track referral", actor: "chc-doctor", method: "POST", path: refs, body: valid,
				headers: map[string]string{"Idempotency-Key": "form-7f3a"}, wantStatus: 201,
				wantContains: []string{`"status":"requested"`, `"version":1`, `"urgency":"fast_track"`, `"fastTrackSuggested":true`,
					`"direction":"up"`, `"senderInstitutionId":"{{inst.chc-doctor}}"`, `"receiverInstitutionId":"{{inst.specialist}}"`,
					`"diagnoses":["F20.0"]`, `"acceptDueAt":"`, `"admitDueAt":"`, `"allowedActions":["cancel"]`,
					`"events":[{`, `"action":"create"`, `"senderInstitution":{`, `"patient":{"id":"{{patient}}"`},
				wantNotContains: []string{`"nationalId"`},
				capture:         map[string]string{"r1": "id"},
				after: func(t *testing.T, e *env, r *response) {
					if r.header.Get("Idempotent-Replayed") != "" {
						t.Error("a first create is marked replayed")
					}
				}},
			{name: "the same key and body replay the referral", actor: "chc-doctor", method: "POST", path: refs, body: valid,
				headers: map[string]string{"Idempotency-Key": "form-7f3a"}, unchanged: outgoing, wantStatus: 200,
				wantContains: []string{`"id":"{{r1}}"`, `"version":1`},
				after: func(t *testing.T, e *env, r *response) {
					if got := r.header.Get("Idempotent-Replayed"); got != "true" {
						t.Errorf("Idempotent-Replayed = %q, want true", got)
					}
				}},
			{name: "the same key with another body is a conflict", actor: "chc-doctor", method: "POST", path: refs,
				body: e.upBody(t, e.patientID, "routine", nil), headers: map[string]string{"Idempotency-Key": "form-7f3a"},
				unchanged: outgoing, wantStatus: 409, wantContains: []string{`"code":"conflict"`, `"field":"Idempotency-Key"`}},
			{name: "the outgoing box holds one referral", actor: "chc-doctor", method: "GET", path: outgoing, wantStatus: 200,
				after: func(t *testing.T, e *env, r *response) {
					if it := refItems(t, r); len(it) != 1 || it[0]["id"] != e.get(t, "r1") {
						t.Errorf("outgoing after a replay: %v", it)
					}
				}},
			{name: "the receiver sees it with the sender's actions hidden", actor: "specialist", method: "GET", path: refs + "/{{r1}}",
				wantStatus: 200, wantContains: []string{`"allowedActions":["accept","return","redirect","hold","cancel"]`}},
			{name: "the convener may accept, hold or cancel but not judge", actor: "convener", method: "GET", path: refs + "/{{r1}}",
				wantStatus: 200, wantContains: []string{`"allowedActions":["accept","hold","cancel"]`}},
			{name: "the receiver now sees the patient", actor: "specialist", method: "GET", path: "/api/v1/patients/{{patient}}",
				wantStatus: 200},
			{name: "create a draft without consent", actor: "chc-doctor", method: "POST", path: refs,
				body: e.upBody(t, noConsent, "routine", map[string]any{"draft": true}), wantStatus: 201,
				wantContains: []string{`"status":"draft"`, `"acceptDueAt":null`, `"allowedActions":["submit","cancel"]`},
				capture:      map[string]string{"draft": "id"}},
			{name: "the receiver cannot see a draft", actor: "specialist", method: "GET", path: refs + "/{{draft}}", wantStatus: 404},
			{name: "nor its patient", actor: "specialist", method: "GET", path: "/api/v1/patients/" + noConsent, wantStatus: 404},
			{name: "submitting it still needs consent", actor: "chc-doctor", method: "POST", path: refs + "/{{draft}}/actions/submit",
				body: `{"version":1}`, unchanged: refs + "/{{draft}}", wantStatus: 400, wantContains: invalid("patientId")},
			{name: "a member that is no party cannot see it", actor: "county-doctor", method: "GET", path: refs + "/{{r1}}", wantStatus: 404},
			{name: "nor its patient", actor: "county-doctor", method: "GET", path: "/api/v1/patients/{{patient}}", wantStatus: 404},
			{name: "an institution outside the alliance cannot see it", actor: "stranger", method: "GET", path: refs + "/{{r1}}", wantStatus: 404},
			{name: "unknown referral", actor: "chc-doctor", method: "GET", path: refs + "/no-such-referral", wantStatus: 404},
			{name: "administrators read no referral", actor: "admin", method: "GET", path: refs + "/{{r1}}", wantStatus: 403},
		})
	})
}

func TestReferralWorklistScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newRefEnv(t, st)
		ids := map[string]string{}
		for _, u := range []string{"routine", "urgent", "fast_track", "urgent", "routine"} {
			r := e.must(t, "chc-doctor", "POST", "/api/v1/referrals", e.upBody(t, e.patientID, u, nil), http.StatusCreated)
			ids[u] = field(t, r, "id") // the last of each urgency
		}
		held, _ := e.referralAt(t, referral.OnHold)
		e.set("fast", ids["fast_track"])
		e.set("held", held)
		const list = "/api/v1/referrals"
		// pageAll follows nextCursor with limit 1 and checks that it returns
		// the whole worklist, each referral once, in the same order.
		pageAll := func(actor, query string, want int) func(*testing.T, *env, *response) {
			return func(t *testing.T, e *env, r *response) {
				var full []string
				for _, it := range refItems(t, r) {
					full = append(full, it["id"].(string))
				}
				if len(full) != want {
					t.Fatalf("%d referrals listed, want %d", len(full), want)
				}
				var paged []string
				cursor := ""
				for range want + 2 {
					p := e.expand(t, list+"?"+query+"&limit=1")
					if cursor != "" {
						p += "&cursor=" + cursor
					}
					pr := e.send(t, actor, "GET", p, "", nil)
					if pr.status != 200 {
						t.Fatalf("GET %s: %d %s", p, pr.status, pr.body)
					}
					for _, it := range refItems(t, pr) {
						paged = append(paged, it["id"].(string))
					}
					if cursor = field(t, pr, "nextCursor"); cursor == "" {
						break
					}
				}
				if !slices.Equal(paged, full) {
					t.Errorf("pages of one:\n got %v\nwant %v", paged, full)
				}
			}
		}
		firstIs := func(id string) func(*testing.T, *env, *response) {
			return func(t *testing.T, e *env, r *response) {
				if it := refItems(t, r); len(it) == 0 || it[0]["id"] != e.get(t, id) {
					t.Errorf("first item %v, want {{%s}}", it, id)
				}
			}
		}
		e.run(t, []scenario{
			{name: "incoming, fast track first", actor: "specialist", method: "GET", path: list + "?box=incoming", wantStatus: 200,
				wantContains: []string{`"nextCursor":""`, `"patient":{`, `"dueAt":"`}, after: firstIs("fast")},
			{name: "incoming is the default box", actor: "convener", method: "GET", path: list, wantStatus: 200, after: firstIs("fast")},
			{name: "incoming in pages of one", actor: "specialist", method: "GET", path: list + "?box=incoming", wantStatus: 200,
				after: pageAll("specialist", "box=incoming", 6)},
			{name: "outgoing in pages of one", actor: "chc-doctor", method: "GET", path: list + "?box=outgoing", wantStatus: 200,
				after: pageAll("chc-doctor", "box=outgoing", 6)},
			{name: "by urgency", actor: "specialist", method: "GET", path: list + "?urgency=fast_track", wantStatus: 200,
				after: func(t *testing.T, e *env, r *response) {
					if it := refItems(t, r); len(it) != 1 || it[0]["id"] != e.get(t, "fast") {
						t.Errorf("fast track filter: %v", it)
					}
				}},
			{name: "by status", actor: "specialist", method: "GET", path: list + "?status=on_hold", wantStatus: 200,
				after: func(t *testing.T, e *env, r *response) {
					if it := refItems(t, r); len(it) != 1 || it[0]["id"] != e.get(t, "held") || it[0]["status"] != "on_hold" {
						t.Errorf("status filter: %v", it)
					}
				}},
			{name: "by several statuses", actor: "specialist", method: "GET", path: list + "?status=on_hold,requested&urgency=urgent",
				wantStatus: 200, after: pageAll("specialist", "status=on_hold,requested&urgency=urgent", 3)},
			{name: "by direction", actor: "specialist", method: "GET", path: list + "?direction=down", wantStatus: 200,
				wantContains: []string{`"items":[]`}},
			{name: "by patient", actor: "chc-doctor", method: "GET", path: list + "?box=outgoing&patientId={{patient}}", wantStatus: 200,
				after: pageAll("chc-doctor", "box=outgoing&patientId={{patient}}", 6)},
			{name: "the sender has nothing incoming", actor: "chc-doctor", method: "GET", path: list + "?box=incoming", wantStatus: 200,
				wantContains: []string{`"items":[]`}},
			{name: "a member that is no party sees nothing", actor: "county-doctor", method: "GET", path: list + "?box=incoming",
				wantStatus: 200, wantContains: []string{`"items":[]`}},
			{name: "unknown box", actor: "specialist", method: "GET", path: list + "?box=all", wantStatus: 400, wantContains: invalid("box")},
			{name: "unknown status", actor: "specialist", method: "GET", path: list + "?status=open", wantStatus: 400, wantContains: invalid("status")},
			{name: "unknown urgency", actor: "specialist", method: "GET", path: list + "?urgency=asap", wantStatus: 400, wantContains: invalid("urgency")},
			{name: "unknown direction", actor: "specialist", method: "GET", path: list + "?direction=sideways", wantStatus: 400, wantContains: invalid("direction")},
			{name: "limit 0", actor: "specialist", method: "GET", path: list + "?limit=0", wantStatus: 400, wantContains: invalid("limit")},
			{name: "limit 101", actor: "specialist", method: "GET", path: list + "?limit=101", wantStatus: 400, wantContains: invalid("limit")},
			{name: "limit of wrong type", actor: "specialist", method: "GET", path: list + "?limit=ten", wantStatus: 400, wantContains: invalid("limit")},
			{name: "a cursor the server never gave", actor: "specialist", method: "GET", path: list + "?cursor=abc", wantStatus: 400, wantContains: invalid("cursor")},
			{name: "administrators see no worklist", actor: "admin", method: "GET", path: list, wantStatus: 403},

			{name: "suggestions for an upward referral", actor: "chc-doctor", method: "GET",
				path: list + "/suggestions?direction=up&subSpecialty=mood", wantStatus: 200,
				wantContains:    []string{generalName, "安徽省精神卫生中心", `"reasons":["subspecialty","level","region"`},
				wantNotContains: []string{"社区卫生服务中心", "卫生院"}},
			{name: "suggestions without a direction", actor: "chc-doctor", method: "GET", path: list + "/suggestions", wantStatus: 400,
				wantContains: invalid("direction")},
			{name: "suggestions for an unknown sub-specialty", actor: "chc-doctor", method: "GET",
				path: list + "/suggestions?direction=up&subSpecialty=astrology", wantStatus: 400, wantContains: invalid("subSpecialty")},
			{name: "ICD-10 search", actor: "chc-doctor", method: "GET", path: "/api/v1/icd10?q=f20", wantStatus: 200,
				wantContains: []string{`"code":"F20.0"`, `"nameEn":"Paranoid schizophrenia"`}, wantNotContains: []string{`"code":"F31"`}},
			{name: "ICD-10 search by Chinese name", actor: "chc-doctor", method: "GET", path: "/api/v1/icd10?q=%E5%8F%8C%E7%9B%B8",
				wantStatus: 200, wantContains: []string{`"code":"F31"`}},
		})
	})
}
