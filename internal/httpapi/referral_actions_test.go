package httpapi

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

// The state machine over HTTP. referral.Rules is the table under test here;
// internal/referral's tests pin it to the description.

// matrixFrom is the status an action's party × role matrix is run from: the
// first of its from statuses that both parties can see.
func matrixFrom(rule referral.Rule) referral.Status {
	for _, st := range rule.From {
		if st != referral.Draft {
			return st
		}
	}
	panic("no visible from status for " + rule.Action)
}

func actionPath(id string, a referral.Action) string {
	return "/api/v1/referrals/" + id + "/actions/" + string(a)
}

// TestReferralActionScenarios covers every action × party × role, from every
// status: the allowed party and role move the referral; the other party,
// a role without the right, an administrator, a member that is no party and
// an institution outside the alliance are refused; a stale version and a
// status the action does not leave from are conflicts.
func TestReferralActionScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newRefEnv(t, st)
		// One referral in each status, for refusals (a refusal changes nothing).
		type at struct {
			id      string
			version int
		}
		byStatus := map[referral.Status]at{}
		for _, s := range referral.Statuses {
			id, v := e.referralAt(t, s)
			byStatus[s] = at{id, v}
		}
		var scs []scenario
		refused := func(name, actor string, r at, a referral.Action, body string, status int, want ...string) scenario {
			return scenario{name: name, actor: actor, method: "POST", path: actionPath(r.id, a), body: body,
				unchanged: "/api/v1/referrals/" + r.id, unchangedAs: "chc-doctor", wantStatus: status, wantContains: want}
		}
		allowed := func(name, actor string, a referral.Action, from referral.Status, to referral.Status) scenario {
			id, v := e.referralAt(t, from)
			return scenario{name: name, actor: actor, method: "POST", path: actionPath(id, a), body: e.actionBody(t, a, v),
				wantStatus: 200, wantContains: []string{`"id":"` + id + `"`, `"status":"` + string(to) + `"`,
					fmt.Sprintf(`"version":%d`, v+1), fmt.Sprintf(`"action":"%s","from":"%s","to":"%s"`, a, from, to)}}
		}
		for _, rule := range referral.Rules {
			a, from := rule.Action, matrixFrom(rule)
			shared := byStatus[from]
			body := e.actionBody(t, a, shared.version)
			for _, p := range []referral.Party{referral.Sender, referral.Receiver} {
				for _, role := range auth.Roles {
					user := partyUser[p][role]
					name := fmt.Sprintf("%s from %s by the %s's %s", a, from, p, role)
					switch {
					case slices.Contains(rule.Parties, p) && slices.Contains(rule.Roles, role):
						scs = append(scs, allowed(name, user, a, from, rule.To))
					case role == auth.RoleAllianceAdmin || role == auth.RoleSysadmin:
						// Refused by the permission layer before the referral is looked at.
						scs = append(scs, refused(name, user, shared, a, body, 403, "your role does not allow this"))
					case !slices.Contains(rule.Parties, p):
						scs = append(scs, refused(name, user, shared, a, body, 403, `"code":"forbidden"`, "only the "))
					default:
						scs = append(scs, refused(name, user, shared, a, body, 403, `"code":"forbidden"`, "your role may not "+string(a)))
					}
				}
			}
			for _, outsider := range []string{"county-doctor", "stranger"} {
				scs = append(scs, refused(fmt.Sprintf("%s by %s", a, outsider), outsider, shared, a, body, 404))
			}
			right := partyUser[rule.Parties[0]][rule.Roles[0]]
			scs = append(scs, refused(fmt.Sprintf("%s with a newer version", a), right, shared, a,
				e.actionBody(t, a, shared.version+1), 409, `"code":"conflict"`, "reload"))
			if shared.version > 1 {
				scs = append(scs, refused(fmt.Sprintf("%s with an older version", a), right, shared, a,
					e.actionBody(t, a, shared.version-1), 409, `"code":"conflict"`))
			}
			// Every other status it may leave from is allowed too.
			for _, s := range rule.From {
				if s != from {
					scs = append(scs, allowed(fmt.Sprintf("%s from %s", a, s), right, a, s, rule.To))
				}
			}
			// And every status it may not leave from is a conflict (a draft,
			// which the receiver cannot see, is not found).
			for _, s := range referral.Statuses {
				if slices.Contains(rule.From, s) {
					continue
				}
				r := byStatus[s]
				name := fmt.Sprintf("%s from %s is refused", a, s)
				if s == referral.Draft && !slices.Contains(rule.Parties, referral.Sender) {
					scs = append(scs, refused(name, right, r, a, e.actionBody(t, a, r.version), 404))
					continue
				}
				scs = append(scs, refused(name, right, r, a, e.actionBody(t, a, r.version), 409, `"code":"conflict"`))
			}
		}
		for _, a := range []string{"approve", "create", "ACCEPT"} {
			r := byStatus[referral.Requested]
			scs = append(scs, scenario{name: "unknown action " + a, actor: "specialist", method: "POST",
				path: "/api/v1/referrals/" + r.id + "/actions/" + a, body: `{"version":1}`,
				unchanged: "/api/v1/referrals/" + r.id, wantStatus: 404, wantContains: []string{`"code":"not_found"`}})
		}
		scs = append(scs, scenario{name: "an action on an unknown referral", actor: "specialist", method: "POST",
			path: actionPath("no-such-referral", referral.Accept), body: `{"version":1}`, wantStatus: 404})
		scs = append(scs, scenario{name: "an action needs a login", method: "POST",
			path: actionPath(byStatus[referral.Requested].id, referral.Accept), body: `{"version":1}`, wantStatus: 401})
		e.run(t, scs)
	})
}

// TestReferralActionBadInput sends each action's body wrong in every way
// that matters: each is a 400 naming the field, and changes nothing.
func TestReferralActionBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newRefEnv(t, st)
		var scs []scenario
		for _, rule := range referral.Rules {
			a := rule.Action
			id, v := e.referralAt(t, matrixFrom(rule))
			user := partyUser[rule.Parties[0]][rule.Roles[0]]
			bad := func(name, body, field string) {
				scs = append(scs, scenario{name: fmt.Sprintf("%s: %s", a, name), actor: user, method: "POST",
					path: actionPath(id, a), body: body, unchanged: "/api/v1/referrals/" + id, unchangedAs: "chc-doctor",
					wantStatus: 400, wantContains: invalid(field)})
			}
			valid := e.actionBody(t, a, v)
			// with replaces the closing brace of the valid body with more fields.
			with := func(more string) string { return strings.TrimSuffix(valid, "}") + "," + more + "}" }
			ver := fmt.Sprintf(`"version":%d`, v)
			bad("malformed JSON", `{"version":`, "body")
			bad("not an object", `[1]`, "body")
			bad("empty body", "", "body")
			bad("trailing data", valid+"[]", "body")
			bad("version missing", strings.Replace(valid, ver, `"version":0`, 1), "version")
			bad("version of wrong type", strings.Replace(valid, ver, fmt.Sprintf(`"version":"%d"`, v), 1), "version")
			bad("fractional version", strings.Replace(valid, ver, `"version":1.5`, 1), "version")
			bad("unknown field", with(`"priority":"high"`), "priority")
			bad("note of wrong type", `{`+ver+`,"note":42}`, "note")
			bad("note too long", `{`+ver+`,"note":"`+strings.Repeat("长", 4001)+`"}`, "note")
			bad("NUL in note", `{`+ver+`,"note":"a\u0000b"}`, "note")
			switch a {
			case referral.Return, referral.Hold, referral.Resume, referral.Cancel, referral.Fail:
				bad("no note", `{`+ver+`}`, "note")
				bad("blank note", `{`+ver+`,"note":"   "}`, "note")
			case referral.Redirect:
				bad("no receiver", `{`+ver+`}`, "receiverInstitutionId")
				bad("receiver of wrong type", `{`+ver+`,"receiverInstitutionId":["x"]}`, "receiverInstitutionId")
				bad("receiver outside the alliance", `{`+ver+`,"receiverInstitutionId":"{{inst.stranger}}"}`, "receiverInstitutionId")
				bad("receiver of the wrong level", `{`+ver+`,"receiverInstitutionId":"{{inst.mingguang}}"}`, "receiverInstitutionId")
				bad("the same receiver", `{`+ver+`,"receiverInstitutionId":"{{inst.specialist}}"}`, "receiverInstitutionId")
				bad("back to the sender", `{`+ver+`,"receiverInstitutionId":"{{inst.chc-doctor}}"}`, "receiverInstitutionId")
			case referral.Schedule:
				bad("no time", `{`+ver+`,"place":"门诊"}`, "at")
				bad("time in the past", `{`+ver+`,"at":"2020-01-01T09:00:00+08:00","place":"门诊"}`, "at")
				bad("no place", `{`+ver+`,"at":"2099-01-01T09:00:00+08:00"}`, "place")
				bad("place of wrong type", `{`+ver+`,"at":"2099-01-01T09:00:00+08:00","place":3}`, "place")
				bad("place too long", `{`+ver+`,"at":"2099-01-01T09:00:00+08:00","place":"`+strings.Repeat("x", 201)+`"}`, "place")
				// A time that is no RFC 3339 date-time is refused, but the JSON
				// decoder does not say which field held it (see the report).
				scs = append(scs, scenario{name: "schedule: time not a date", actor: user, method: "POST",
					path: actionPath(id, a), body: `{` + ver + `,"at":"tomorrow","place":"门诊"}`,
					unchanged: "/api/v1/referrals/" + id, unchangedAs: "chc-doctor", wantStatus: 400,
					wantContains: []string{`"code":"invalid"`}})
			case referral.Complete:
				bad("no outcome", `{`+ver+`}`, "outcome")
				bad("outcome null", `{`+ver+`,"outcome":null}`, "outcome")
				bad("outcome of wrong type", `{`+ver+`,"outcome":"better"}`, "outcome")
				bad("no summary", `{`+ver+`,"outcome":{"diagnoses":["F20.0"],"plan":"p"}}`, "outcome.summary")
				bad("no diagnosis for the sender", `{`+ver+`,"outcome":{"summary":"s","plan":"p"}}`, "outcome.diagnoses")
				bad("diagnoses of wrong type", `{`+ver+`,"outcome":{"summary":"s","diagnoses":"F20.0","plan":"p"}}`, "outcome.diagnoses")
				bad("unknown diagnosis", `{`+ver+`,"outcome":{"summary":"s","diagnoses":["X99"],"plan":"p"}}`, "outcome.diagnoses")
				bad("no plan for the sender", `{`+ver+`,"outcome":{"summary":"s","diagnoses":["F20.0"]}}`, "outcome.plan")
				bad("unknown outcome field", `{`+ver+`,"outcome":{"summary":"s","diagnoses":["F20.0"],"plan":"p","icd":"F20"}}`, "icd")
			case referral.Submit:
				bad("revision of wrong type", `{`+ver+`,"revision":"new text"}`, "revision")
				bad("revision without reason", `{`+ver+`,"revision":{"summary":"s"}}`, "reason")
				bad("revision with unknown sub-specialty", `{`+ver+`,"revision":{"reason":"r","summary":"s","subSpecialty":"x"}}`, "subSpecialty")
				bad("revision with unknown diagnosis", `{`+ver+`,"revision":{"reason":"r","summary":"s","diagnoses":["Q99"]}}`, "diagnoses")
				bad("revision with risk grade 9", `{`+ver+`,"revision":{"reason":"r","summary":"s","riskGrade":9}}`, "riskGrade")
			}
		}
		e.run(t, scs)
	})
}

// TestDownwardReferralScenarios: the specialist refers a discharged patient
// down to the CHC, which records the first community follow-up; its body
// is checked field by field.
func TestDownwardReferralScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newRefEnv(t, st)
		e.set("p", e.newPatient(t, "specialist", true))
		down := jsonBody(t, map[string]any{"patientId": e.get(t, "p"), "direction": "down", "urgency": "routine",
			"receiverInstitutionId": e.get(t, "inst.chc-doctor"), "reason": "出院，病情稳定", "summary": "住院 28 天",
			"diagnoses": []string{"F31.1"}, "dischargeSummary": "缓解出院", "medicationPlan": "碳酸锂 600 mg",
			"followUpPlan": "两周一次，共三个月"})
		const refs = "/api/v1/referrals"
		act := func(name, actor, action, body string, status int, want ...string) scenario {
			return scenario{name: name, actor: actor, method: "POST", path: refs + "/{{d}}/actions/" + action, body: body,
				wantStatus: status, wantContains: want}
		}
		badFollowUp := func(name, followUp, field string) scenario {
			return scenario{name: "complete: " + name, actor: "chc-doctor", method: "POST", path: refs + "/{{d}}/actions/complete",
				body: `{"version":3,"outcome":{"summary":"首次随访完成"}` + followUp + `}`, unchanged: refs + "/{{d}}",
				wantStatus: 400, wantContains: invalid(field)}
		}
		today := timeNowCST()
		e.run(t, []scenario{
			{name: "a downward referral needs its discharge papers", actor: "specialist", method: "POST", path: refs,
				body: strings.Replace(down, `"followUpPlan":"两周一次，共三个月",`, "", 1), wantStatus: 400,
				wantContains: invalid("followUpPlan")},
			{name: "refer down to the CHC", actor: "specialist", method: "POST", path: refs, body: down, wantStatus: 201,
				wantContains: []string{`"direction":"down"`, `"followUpDueAt":"`, `"dischargeSummary":"缓解出院"`},
				capture:      map[string]string{"d": "id"}},
			{name: "the CHC sees the patient", actor: "chc-doctor", method: "GET", path: "/api/v1/patients/{{p}}", wantStatus: 200},
			{name: "the specialist cannot accept their own referral", actor: "specialist", method: "POST",
				path: refs + "/{{d}}/actions/accept", body: `{"version":1}`, unchanged: refs + "/{{d}}", wantStatus: 403},
			act("the CHC accepts", "chc-doctor", "accept", `{"version":1}`, 200, `"status":"accepted"`),
			act("the patient arrives", "chc-convener", "arrive", `{"version":2}`, 200, `"status":"in_progress"`),
			badFollowUp("no follow-up", ``, "followUp"),
			badFollowUp("follow-up null", `,"followUp":null`, "followUp"),
			badFollowUp("follow-up of wrong type", `,"followUp":"done"`, "followUp"),
			badFollowUp("no date", `,"followUp":{"riskGrade":1,"condition":"stable"}`, "followUp.date"),
			badFollowUp("bad date", `,"followUp":{"date":"15/03/2025","riskGrade":1,"condition":"stable"}`, "followUp.date"),
			badFollowUp("future date", `,"followUp":{"date":"2099-01-01","riskGrade":1,"condition":"stable"}`, "followUp.date"),
			badFollowUp("risk grade of wrong type", `,"followUp":{"date":"`+today+`","riskGrade":"low","condition":"stable"}`, "followUp.riskGrade"),
			badFollowUp("risk grade 9", `,"followUp":{"date":"`+today+`","riskGrade":9,"condition":"stable"}`, "followUp.riskGrade"),
			badFollowUp("no condition", `,"followUp":{"date":"`+today+`","riskGrade":1}`, "followUp.condition"),
			badFollowUp("unknown condition", `,"followUp":{"date":"`+today+`","riskGrade":1,"condition":"great"}`, "followUp.condition"),
			badFollowUp("unknown follow-up field", `,"followUp":{"date":"`+today+`","riskGrade":1,"condition":"stable","visitor":"x"}`, "visitor"),
			{name: "complete: the convener may not record it", actor: "chc-convener", method: "POST", path: refs + "/{{d}}/actions/complete",
				body:      `{"version":3,"outcome":{"summary":"s"},"followUp":{"date":"` + today + `","riskGrade":1,"condition":"stable"}}`,
				unchanged: refs + "/{{d}}", wantStatus: 403},
			act("the CHC records the first follow-up", "chc-doctor", "complete",
				`{"version":3,"outcome":{"summary":"首次随访完成"},"followUp":{"date":"`+today+`","riskGrade":1,"condition":"basically_stable","notes":"服药规律","onTime":false}}`,
				200, `"status":"completed"`, `"onTime":true`, `"condition":"basically_stable"`),
			{name: "the sender sees the follow-up", actor: "specialist", method: "GET", path: refs + "/{{d}}", wantStatus: 200,
				wantContains: []string{`"followUp":{"date":"` + today + `"`, `"summary":"首次随访完成"`, `"allowedActions":[]`}},
		})
	})
}
