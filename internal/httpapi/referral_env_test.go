package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/demo"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/store"
)

// The referral scenarios run on the demo alliance (internal/demo), with a
// user of every role at both parties of an upward referral: the 三里庵 CHC
// (sender: chc-doctor, chc-specialist, chc-convener, chc-admin, chc-sysadmin)
// and the core hospital (receiver: core-doctor, specialist, convener, admin,
// core-sysadmin); general-specialist at the general hospital's department
// (the target of redirects), county-doctor at a member that is no party, and
// stranger at an institution outside the alliance.

// refEnv is the harness env with those users and a consented patient of the CHC.
type refEnv struct {
	*env
	patientID string
	serial    int
}

// partyUser names the user of each party and role.
var partyUser = map[referral.Party]map[auth.Role]string{
	referral.Sender: {auth.RoleDoctor: "chc-doctor", auth.RoleSpecialist: "chc-specialist", auth.RoleConvener: "chc-convener",
		auth.RoleAllianceAdmin: "chc-admin", auth.RoleSysadmin: "chc-sysadmin"},
	referral.Receiver: {auth.RoleDoctor: "core-doctor", auth.RoleSpecialist: "specialist", auth.RoleConvener: "convener",
		auth.RoleAllianceAdmin: "admin", auth.RoleSysadmin: "core-sysadmin"},
}

const generalName = "安徽医科大学第一附属医院精神科"

func newRefEnv(t *testing.T, st *store.Store) *refEnv {
	t.Helper()
	e := &refEnv{env: newEnv(t, st)}
	ctx := t.Context()
	ins, err := st.ListInstitutions(ctx, store.InstitutionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range ins {
		if in.Name == generalName {
			e.set("inst.general-specialist", in.ID)
		}
		if in.Name == "合肥市瑶海区明光路街道社区卫生服务中心" {
			e.set("inst.mingguang", in.ID)
		}
	}
	outside, err := st.CreateInstitution(ctx, alliance.Institution{Name: "联盟外精神专科医院", Level: alliance.LevelTertiary,
		Kind: "psychiatric_hospital", RegionCode: "310104"})
	if err != nil {
		t.Fatal(err)
	}
	e.set("inst.stranger", outside.ID)
	for _, u := range []struct {
		name, inst string
		role       auth.Role
	}{
		{"chc-specialist", "inst.chc-doctor", auth.RoleSpecialist},
		{"chc-convener", "inst.chc-doctor", auth.RoleConvener},
		{"chc-admin", "inst.chc-doctor", auth.RoleAllianceAdmin},
		{"chc-sysadmin", "inst.chc-doctor", auth.RoleSysadmin},
		{"core-doctor", "inst.specialist", auth.RoleDoctor},
		{"core-sysadmin", "inst.specialist", auth.RoleSysadmin},
		{"general-specialist", "inst.general-specialist", auth.RoleSpecialist},
		{"stranger", "inst.stranger", auth.RoleSpecialist},
	} {
		created, _, err := st.CreateUser(ctx, auth.User{Username: u.name, DisplayName: u.name, Roles: []auth.Role{u.role},
			Title: "attending", PracticeYears: 6, InstitutionID: e.get(t, u.inst)}, demo.Password)
		if err != nil {
			t.Fatalf("user %s: %v", u.name, err)
		}
		e.set("user."+u.name, created.ID)
		e.set("inst."+u.name, created.InstitutionID)
	}
	e.patientID = e.newPatient(t, "chc-doctor", true)
	e.set("patient", e.patientID)
	return e
}

// refNationalID makes a valid national ID with serial in its sequence digits.
func refNationalID(serial int) string {
	first := fmt.Sprintf("340104198506%02d%03d", 1+serial%28, serial)
	return first + string(patient.NationalIDCheckChar(first))
}

// newPatient registers a patient over the API as actor, with a referral
// consent when consent is set. The full national ID must never come back.
func (e *refEnv) newPatient(t *testing.T, actor string, consent bool) string {
	t.Helper()
	e.serial++
	nid := refNationalID(e.serial)
	e.forbidInBodies(nid)
	r := e.must(t, actor, "POST", "/api/v1/patients", fmt.Sprintf(`{"name":"患者%d","sex":"male","birthDate":"1985-06-01",`+
		`"nationalId":"%s","severeDisorder":true,"diagnosisCode":"F20.0"}`, e.serial, nid), http.StatusCreated)
	id := field(t, r, "id")
	if consent {
		e.must(t, actor, "POST", "/api/v1/patients/"+id+"/consents",
			`{"scope":"referral","signedBy":"patient","signerName":"本人","signedOn":"2025-01-02"}`, http.StatusCreated)
	}
	return id
}

// must sends a request and fails the test unless it answers want.
func (e *refEnv) must(t *testing.T, actor, method, path, body string, want int) *response {
	t.Helper()
	r := e.send(t, actor, method, e.expand(t, path), e.expand(t, body), nil)
	if r.status != want {
		t.Fatalf("%s %s as %s: %d, want %d: %.500s", method, path, actor, r.status, want, r.body)
	}
	return r
}

// field returns a top-level value of a JSON response as text.
func field(t *testing.T, r *response, path string) string {
	t.Helper()
	v, ok := lookup(r.json(t), path)
	if !ok {
		t.Fatalf("no %q in %.500s", path, r.body)
	}
	return v
}

func jsonBody(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// upBody is a valid upward referral of patientID from the CHC to the core hospital.
func (e *refEnv) upBody(t *testing.T, patientID, urgency string, extra map[string]any) string {
	t.Helper()
	m := map[string]any{"patientId": patientID, "direction": "up", "urgency": urgency,
		"receiverInstitutionId": e.get(t, "inst.specialist"), "reason": "复发，拒绝服药",
		"summary": "幻听三周，威胁邻居", "diagnoses": []string{"F20.0"}, "riskGrade": 3, "subSpecialty": "general_adult"}
	for k, v := range extra {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return jsonBody(t, m)
}

// actionBody is a valid body for action a at version v of an upward referral.
func (e *refEnv) actionBody(t *testing.T, a referral.Action, v int) string {
	t.Helper()
	m := map[string]any{"version": v}
	switch a {
	case referral.Return, referral.Hold, referral.Resume, referral.Cancel, referral.Fail:
		m["note"] = "说明：" + string(a)
	case referral.Redirect:
		m["receiverInstitutionId"], m["note"] = e.get(t, "inst.general-specialist"), "心身科更合适"
	case referral.Schedule:
		m["at"], m["place"] = time.Now().Add(72*time.Hour).UTC().Format(time.RFC3339), "门诊楼 3 层 301"
	case referral.Complete:
		m["outcome"] = map[string]any{"summary": "住院 12 天，症状缓解", "diagnoses": []string{"F20.0"}, "plan": "利培酮 4 mg"}
	}
	return jsonBody(t, m)
}

// actor of a transition in the happy path: who drives a referral from one
// status to the next in referralAt.
func happyActor(a referral.Action) string {
	switch a {
	case referral.Submit, referral.Resume:
		return "chc-doctor"
	case referral.Schedule, referral.Fail:
		return "convener"
	}
	return "specialist"
}

// path to each status from requested (draft is made directly).
var pathTo = map[referral.Status][]referral.Action{
	referral.Requested:  nil,
	referral.Returned:   {referral.Return},
	referral.OnHold:     {referral.Hold},
	referral.Accepted:   {referral.Accept},
	referral.Scheduled:  {referral.Accept, referral.Schedule},
	referral.InProgress: {referral.Accept, referral.Arrive},
	referral.Completed:  {referral.Accept, referral.Arrive, referral.Complete},
	referral.Cancelled:  {referral.Cancel},
	referral.Failed:     {referral.Accept, referral.Fail},
	referral.Redirected: {referral.Redirect},
}

// referralAt makes a new upward referral of the env's patient and drives it
// to status st through the API; it returns the id and current version.
func (e *refEnv) referralAt(t *testing.T, st referral.Status) (string, int) {
	t.Helper()
	extra := map[string]any{}
	if st == referral.Draft {
		extra["draft"] = true
	}
	r := e.must(t, "chc-doctor", "POST", "/api/v1/referrals", e.upBody(t, e.patientID, "urgent", extra), http.StatusCreated)
	id, v := field(t, r, "id"), 1
	for _, a := range pathTo[st] {
		r = e.must(t, happyActor(a), "POST", "/api/v1/referrals/"+id+"/actions/"+string(a), e.actionBody(t, a, v), http.StatusOK)
		v++
	}
	if got := field(t, r, "status"); got != string(st) {
		t.Fatalf("drove a referral to %s, got %s", st, got)
	}
	return id, v
}

// refItems returns the "items" of a list response.
func refItems(t *testing.T, r *response) []map[string]any {
	t.Helper()
	var l struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(r.body, &l); err != nil || l.Items == nil {
		t.Fatalf("not a list (%v): %.500s", err, r.body)
	}
	return l.Items
}

// timeNowCST is today's date in China Standard Time, where the alliance works.
func timeNowCST() string {
	return time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
}
