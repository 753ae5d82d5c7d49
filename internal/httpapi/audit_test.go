package httpapi

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

// auditPageOf decodes an audit page.
func auditPageOf(t *testing.T, r *response) (items []auditView, next string) {
	t.Helper()
	var p struct {
		Items      []auditView `json:"items"`
		NextCursor *string     `json:"nextCursor"`
	}
	if err := json.Unmarshal(r.body, &p); err != nil || p.Items == nil || p.NextCursor == nil {
		t.Fatalf("not an audit page (%v): %.500s", err, r.body)
	}
	return p.Items, *p.NextCursor
}

// allAudit pages through the audit log with query q (without cursor) as
// admin, checking each page, and returns every entry.
func allAudit(t *testing.T, e *env, q url.Values) []auditView {
	t.Helper()
	var all []auditView
	seen := map[string]bool{}
	for cursor, pages := "", 0; ; pages++ {
		if pages > 100 {
			t.Fatal("audit paging does not end")
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		r := e.send(t, "admin", "GET", "/api/v1/audit?"+q.Encode(), "", nil)
		if r.status != 200 {
			t.Fatalf("audit page: %d %s", r.status, r.body)
		}
		items, next := auditPageOf(t, r)
		for i, it := range items {
			if seen[it.ID] {
				t.Errorf("entry %s is on two pages", it.ID)
			}
			seen[it.ID] = true
			if (i > 0 && it.ID >= items[i-1].ID) || (cursor != "" && it.ID >= cursor) {
				t.Errorf("entries out of order: %s after %s (cursor %s)", it.ID, items[max(i-1, 0)].ID, cursor)
			}
		}
		all = append(all, items...)
		if next == "" {
			return all
		}
		if next != items[len(items)-1].ID {
			t.Errorf("nextCursor %s is not the last entry of the page %s", next, items[len(items)-1].ID)
		}
		cursor = next
	}
}

func TestAuditScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		nid := nationalID("34010419780101002")
		e.forbidInBodies(nid)
		e.set("nid", nid)
		const audit = "/api/v1/audit"
		e.run(t, []scenario{
			// Patient work to be audited.
			{name: "register", actor: "chc-doctor", method: "POST", path: "/api/v1/patients",
				body:       `{"name":"钱七","sex":"male","birthDate":"1978-01-01","nationalId":"{{nid}}","severeDisorder":false}`,
				wantStatus: 201, capture: map[string]string{"p": "id"}},
			{name: "read", actor: "chc-doctor", method: "GET", path: "/api/v1/patients/{{p}}", wantStatus: 200,
				headers: map[string]string{"X-Request-Id": "trace-0001.read"}},
			{name: "read with an unsafe request id", actor: "chc-doctor", method: "GET", path: "/api/v1/patients/{{p}}", wantStatus: 200,
				headers: map[string]string{"X-Request-Id": "<script>forged</script>"},
				after: func(t *testing.T, e *env, r *response) {
					if id := r.header.Get("X-Request-Id"); id == "" || id == "<script>forged</script>" {
						t.Errorf("response X-Request-Id %q: want one the server made", id)
					}
				}},
			{name: "list consents", actor: "chc-doctor", method: "GET", path: "/api/v1/patients/{{p}}/consents", wantStatus: 200},
			{name: "add consent", actor: "chc-doctor", method: "POST", path: "/api/v1/patients/{{p}}/consents",
				body: `{"scope":"follow_up","signedBy":"patient","signerName":"钱七","signedOn":"2024-06-01"}`, wantStatus: 201},
			{name: "search by national ID", actor: "chc-doctor", method: "GET", path: "/api/v1/patients?q={{nid}}", wantStatus: 200},
			{name: "failed login", method: "POST", path: "/api/v1/auth/login",
				body: `{"username":"chc-doctor","password":"secret-guess-123"}`, wantStatus: 401},

			// Only administrators read the log.
			{name: "doctor cannot read the audit log", actor: "chc-doctor", method: "GET", path: audit, wantStatus: 403,
				wantContains: []string{`"code":"forbidden"`}},
			{name: "specialist cannot read the audit log", actor: "specialist", method: "GET", path: audit, wantStatus: 403},
			{name: "convener cannot read the audit log", actor: "convener", method: "GET", path: audit, wantStatus: 403},
			{name: "anonymous cannot read the audit log", method: "GET", path: audit, wantStatus: 401},

			{name: "entries of the patient", actor: "admin", method: "GET", path: audit + "?patientId={{p}}", wantStatus: 200,
				wantContains: []string{`"action":"patient.create"`, `"action":"patient.read"`, `"action":"consent.list"`,
					`"action":"consent.create"`, `"patientId":"{{p}}"`, `"username":"chc-doctor"`, `"userId":"{{user.chc-doctor}}"`,
					`"institutionId":"{{inst.chc-doctor}}"`, `"targetType":"patient"`, `"targetId":"{{p}}"`, `"ip":"127.0.0.1"`,
					`"requestId":"trace-0001.read"`, `"nextCursor":""`},
				wantNotContains: []string{"forged", "钱七"},
				after: func(t *testing.T, e *env, r *response) {
					items, _ := auditPageOf(t, r)
					reads := 0
					for i, it := range items {
						if it.PatientID != e.get(t, "p") {
							t.Errorf("entry %s of patient %q in a patientId filter", it.ID, it.PatientID)
						}
						if i > 0 && it.ID >= items[i-1].ID {
							t.Errorf("not newest first: %s after %s", it.ID, items[i-1].ID)
						}
						if it.Action == "patient.read" {
							reads++
						}
					}
					if reads != 2 || len(items) != 5 {
						t.Errorf("%d entries with %d reads, want 5 with 2 (create, 2 reads, consent list, consent create)", len(items), reads)
					}
				}},
			{name: "entries by action", actor: "admin", method: "GET", path: audit + "?action=patient.search", wantStatus: 200,
				wantContains: []string{`"action":"patient.search"`, `"detail":"1 results"`}, wantNotContains: []string{`"action":"patient.read"`}},
			{name: "failed logins keep no password", actor: "admin", method: "GET", path: audit + "?action=auth.login_failed", wantStatus: 200,
				wantContains: []string{`"action":"auth.login_failed"`, `"targetId":"{{user.chc-doctor}}"`}, wantNotContains: []string{"secret-guess"}},
			{name: "entries by user", actor: "admin", method: "GET", path: audit + "?userId={{user.chc-doctor}}", wantStatus: 200,
				wantContains: []string{`"action":"auth.login"`, `"action":"patient.read"`}, wantNotContains: []string{`"username":"admin"`}},
			{name: "entries of nobody", actor: "admin", method: "GET", path: audit + "?userId=no-such-id", wantStatus: 200,
				wantContains: []string{`"items":[]`, `"nextCursor":""`}},

			// Paging.
			{name: "first page of two", actor: "admin", method: "GET", path: audit + "?userId={{user.chc-doctor}}&limit=2", wantStatus: 200,
				capture: map[string]string{"cursor": "nextCursor", "page1last": "items.1.id"},
				after: func(t *testing.T, e *env, r *response) {
					items, next := auditPageOf(t, r)
					if len(items) != 2 || next == "" {
						t.Errorf("limit=2 gave %d entries and nextCursor %q", len(items), next)
					}
				}},
			{name: "second page follows the first", actor: "admin", method: "GET",
				path: audit + "?userId={{user.chc-doctor}}&limit=2&cursor={{cursor}}", wantStatus: 200,
				wantNotContains: []string{`"id":"{{page1last}}"`},
				after: func(t *testing.T, e *env, r *response) {
					items, _ := auditPageOf(t, r)
					if len(items) == 0 || items[0].ID >= e.get(t, "cursor") {
						t.Errorf("second page %v does not start after cursor %s", items, e.get(t, "cursor"))
					}
				}},
			{name: "paging by 3 walks every entry once", actor: "admin", method: "GET", path: audit + "?limit=200", wantStatus: 200,
				after: func(t *testing.T, e *env, r *response) {
					whole, next := auditPageOf(t, r)
					if next != "" {
						t.Fatalf("more than 200 entries; the walk below would not compare")
					}
					paged := allAudit(t, e, url.Values{"limit": {"3"}})
					// Each page read is itself audited, after the whole read: the walk sees more.
					if len(paged) < len(whole)+1 {
						t.Errorf("paging by 3 found %d entries, one page of 200 found %d", len(paged), len(whole))
					}
					ids := map[string]bool{}
					for _, it := range paged {
						ids[it.ID] = true
					}
					for _, it := range whole {
						if !ids[it.ID] {
							t.Errorf("entry %s (%s) was skipped by paging", it.ID, it.Action)
						}
					}
				}},
			{name: "reading the log is audited", actor: "admin", method: "GET", path: audit + "?action=audit.read&limit=1", wantStatus: 200,
				wantContains: []string{`"action":"audit.read"`, `"username":"admin"`, `"targetType":"audit_log"`}},
			{name: "limit not a number", actor: "admin", method: "GET", path: audit + "?limit=ten", wantStatus: 400, wantContains: invalid("limit")},
			{name: "limit too large", actor: "admin", method: "GET", path: audit + "?limit=201", wantStatus: 400, wantContains: invalid("limit")},
			{name: "negative limit", actor: "admin", method: "GET", path: audit + "?limit=-1", wantStatus: 400, wantContains: invalid("limit")},
		})
	})
}
