package httpapi

import (
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/demo"
	"github.com/lianxin-hub/lianxin/internal/rounds"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

// roundsEnv is the demo alliance plus an institution outside it with one
// doctor ("outsider"), and the times the scenarios schedule at, in Beijing
// time: {{today}}, {{soon}} (ten minutes from now, inside the check-in
// window; its day is {{soonDay}}), {{later}} (in three hours), {{past}} (an hour ago), {{due}} (a
// week after {{soon}}), and {{weekday}} for a weekly series.
func roundsEnv(t *testing.T, st *store.Store) *env {
	t.Helper()
	return roundsEnvWith(t, st)
}

// roundsEnvWith is roundsEnv on a server built with tweaked Options.
func roundsEnvWith(t *testing.T, st *store.Store, tweak ...func(*Options)) *env {
	t.Helper()
	e := newEnv(t, st, tweak...)
	ctx := t.Context()
	out, err := st.CreateInstitution(ctx, alliance.Institution{Name: "联盟外社区卫生服务中心", Level: alliance.LevelCHC,
		Kind: "chc", RegionCode: "340102"})
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := st.CreateUser(ctx, auth.User{Username: "outsider", DisplayName: "外院医生", Roles: []auth.Role{auth.RoleDoctor},
		Title: "attending", PracticeYears: 5, InstitutionID: out.ID}, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	e.set("inst.outsider", out.ID)
	e.set("user.outsider", u.ID)
	now := time.Now().In(rounds.Shanghai)
	soon := now.Add(10 * time.Minute)
	e.set("today", now.Format(time.DateOnly))
	e.set("soon", soon.Format(time.RFC3339))
	// The day of {{soon}}: tomorrow when the test runs in the ten minutes
	// before midnight in China.
	e.set("soonDay", soon.Format(time.DateOnly))
	e.set("later", now.Add(3*time.Hour).Format(time.RFC3339))
	e.set("past", now.Add(-time.Hour).Format(time.RFC3339))
	e.set("due", soon.AddDate(0, 0, 7).Format(time.DateOnly))
	// The series meets three days from now, so no weekly session coincides
	// with the extra session {{soon}}.
	e.set("weekday", rounds.Weekdays[now.AddDate(0, 0, 3).Weekday()])
	return e
}

// TestRoundScenarios: a core-hospital round for the county hospital's ward,
// from scheduling through a presented case, the host's notes, a follow-up
// task and attendance, with bad input and the CHC (a member of the
// alliance, not a party to the round), an institution outside the alliance
// and the administrator knocking at every door.
func TestRoundScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := roundsEnv(t, st)
		n1, n2 := nationalID("34012319750505111"), nationalID("34012319800606222")
		e.forbidInBodies(n1)
		e.forbidInBodies(n2)
		e.set("n1", n1)
		e.set("n2", n2)
		const (
			list  = "/api/v1/rounds"
			round = list + "/{{round}}"
			occ   = list + "/occurrences/{{occ}}"
			cases = occ + "/cases"
			kase  = list + "/cases/{{case}}"
			tasks = list + "/tasks"
		)
		roundBody := func(extra, recurrence string) string {
			return `{"title":"周二远程查房","wardInstitutionIds":["{{inst.county-doctor}}"]` + extra +
				`,"recurrence":{"weekday":"{{weekday}}","time":"09:00","durationMinutes":60,"from":"{{today}}"` + recurrence + `}}`
		}
		badRound := func(name, body, field string) scenario {
			return scenario{name: "create round: " + name, actor: "specialist", method: "POST", path: list, body: body,
				unchanged: list, wantStatus: 400, wantContains: invalid(field)}
		}
		refused := func(name, actor, method, path, body string, status int) scenario {
			return scenario{name: name, actor: actor, method: method, path: path, body: body, wantStatus: status,
				wantContains: []string{`"code":"` + codeOfStatus[status] + `"`}}
		}
		e.run(t, []scenario{
			// The ward's doctor registers two patients; only the first consents to teleconsultation.
			{name: "register a patient", actor: "county-doctor", method: "POST", path: "/api/v1/patients",
				body:       `{"name":"周八","sex":"male","birthDate":"1975-05-05","nationalId":"{{n1}}","diagnosisCode":"F20.0"}`,
				wantStatus: 201, capture: map[string]string{"p1": "id"}},
			{name: "register a patient without consent", actor: "county-doctor", method: "POST", path: "/api/v1/patients",
				body:       `{"name":"吴九","sex":"female","birthDate":"1980-06-06","nationalId":"{{n2}}"}`,
				wantStatus: 201, capture: map[string]string{"p2": "id"}},
			{name: "teleconsult consent", actor: "county-doctor", method: "POST", path: "/api/v1/patients/{{p1}}/consents",
				body: `{"scope":"teleconsult","signedBy":"patient","signerName":"周八","signedOn":"{{today}}"}`, wantStatus: 201},

			// Scheduling.
			{name: "no rounds yet", actor: "county-doctor", method: "GET", path: list, wantStatus: 200, wantContains: []string{`"items":[]`}},
			badRound("malformed JSON", `{"title":`, "body"),
			badRound("no title", `{"wardInstitutionIds":["{{inst.county-doctor}}"],"recurrence":{"weekday":"monday","time":"09:00","durationMinutes":60,"from":"{{today}}"}}`, "title"),
			badRound("unknown field", roundBody(`,"status":"held"`, ""), "status"),
			badRound("no wards", `{"title":"t","wardInstitutionIds":[],"recurrence":{"weekday":"monday","time":"09:00","durationMinutes":60,"from":"{{today}}"}}`, "wardInstitutionIds"),
			badRound("ward outside the alliance", `{"title":"t","wardInstitutionIds":["{{inst.outsider}}"],"recurrence":{"weekday":"monday","time":"09:00","durationMinutes":60,"from":"{{today}}"}}`, "wardInstitutionIds"),
			badRound("the host as a ward", `{"title":"t","wardInstitutionIds":["{{inst.specialist}}"],"recurrence":{"weekday":"monday","time":"09:00","durationMinutes":60,"from":"{{today}}"}}`, "wardInstitutionIds"),
			badRound("a doctor as host", roundBody(`,"hostUserId":"{{user.county-doctor}}"`, ""), "hostUserId"),
			badRound("unknown weekday", `{"title":"t","wardInstitutionIds":["{{inst.county-doctor}}"],"recurrence":{"weekday":"someday","time":"09:00","durationMinutes":60,"from":"{{today}}"}}`, "recurrence.weekday"),
			badRound("bad time", `{"title":"t","wardInstitutionIds":["{{inst.county-doctor}}"],"recurrence":{"weekday":"monday","time":"25:00","durationMinutes":60,"from":"{{today}}"}}`, "recurrence.time"),
			badRound("duration of wrong type", `{"title":"t","wardInstitutionIds":["{{inst.county-doctor}}"],"recurrence":{"weekday":"monday","time":"09:00","durationMinutes":"60","from":"{{today}}"}}`, "recurrence.durationMinutes"),
			badRound("too short", `{"title":"t","wardInstitutionIds":["{{inst.county-doctor}}"],"recurrence":{"weekday":"monday","time":"09:00","durationMinutes":5,"from":"{{today}}"}}`, "recurrence.durationMinutes"),
			badRound("until before from", roundBody("", `,"until":"2020-01-01"`), "recurrence.until"),
			{name: "create round: the ward's doctor may not", actor: "county-doctor", method: "POST", path: list, body: roundBody("", ""),
				unchanged: list, wantStatus: 403, wantContains: []string{`"code":"forbidden"`}},
			{name: "create round: a CHC doctor may not", actor: "chc-doctor", method: "POST", path: list, body: roundBody("", ""),
				unchanged: list, wantStatus: 403},
			refused("create round: the administrator may not", "admin", "POST", list, roundBody("", ""), 403),
			refused("create round: anonymous", "", "POST", list, roundBody("", ""), 401),
			{name: "the convener schedules the specialist's round", actor: "convener", method: "POST", path: list,
				body:       roundBody(`,"hostUserId":"{{user.specialist}}"`, ""),
				wantStatus: 201,
				wantContains: []string{`"hostUserId":"{{user.specialist}}"`, `"hostInstitutionId":"{{inst.specialist}}"`,
					`"wardInstitutionIds":["{{inst.county-doctor}}"]`, `"time":"09:00"`, `"canSchedule":true`, `"host":{"id":"{{user.specialist}}"`},
				capture: map[string]string{"round": "id"}},

			// Who sees the series.
			{name: "the ward sees the round", actor: "county-doctor", method: "GET", path: round, wantStatus: 200,
				wantContains: []string{`"id":"{{round}}"`, `"wardInstitutions":[{"id":"{{inst.county-doctor}}"`, `"canSchedule":false`}},
			{name: "the ward lists the round", actor: "county-doctor", method: "GET", path: list, wantStatus: 200,
				wantContains: []string{`"id":"{{round}}"`}},
			{name: "the CHC, not a party, lists nothing", actor: "chc-doctor", method: "GET", path: list, wantStatus: 200,
				wantContains: []string{`"items":[]`}},
			{name: "the CHC cannot read the round", actor: "chc-doctor", method: "GET", path: round, wantStatus: 404,
				wantContains: []string{`"code":"not_found"`}},
			refused("an outsider cannot read the round", "outsider", "GET", round, "", 404),
			refused("the administrator cannot read rounds", "admin", "GET", round, "", 403),
			refused("unknown round", "specialist", "GET", list+"/no-such-round", "", 404),

			// Occurrences.
			{name: "four weeks of occurrences", actor: "county-doctor", method: "GET", path: round + "/occurrences", wantStatus: 200,
				wantContains: []string{`"seriesId":"{{round}}"`, `"status":"scheduled"`, `"roomId":"`, `"durationMinutes":60`,
					`"title":"周二远程查房"`, `"allowedActions":[]`},
				capture: map[string]string{"weekly": "items.0.id"},
				after: func(t *testing.T, e *env, r *response) {
					items, _ := r.json(t).(map[string]any)["items"].([]any)
					if len(items) != 4 {
						t.Errorf("%d occurrences in four weeks, want 4", len(items))
					}
				}},
			{name: "listing again returns the same occurrences", actor: "specialist", method: "GET", path: round + "/occurrences?from={{today}}",
				wantStatus: 200, wantContains: []string{`"id":"{{weekly}}"`}},
			refused("occurrences: bad from", "specialist", "GET", round+"/occurrences?from=2025-13-01", "", 400),
			{name: "occurrences: window over a year", actor: "specialist", method: "GET", path: round + "/occurrences?from=2025-01-01&to=2026-06-01",
				wantStatus: 400, wantContains: invalid("to")},
			{name: "occurrences: to before from", actor: "specialist", method: "GET", path: round + "/occurrences?from=2025-03-10&to=2025-03-01",
				wantStatus: 400, wantContains: invalid("to")},
			refused("occurrences: the CHC cannot list them", "chc-doctor", "GET", round+"/occurrences", "", 404),
			refused("occurrences: nor an outsider", "outsider", "GET", round+"/occurrences", "", 404),
			{name: "extra session: startsAt not a time", actor: "convener", method: "POST", path: round + "/occurrences",
				body: `{"startsAt":"tomorrow","durationMinutes":60}`, wantStatus: 400, wantContains: invalid("startsAt")},
			{name: "extra session: in the past", actor: "convener", method: "POST", path: round + "/occurrences",
				body: `{"startsAt":"{{past}}","durationMinutes":60}`, wantStatus: 400, wantContains: invalid("startsAt")},
			{name: "extra session: too short", actor: "convener", method: "POST", path: round + "/occurrences",
				body: `{"startsAt":"{{soon}}","durationMinutes":5}`, wantStatus: 400, wantContains: invalid("durationMinutes")},
			refused("extra session: the ward may not add one", "county-doctor", "POST", round+"/occurrences",
				`{"startsAt":"{{soon}}","durationMinutes":60}`, 403),
			refused("extra session: the CHC may not", "chc-doctor", "POST", round+"/occurrences", `{"startsAt":"{{soon}}","durationMinutes":60}`, 404),
			{name: "extra session in ten minutes", actor: "convener", method: "POST", path: round + "/occurrences",
				body: `{"startsAt":"{{soon}}","durationMinutes":60}`, wantStatus: 201,
				wantContains: []string{`"status":"scheduled"`, `"round":{"id":"{{round}}"`, `"allowedActions":["cancel"]`},
				capture:      map[string]string{"occ": "id", "room": "roomId"}},
			{name: "extra session: the same start twice", actor: "convener", method: "POST", path: round + "/occurrences",
				body: `{"startsAt":"{{soon}}","durationMinutes":30}`, wantStatus: 409, wantContains: []string{`"field":"startsAt"`}},
			{name: "the ward reads the session", actor: "county-doctor", method: "GET", path: occ, wantStatus: 200,
				wantContains: []string{`"id":"{{occ}}"`, `"roomId":"{{room}}"`}},
			refused("the CHC cannot read the session", "chc-doctor", "GET", occ, "", 404),

			// Cases.
			{name: "present: no teleconsult consent", actor: "county-doctor", method: "POST", path: cases,
				body: `{"patientId":"{{p2}}","question":"是否需要住院？"}`, unchanged: cases, unchangedAs: "specialist",
				wantStatus: 400, wantContains: invalid("patientId")},
			{name: "present: no question", actor: "county-doctor", method: "POST", path: cases, body: `{"patientId":"{{p1}}"}`,
				wantStatus: 400, wantContains: invalid("question")},
			{name: "present: unknown field", actor: "county-doctor", method: "POST", path: cases,
				body: `{"patientId":"{{p1}}","question":"q","notes":"x"}`, wantStatus: 400, wantContains: invalid("notes")},
			{name: "present: unknown patient", actor: "county-doctor", method: "POST", path: cases,
				body: `{"patientId":"no-such-patient","question":"q"}`, wantStatus: 404},
			refused("present: the host does not present", "specialist", "POST", cases, `{"patientId":"{{p1}}","question":"q"}`, 403),
			refused("present: the CHC is not a ward", "chc-doctor", "POST", cases, `{"patientId":"{{p1}}","question":"q"}`, 404),
			refused("present: nor is an outsider", "outsider", "POST", cases, `{"patientId":"{{p1}}","question":"q"}`, 404),
			{name: "the host cannot see the patient yet", actor: "specialist", method: "GET", path: "/api/v1/patients/{{p1}}", wantStatus: 404},
			{name: "the ward presents its patient", actor: "county-doctor", method: "POST", path: cases,
				body:       `{"patientId":"{{p1}}","question":"氯氮平加量后仍有幻听，是否换药？"}`,
				wantStatus: 201,
				wantContains: []string{`"occurrenceId":"{{occ}}"`, `"patient":{"id":"{{p1}}","name":"周八"`,
					`"presenter":{"id":"{{user.county-doctor}}"`, `"canWriteNotes":false`, `"tasks":[]`, `"version":1`},
				capture: map[string]string{"case": "id"}},
			{name: "presenting the same patient again", actor: "county-doctor", method: "POST", path: cases,
				body: `{"patientId":"{{p1}}","question":"again"}`, wantStatus: 409, wantContains: []string{`"field":"patientId"`}},
			{name: "the host now sees the patient", actor: "specialist", method: "GET", path: "/api/v1/patients/{{p1}}", wantStatus: 200},
			{name: "the host's case list", actor: "specialist", method: "GET", path: cases, wantStatus: 200,
				wantContains: []string{`"id":"{{case}}"`, `"name":"周八"`, `"canWriteNotes":true`}},
			refused("the CHC cannot list the cases", "chc-doctor", "GET", cases, "", 404),
			refused("the CHC cannot read the case", "chc-doctor", "GET", kase, "", 404),
			refused("an outsider cannot read the case", "outsider", "GET", kase, "", 404),
			refused("the administrator cannot read the case", "admin", "GET", kase, "", 403),

			// Notes, by the host's specialist only.
			{name: "notes: the presenting doctor may not", actor: "county-doctor", method: "PUT", path: kase + "/notes",
				body: `{"version":1,"notes":"x"}`, unchanged: kase, wantStatus: 403},
			{name: "notes: the host's convener may not", actor: "convener", method: "PUT", path: kase + "/notes",
				body: `{"version":1,"notes":"x"}`, unchanged: kase, wantStatus: 403},
			refused("notes: the CHC may not", "chc-doctor", "PUT", kase+"/notes", `{"version":1,"notes":"x"}`, 404),
			{name: "notes: no version", actor: "specialist", method: "PUT", path: kase + "/notes", body: `{"notes":"x"}`,
				wantStatus: 400, wantContains: invalid("version")},
			{name: "notes: nothing written", actor: "specialist", method: "PUT", path: kase + "/notes",
				body: `{"version":1,"notes":"  ","recommendations":""}`, wantStatus: 400, wantContains: invalid("notes")},
			{name: "notes: version of wrong type", actor: "specialist", method: "PUT", path: kase + "/notes",
				body: `{"version":"1","notes":"x"}`, wantStatus: 400, wantContains: invalid("version")},
			{name: "the host writes notes and recommendations", actor: "specialist", method: "PUT", path: kase + "/notes",
				body:       `{"version":1,"notes":"幻听频率下降，睡眠差","recommendations":"维持氯氮平，评估代谢风险"}`,
				wantStatus: 200,
				wantContains: []string{`"notes":"幻听频率下降，睡眠差"`, `"recommendations":"维持氯氮平，评估代谢风险"`,
					`"notesByUserId":"{{user.specialist}}"`, `"version":2`}},
			{name: "notes: a stale version", actor: "specialist", method: "PUT", path: kase + "/notes",
				body: `{"version":1,"notes":"x"}`, wantStatus: 409},
			{name: "the presenting doctor reads the notes", actor: "county-doctor", method: "GET", path: kase, wantStatus: 200,
				wantContains: []string{`"recommendations":"维持氯氮平，评估代谢风险"`}},

			// Follow-up tasks for the presenting doctor.
			refused("task: the presenting doctor does not set their own", "county-doctor", "POST", kase+"/tasks",
				`{"text":"复查血常规","dueOn":"{{due}}"}`, 403),
			{name: "task: bad due date", actor: "specialist", method: "POST", path: kase + "/tasks",
				body: `{"text":"复查血常规","dueOn":"next week"}`, wantStatus: 400, wantContains: invalid("dueOn")},
			{name: "task: no text", actor: "specialist", method: "POST", path: kase + "/tasks",
				body: `{"dueOn":"{{due}}"}`, wantStatus: 400, wantContains: invalid("text")},
			{name: "the host gives a follow-up task", actor: "specialist", method: "POST", path: kase + "/tasks",
				body:         `{"text":"两周内复查血常规","dueOn":"{{due}}"}`,
				wantStatus:   201,
				wantContains: []string{`"assigneeUserId":"{{user.county-doctor}}"`, `"done":false`, `"dueOn":"{{due}}"`},
				capture:      map[string]string{"task": "id"}},
			{name: "the presenting doctor's open tasks", actor: "county-doctor", method: "GET", path: tasks, wantStatus: 200,
				wantContains: []string{`"id":"{{task}}"`, `"roundTitle":"周二远程查房"`, `"name":"周八"`}},
			{name: "the host has no tasks of their own", actor: "specialist", method: "GET", path: tasks, wantStatus: 200,
				wantContains: []string{`"items":[]`}},
			refused("tasks: bad status filter", "county-doctor", "GET", tasks+"?status=late", "", 400),
			refused("task: the host does not tick it", "specialist", "PATCH", tasks+"/{{task}}", `{"version":1,"done":true}`, 403),
			refused("task: nor the CHC", "chc-doctor", "PATCH", tasks+"/{{task}}", `{"version":1,"done":true}`, 404),
			{name: "task: done of wrong type", actor: "county-doctor", method: "PATCH", path: tasks + "/{{task}}",
				body: `{"version":1,"done":"yes"}`, wantStatus: 400, wantContains: invalid("done")},
			{name: "task: done missing", actor: "county-doctor", method: "PATCH", path: tasks + "/{{task}}",
				body: `{"version":1}`, wantStatus: 400, wantContains: invalid("done")},
			{name: "the presenting doctor marks it done", actor: "county-doctor", method: "PATCH", path: tasks + "/{{task}}",
				body: `{"version":1,"done":true}`, wantStatus: 200, wantContains: []string{`"done":true`, `"version":2`}},
			{name: "no open tasks left", actor: "county-doctor", method: "GET", path: tasks, wantStatus: 200,
				wantContains: []string{`"items":[]`}},
			{name: "all tasks", actor: "county-doctor", method: "GET", path: tasks + "?status=all", wantStatus: 200,
				wantContains: []string{`"id":"{{task}}"`}},

			// Attendance.
			{name: "check-in: unknown event", actor: "county-doctor", method: "POST", path: occ + "/attendance",
				body: `{"event":"dance"}`, wantStatus: 400, wantContains: invalid("event")},
			refused("check-in: the CHC is not a party", "chc-doctor", "POST", occ+"/attendance", `{"event":"join"}`, 404),
			refused("check-in: leaving before joining", "county-doctor", "POST", occ+"/attendance", `{"event":"leave"}`, 409),
			{name: "the ward's doctor checks in", actor: "county-doctor", method: "POST", path: occ + "/attendance",
				body: `{"event":"join"}`, wantStatus: 200,
				wantContains: []string{`"roomId":"{{room}}"`, `"present":true`, `"stretches":[{"joinedAt":`}},
			{name: "the host checks in", actor: "specialist", method: "POST", path: occ + "/attendance",
				body: `{"event":"join"}`, wantStatus: 200},
			{name: "the ward's doctor checks out", actor: "county-doctor", method: "POST", path: occ + "/attendance",
				body: `{"event":"leave"}`, wantStatus: 200, wantContains: []string{`"present":false`, `"minutes":0`}},
			{name: "the host sees who attended", actor: "convener", method: "GET", path: occ + "/attendance", wantStatus: 200,
				wantContains: []string{`"id":"{{user.county-doctor}}"`, `"id":"{{user.specialist}}"`}},
			{name: "the ward sees itself only", actor: "county-doctor", method: "GET", path: occ + "/attendance", wantStatus: 200,
				wantContains: []string{`"id":"{{user.county-doctor}}"`}, wantNotContains: []string{"{{user.specialist}}"}},
			refused("the CHC cannot see the attendance", "chc-doctor", "GET", occ+"/attendance", "", 404),
			{name: "training credits", actor: "county-doctor", method: "GET", path: "/api/v1/me/training-credits", wantStatus: 200,
				wantContains: []string{`"year":` + time.Now().In(rounds.Shanghai).Format("2006"), `"sessions":1`, `"roundMinutes":0`}},
			{name: "no credits without attendance", actor: "chc-doctor", method: "GET", path: "/api/v1/me/training-credits",
				wantStatus: 200, wantContains: []string{`"items":[]`}},

			// Cancelling.
			refused("cancel: the ward may not", "county-doctor", "POST", occ+"/actions/cancel", `{"version":1,"note":"x"}`, 403),
			refused("cancel: the CHC may not", "chc-doctor", "POST", occ+"/actions/cancel", `{"version":1,"note":"x"}`, 404),
			refused("unknown action", "convener", "POST", occ+"/actions/postpone", `{"version":1}`, 404),
			{name: "cancel: no reason", actor: "convener", method: "POST", path: occ + "/actions/cancel", body: `{"version":1}`,
				unchanged: occ, wantStatus: 400, wantContains: invalid("note")},
			refused("hold: not started yet", "specialist", "POST", occ+"/actions/hold", `{"version":1}`, 409),
			{name: "the convener cancels", actor: "convener", method: "POST", path: occ + "/actions/cancel",
				body: `{"version":1,"note":"专家临时出诊"}`, wantStatus: 200,
				wantContains: []string{`"status":"cancelled"`, `"note":"专家临时出诊"`, `"version":2`, `"allowedActions":[]`}},
			refused("cancel: a stale version", "convener", "POST", occ+"/actions/cancel", `{"version":1,"note":"x"}`, 409),
			refused("a cancelled round takes no cases", "county-doctor", "POST", cases, `{"patientId":"{{p1}}","question":"q"}`, 409),
			refused("nor check-ins", "county-doctor", "POST", occ+"/attendance", `{"event":"join"}`, 409),
		})
	})
}

// TestLectureScenarios: a lecture and a case conference, scheduled,
// registered for, attended, edited and recorded, with bad input, the
// recording-consent rule and an institution outside the alliance.
func TestLectureScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := roundsEnv(t, st)
		n1 := nationalID("34012319690707333")
		e.forbidInBodies(n1)
		e.set("n1", n1)
		const (
			list = "/api/v1/lectures"
			lec  = list + "/{{lec}}"
			conf = list + "/{{conf}}"
		)
		lectureBody := func(extra string) string {
			return `{"kind":"lecture","title":"抑郁障碍的规范化治疗","description":"面向基层医生","startsAt":"{{soon}}","durationMinutes":60` + extra + `}`
		}
		badLecture := func(name, body, field string) scenario {
			return scenario{name: "create lecture: " + name, actor: "specialist", method: "POST", path: list, body: body,
				unchanged: list, wantStatus: 400, wantContains: invalid(field)}
		}
		refused := func(name, actor, method, path, body string, status int) scenario {
			return scenario{name: name, actor: actor, method: method, path: path, body: body, wantStatus: status,
				wantContains: []string{`"code":"` + codeOfStatus[status] + `"`}}
		}
		e.run(t, []scenario{
			{name: "no lectures yet", actor: "chc-doctor", method: "GET", path: list, wantStatus: 200, wantContains: []string{`"items":[]`}},
			badLecture("malformed JSON", `{"kind":`, "body"),
			badLecture("unknown kind", `{"kind":"webinar","title":"t","startsAt":"{{soon}}","durationMinutes":60}`, "kind"),
			badLecture("no title", `{"kind":"lecture","startsAt":"{{soon}}","durationMinutes":60}`, "title"),
			badLecture("start in the past", `{"kind":"lecture","title":"t","startsAt":"{{past}}","durationMinutes":60}`, "startsAt"),
			badLecture("start without an offset", `{"kind":"lecture","title":"t","startsAt":"2030-01-01T09:00:00","durationMinutes":60}`, "startsAt"),
			badLecture("no duration", `{"kind":"lecture","title":"t","startsAt":"{{soon}}"}`, "durationMinutes"),
			badLecture("recordingEnabled of wrong type", lectureBody(`,"recordingEnabled":"yes"`), "recordingEnabled"),
			badLecture("a lecture shows no patient", lectureBody(`,"patientId":"p"`), "patientId"),
			badLecture("a presenter of another institution", lectureBody(`,"presenterUserId":"{{user.chc-doctor}}"`), "presenterUserId"),
			badLecture("an alliance the institution is not in", lectureBody(`,"allianceId":"no-such-alliance"`), "allianceId"),
			badLecture("unknown field", lectureBody(`,"roomId":"mine"`), "roomId"),
			{name: "create lecture: a CHC doctor may not", actor: "chc-doctor", method: "POST", path: list, body: lectureBody(""),
				unchanged: list, wantStatus: 403},
			refused("create lecture: nor the administrator", "admin", "POST", list, lectureBody(""), 403),
			{name: "the specialist schedules a lecture", actor: "specialist", method: "POST", path: list,
				body: lectureBody(`,"recordingEnabled":true`), wantStatus: 201,
				wantContains: []string{`"kind":"lecture"`, `"allianceId":"{{alliance}}"`, `"presenterUserId":"{{user.specialist}}"`,
					`"presenter":{"id":"{{user.specialist}}"`, `"recordingEnabled":true`, `"roomId":"`, `"registrationCount":0`,
					`"canManage":true`, `"hasPatient":false`},
				capture: map[string]string{"lec": "id"}},

			// The alliance sees it; others do not.
			{name: "a CHC doctor lists it", actor: "chc-doctor", method: "GET", path: list, wantStatus: 200,
				wantContains: []string{`"id":"{{lec}}"`, `"canManage":false`, `"registered":false`}},
			{name: "the administrator lists it", actor: "admin", method: "GET", path: list, wantStatus: 200,
				wantContains: []string{`"id":"{{lec}}"`}},
			{name: "filter by kind", actor: "chc-doctor", method: "GET", path: list + "?kind=case_conference", wantStatus: 200,
				wantContains: []string{`"items":[]`}},
			{name: "filter by dates", actor: "chc-doctor", method: "GET", path: list + "?from={{soonDay}}&to={{soonDay}}", wantStatus: 200,
				wantContains: []string{`"id":"{{lec}}"`}},
			refused("filter: bad kind", "chc-doctor", "GET", list+"?kind=webinar", "", 400),
			refused("filter: bad date", "chc-doctor", "GET", list+"?from=tomorrow", "", 400),
			refused("filter: bad recorded", "chc-doctor", "GET", list+"?recorded=maybe", "", 400),
			{name: "an outsider lists nothing", actor: "outsider", method: "GET", path: list, wantStatus: 200,
				wantContains: []string{`"items":[]`}, wantNotContains: []string{"{{lec}}"}},
			refused("an outsider cannot read it", "outsider", "GET", lec, "", 404),
			refused("an outsider cannot register", "outsider", "POST", lec+"/registration", "", 404),
			refused("an outsider cannot attend", "outsider", "POST", lec+"/attendance", `{"event":"join"}`, 404),
			refused("unknown lecture", "chc-doctor", "GET", list+"/no-such-lecture", "", 404),

			// Registration.
			{name: "a CHC doctor registers", actor: "chc-doctor", method: "POST", path: lec + "/registration", wantStatus: 201,
				wantContains: []string{`"registered":true`, `"registrationCount":1`}},
			{name: "registering again changes nothing", actor: "chc-doctor", method: "POST", path: lec + "/registration", wantStatus: 200,
				wantContains: []string{`"registered":true`, `"registrationCount":1`}},
			{name: "the county doctor registers", actor: "county-doctor", method: "POST", path: lec + "/registration", wantStatus: 201,
				wantContains: []string{`"registrationCount":2`}},
			refused("the administrator does not register", "admin", "POST", lec+"/registration", "", 403),
			{name: "the county doctor withdraws", actor: "county-doctor", method: "DELETE", path: lec + "/registration", wantStatus: 200,
				wantContains: []string{`"registered":false`, `"registrationCount":1`}},

			// Editing.
			refused("edit: a viewer may not", "chc-doctor", "PATCH", lec, `{"version":1,"title":"x"}`, 403),
			{name: "edit: blank title", actor: "specialist", method: "PATCH", path: lec, body: `{"version":1,"title":" "}`,
				unchanged: lec, wantStatus: 400, wantContains: invalid("title")},
			{name: "edit: no version", actor: "specialist", method: "PATCH", path: lec, body: `{"title":"x"}`,
				wantStatus: 400, wantContains: invalid("version")},
			{name: "edit: start in the past", actor: "specialist", method: "PATCH", path: lec, body: `{"version":1,"startsAt":"{{past}}"}`,
				wantStatus: 400, wantContains: invalid("startsAt")},
			{name: "the presenter lengthens it", actor: "specialist", method: "PATCH", path: lec, body: `{"version":1,"durationMinutes":90}`,
				wantStatus: 200, wantContains: []string{`"durationMinutes":90`, `"version":2`}},
			refused("edit: a stale version", "convener", "PATCH", lec, `{"version":1,"durationMinutes":60}`, 409),

			// Attendance.
			{name: "check-in: unknown event", actor: "chc-doctor", method: "POST", path: lec + "/attendance", body: `{"event":"watch"}`,
				wantStatus: 400, wantContains: invalid("event")},
			refused("check-in: the administrator does not attend", "admin", "POST", lec+"/attendance", `{"event":"join"}`, 403),
			{name: "a CHC doctor checks in", actor: "chc-doctor", method: "POST", path: lec + "/attendance", body: `{"event":"join"}`,
				wantStatus: 200, wantContains: []string{`"present":true`}},
			{name: "and out", actor: "chc-doctor", method: "POST", path: lec + "/attendance", body: `{"event":"leave"}`,
				wantStatus: 200, wantContains: []string{`"present":false`}},
			{name: "the lecture counts for training", actor: "chc-doctor", method: "GET", path: "/api/v1/me/training-credits",
				wantStatus: 200, wantContains: []string{`"lectureMinutes":0`, `"sessions":1`}},

			// Recordings.
			refused("recording: a viewer may not add one", "chc-doctor", "POST", lec+"/recordings",
				`{"title":"回放","location":"recordings/a.webm"}`, 403),
			{name: "recording: no location", actor: "specialist", method: "POST", path: lec + "/recordings", body: `{"title":"回放"}`,
				wantStatus: 400, wantContains: invalid("location")},
			{name: "recording: a script location", actor: "specialist", method: "POST", path: lec + "/recordings",
				body: `{"title":"回放","location":"javascript:alert(1)"}`, wantStatus: 400, wantContains: invalid("location")},
			{name: "the presenter lists a recording", actor: "specialist", method: "POST", path: lec + "/recordings",
				body: `{"title":"回放（上）","location":"recordings/{{lec}}/part1.webm"}`, wantStatus: 201,
				wantContains: []string{`"lectureId":"{{lec}}"`, `"title":"回放（上）"`}, capture: map[string]string{"rec": "id"}},
			{name: "the alliance's administrator sees the recordings", actor: "admin", method: "GET", path: lec + "/recordings",
				wantStatus: 200, wantContains: []string{`"id":"{{rec}}"`}},
			{name: "recorded lectures", actor: "county-doctor", method: "GET", path: list + "?recorded=true", wantStatus: 200,
				wantContains: []string{`"id":"{{lec}}"`, `"recordingCount":1`}},
			refused("an outsider cannot see the recordings", "outsider", "GET", lec+"/recordings", "", 404),
			refused("an outsider cannot add one", "outsider", "POST", lec+"/recordings", `{"title":"t","location":"x"}`, 404),

			// A case conference showing a patient, and the recording-consent rule.
			{name: "register a patient", actor: "county-doctor", method: "POST", path: "/api/v1/patients",
				body:       `{"name":"郑十","sex":"male","birthDate":"1969-07-07","nationalId":"{{n1}}"}`,
				wantStatus: 201, capture: map[string]string{"p1": "id"}},
			{name: "conference: the core hospital does not see the patient", actor: "specialist", method: "POST", path: list,
				body:       `{"kind":"case_conference","title":"难治性精神分裂症病例讨论","startsAt":"{{later}}","durationMinutes":60,"patientId":"{{p1}}"}`,
				wantStatus: 404},
			{name: "the patient consents to teleconsultation", actor: "county-doctor", method: "POST", path: "/api/v1/patients/{{p1}}/consents",
				body: `{"scope":"teleconsult","signedBy":"patient","signerName":"郑十","signedOn":"{{today}}"}`, wantStatus: 201},
			{name: "a round for the county hospital", actor: "specialist", method: "POST", path: "/api/v1/rounds",
				body:       `{"title":"查房","wardInstitutionIds":["{{inst.county-doctor}}"],"recurrence":{"weekday":"{{weekday}}","time":"09:00","durationMinutes":60,"from":"{{today}}"}}`,
				wantStatus: 201, capture: map[string]string{"round": "id"}},
			{name: "a session of it", actor: "specialist", method: "POST", path: "/api/v1/rounds/{{round}}/occurrences",
				body: `{"startsAt":"{{later}}","durationMinutes":60}`, wantStatus: 201, capture: map[string]string{"occ": "id"}},
			{name: "the county doctor presents the patient there", actor: "county-doctor", method: "POST",
				path: "/api/v1/rounds/occurrences/{{occ}}/cases", body: `{"patientId":"{{p1}}","question":"病例讨论"}`, wantStatus: 201},
			{name: "conference: recording without the patient's recording consent", actor: "specialist", method: "POST", path: list,
				body:       `{"kind":"case_conference","title":"难治性精神分裂症病例讨论","startsAt":"{{later}}","durationMinutes":60,"patientId":"{{p1}}","recordingEnabled":true}`,
				unchanged:  list,
				wantStatus: 400, wantContains: invalid("recordingEnabled")},
			{name: "the specialist schedules the conference unrecorded", actor: "specialist", method: "POST", path: list,
				body:       `{"kind":"case_conference","title":"难治性精神分裂症病例讨论","startsAt":"{{later}}","durationMinutes":60,"patientId":"{{p1}}"}`,
				wantStatus: 201,
				wantContains: []string{`"kind":"case_conference"`, `"patientId":"{{p1}}"`, `"patient":{"id":"{{p1}}","name":"郑十"`,
					`"hasPatient":true`, `"recordingEnabled":false`},
				capture: map[string]string{"conf": "id"}},
			{name: "another institution sees that a patient appears, not who", actor: "chc-doctor", method: "GET", path: conf,
				wantStatus: 200, wantContains: []string{`"hasPatient":true`, `"patientId":""`, `"patient":null`},
				wantNotContains: []string{"{{p1}}", "郑十"}},
			{name: "nor in the list", actor: "chc-doctor", method: "GET", path: list + "?kind=case_conference", wantStatus: 200,
				wantContains: []string{`"id":"{{conf}}"`}, wantNotContains: []string{"{{p1}}", "郑十"}},
			{name: "enable recording: no recording consent yet", actor: "specialist", method: "PATCH", path: conf,
				body: `{"version":1,"recordingEnabled":true}`, unchanged: conf, wantStatus: 400, wantContains: invalid("recordingEnabled")},
			refused("recording: not enabled", "specialist", "POST", conf+"/recordings", `{"title":"回放","location":"recordings/c.webm"}`, 409),
			{name: "the patient's guardian consents to recording", actor: "county-doctor", method: "POST", path: "/api/v1/patients/{{p1}}/consents",
				body: `{"scope":"recording","signedBy":"guardian","signerName":"郑母","signerRelation":"母亲","signedOn":"{{today}}"}`, wantStatus: 201},
			{name: "enable recording", actor: "specialist", method: "PATCH", path: conf, body: `{"version":1,"recordingEnabled":true}`,
				wantStatus: 200, wantContains: []string{`"recordingEnabled":true`, `"version":2`}},
			{name: "the conference's recording", actor: "specialist", method: "POST", path: conf + "/recordings",
				body: `{"title":"病例讨论回放","location":"https://media.example.cn/c.m3u8"}`, wantStatus: 201},
		})
	})
}
