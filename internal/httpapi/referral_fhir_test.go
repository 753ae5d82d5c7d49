package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

func TestReferralFHIRAttachmentAndSLAScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newRefEnv(t, st)
		id, _ := e.referralAt(t, referral.Accepted)
		e.set("r", id)
		const pdf = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
		png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
		att := "/api/v1/referrals/{{r}}/attachments"
		upload := func(name, actor, query, body, ctype string, status int, want ...string) scenario {
			return scenario{name: name, actor: actor, method: "POST", path: att + query, body: body,
				headers: map[string]string{"Content-Type": ctype}, wantStatus: status, wantContains: want}
		}
		const sla = "/api/v1/alliances/{{alliance}}/referral-sla"
		const defaults = `{"routineAcceptMinutes":4320,"urgentAcceptMinutes":1440,"fastTrackAcceptMinutes":120,` +
			`"fastTrackAdmitMinutes":1440,"firstFollowUpDays":14}`
		badSLA := func(name, body, field string) scenario {
			return scenario{name: "SLA: " + name, actor: "admin", method: "PUT", path: sla, body: body, unchanged: sla,
				wantStatus: 400, wantContains: invalid(field)}
		}
		e.run(t, []scenario{
			{name: "FHIR bundle", actor: "specialist", method: "GET", path: "/api/v1/referrals/{{r}}/fhir", wantStatus: 200,
				wantContains: []string{`"resourceType":"Bundle"`, `"type":"collection"`, `"resourceType":"Patient"`,
					`"resourceType":"ServiceRequest"`, `"resourceType":"Task"`, `"status":"accepted"`, `"intent":"order"`,
					`"priority":"urgent"`, `"reference":"Patient/{{patient}}"`, `"reference":"ServiceRequest/{{r}}"`,
					`"system":"http://hl7.org/fhir/sid/icd-10","code":"F20.0"`, `"urn:lianxin:national-id-masked"`,
					`"owner":{"reference":"Organization/{{inst.specialist}}"`},
				after: func(t *testing.T, e *env, r *response) {
					if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
						t.Errorf("Content-Type %q", ct)
					}
					var b struct {
						Entry []struct {
							Resource map[string]any `json:"resource"`
						} `json:"entry"`
					}
					if err := json.Unmarshal(r.body, &b); err != nil {
						t.Fatal(err)
					}
					var types []string
					for _, en := range b.Entry {
						types = append(types, en.Resource["resourceType"].(string))
					}
					if !slices.Equal(types, []string{"Patient", "ServiceRequest", "Task"}) {
						t.Errorf("bundle entries %v", types)
					}
				}},
			{name: "FHIR for the sender", actor: "chc-doctor", method: "GET", path: "/api/v1/referrals/{{r}}/fhir", wantStatus: 200},
			{name: "FHIR for a member that is no party", actor: "county-doctor", method: "GET", path: "/api/v1/referrals/{{r}}/fhir", wantStatus: 404},
			{name: "FHIR for an administrator", actor: "admin", method: "GET", path: "/api/v1/referrals/{{r}}/fhir", wantStatus: 403},

			upload("attach a PDF", "chc-doctor", "?name=%E8%A1%80%E5%B8%B8%E8%A7%84.pdf", pdf, "application/pdf", 201,
				`"contentType":"application/pdf"`, `"name":"血常规.pdf"`, `"institutionId":"{{inst.chc-doctor}}"`),
			{name: "capture the PDF", actor: "chc-doctor", method: "GET", path: "/api/v1/referrals/{{r}}", wantStatus: 200,
				capture: map[string]string{"pdf": "attachments.0.id"}},
			upload("the receiver attaches a PNG", "specialist", "?name=ct.png", png, "image/png", 201, `"contentType":"image/png"`),
			upload("text is refused", "chc-doctor", "?name=notes.pdf", "these are not examination results", "application/pdf", 400,
				invalid("body")...),
			upload("an empty file is refused", "chc-doctor", "?name=e.pdf", "", "application/pdf", 400),
			upload("a file needs a name", "chc-doctor", "", pdf, "application/pdf", 400, invalid("name")...),
			upload("a member that is no party cannot attach", "county-doctor", "?name=x.pdf", pdf, "application/pdf", 404),
			{name: "both attachments are listed", actor: "specialist", method: "GET", path: "/api/v1/referrals/{{r}}", wantStatus: 200,
				wantContains: []string{`"name":"血常规.pdf"`, `"name":"ct.png"`}},
			{name: "the receiver downloads the sender's PDF", actor: "specialist", method: "GET", path: att + "/{{pdf}}", wantStatus: 200,
				after: func(t *testing.T, e *env, r *response) {
					if string(r.body) != pdf || r.header.Get("Content-Type") != "application/pdf" ||
						!strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment") || r.header.Get("Cache-Control") != "no-store" {
						t.Errorf("download: %q %v", r.body, r.header)
					}
				}},
			{name: "the download is audited", actor: "admin", method: "GET", path: "/api/v1/audit?action=referral.attachment_download",
				wantStatus: 200, wantContains: []string{`"targetId":"{{pdf}}"`, `"userId":"{{user.specialist}}"`}},
			{name: "a member that is no party cannot download", actor: "county-doctor", method: "GET", path: att + "/{{pdf}}", wantStatus: 404},
			{name: "an unknown attachment", actor: "specialist", method: "GET", path: att + "/nope", wantStatus: 404},

			{name: "SLA: the defaults", actor: "chc-doctor", method: "GET", path: sla, wantStatus: 200, wantContains: []string{defaults}},
			{name: "SLA: a specialist cannot set it", actor: "specialist", method: "PUT", path: sla, body: defaults, unchanged: sla,
				wantStatus: 403},
			badSLA("zero minutes", strings.Replace(defaults, "4320", "0", 1), "routineAcceptMinutes"),
			badSLA("over 90 days", strings.Replace(defaults, `"firstFollowUpDays":14`, `"firstFollowUpDays":91`, 1), "firstFollowUpDays"),
			badSLA("missing clock", `{"routineAcceptMinutes":4320}`, "urgentAcceptMinutes"),
			badSLA("wrong type", strings.Replace(defaults, "4320", `"3 days"`, 1), "routineAcceptMinutes"),
			badSLA("unknown field", strings.Replace(defaults, "{", `{"weekendsCount":true,`, 1), "weekendsCount"),
			{name: "SLA: the administrator shortens the urgent clock", actor: "admin", method: "PUT", path: sla,
				body: strings.Replace(defaults, "1440,\"fastTrackAcceptMinutes", "480,\"fastTrackAcceptMinutes", 1), wantStatus: 200,
				wantContains: []string{`"urgentAcceptMinutes":480`, `"fastTrackAdmitMinutes":1440`}},
			{name: "SLA: unknown alliance", actor: "chc-doctor", method: "GET", path: "/api/v1/alliances/nope/referral-sla", wantStatus: 404},
			{name: "SLA breaches of the receiver", actor: "specialist", method: "GET", path: "/api/v1/sla-breaches", wantStatus: 200,
				wantContains: []string{`"items":[]`}},
			{name: "SLA breaches are not for administrators", actor: "admin", method: "GET", path: "/api/v1/sla-breaches", wantStatus: 403},
		})
		// The new clock applies to referrals made from now on.
		r := e.must(t, "chc-doctor", "POST", "/api/v1/referrals", e.upBody(t, e.patientID, "urgent", nil), http.StatusCreated)
		sub, err1 := time.Parse(time.RFC3339Nano, field(t, r, "submittedAt"))
		due, err2 := time.Parse(time.RFC3339Nano, field(t, r, "acceptDueAt"))
		if err1 != nil || err2 != nil || due.Sub(sub) != 8*time.Hour {
			t.Errorf("urgent accept clock after the change: %v (%v %v)", due.Sub(sub), err1, err2)
		}
	})
}
