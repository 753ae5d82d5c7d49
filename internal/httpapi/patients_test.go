package httpapi

import (
	"bytes"
	"strings"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

// nationalID completes 17 digits with their check character.
func nationalID(first17 string) string {
	return first17 + string(patient.NationalIDCheckChar(first17))
}

// Scanned consent forms: the magic numbers are what the server sniffs.
var (
	pdfForm = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
	pngForm = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)

// sameForm checks that a form download returns want with its content type.
func sameForm(want, ctype string) func(*testing.T, *env, *response) {
	return func(t *testing.T, e *env, r *response) {
		if !bytes.Equal(r.body, []byte(want)) {
			t.Errorf("form download returned %d bytes %.40q, want the %d uploaded", len(r.body), r.body, len(want))
		}
		if got := r.header.Get("Content-Type"); got != ctype {
			t.Errorf("Content-Type %q, want %q", got, ctype)
		}
		if r.header.Get("Cache-Control") != "no-store" || r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("form download headers %v: want Cache-Control no-store and nosniff", r.header)
		}
	}
}

func TestPatientScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		n1, n2, n3 := nationalID("34010419900307123"), nationalID("34012319850611456"), nationalID("34010220010101789")
		for _, n := range []string{n1, n2, n3} {
			e.forbidInBodies(n) // the full national ID never comes back, anywhere
		}
		e.set("n1", n1)
		e.set("n2", n2)
		e.set("n3", n3)
		const patients = "/api/v1/patients"
		const consents = patients + "/{{p1}}/consents"
		const form1 = consents + "/{{c1}}/form"
		patientBody := func(name, nid, extra string) string {
			return `{"name":"` + name + `","sex":"female","birthDate":"1990-03-07","phone":"13900000000","nationalId":"` + nid +
				`","severeDisorder":true,"diagnosisCode":"f20.0"` + extra + `}`
		}
		badPatient := func(name, body, field string) scenario {
			return scenario{name: "create patient: " + name, actor: "chc-doctor", method: "POST", path: patients, body: body,
				unchanged: patients, wantStatus: 400, wantContains: invalid(field)}
		}
		badConsent := func(name, body, field string) scenario {
			return scenario{name: "add consent: " + name, actor: "chc-doctor", method: "POST", path: consents, body: body,
				unchanged: consents, wantStatus: 400, wantContains: invalid(field)}
		}
		putForm := func(name, actor, path, body, ctype string, status int, want ...string) scenario {
			return scenario{name: name, actor: actor, method: "PUT", path: path, body: body,
				headers: map[string]string{"Content-Type": ctype}, wantStatus: status, wantContains: want}
		}
		maxForm := "%PDF-" + strings.Repeat("0", patient.MaxFormBytes-5)
		e.run(t, []scenario{
			{name: "no patients yet", actor: "chc-doctor", method: "GET", path: patients, wantStatus: 200, wantContains: []string{`"items":[]`}},
			{name: "register a patient", actor: "chc-doctor", method: "POST", path: patients, body: patientBody("王芳", n1, ""),
				wantStatus: 201,
				wantContains: []string{`"name":"王芳"`, `"sex":"female"`, `"nationalIdMasked":"340104********`,
					`"homeInstitutionId":"{{inst.chc-doctor}}"`, `"homeInstitution":{`, `"severeDisorder":true`, `"diagnosisCode":"F20.0"`},
				wantNotContains: []string{`"nationalId"`},
				capture:         map[string]string{"p1": "id", "masked1": "nationalIdMasked"},
				after: func(t *testing.T, e *env, r *response) {
					if m := e.get(t, "masked1"); m != n1[:6]+"********"+n1[14:] {
						t.Errorf("nationalIdMasked %q, want %q", m, n1[:6]+"********"+n1[14:])
					}
				}},

			badPatient("malformed JSON", `{"name":"王芳"`, "body"),
			badPatient("missing name", `{"sex":"female","birthDate":"1990-03-07","nationalId":"{{n3}}"}`, "name"),
			badPatient("name of wrong type", `{"name":{"family":"王"},"sex":"female","birthDate":"1990-03-07","nationalId":"{{n3}}"}`, "name"),
			badPatient("unknown sex", `{"name":"李四","sex":"other","birthDate":"1990-03-07","nationalId":"{{n3}}"}`, "sex"),
			badPatient("missing sex", `{"name":"李四","birthDate":"1990-03-07","nationalId":"{{n3}}"}`, "sex"),
			badPatient("impossible birth date", `{"name":"李四","sex":"male","birthDate":"1990-13-01","nationalId":"{{n3}}"}`, "birthDate"),
			badPatient("birth date in the future", `{"name":"李四","sex":"male","birthDate":"2999-01-01","nationalId":"{{n3}}"}`, "birthDate"),
			badPatient("birth date of wrong type", `{"name":"李四","sex":"male","birthDate":19900307,"nationalId":"{{n3}}"}`, "birthDate"),
			badPatient("bad phone", `{"name":"李四","sex":"male","birthDate":"1990-03-07","phone":"call me","nationalId":"{{n3}}"}`, "phone"),
			badPatient("national ID with a wrong check character", `{"name":"李四","sex":"male","birthDate":"1990-03-07","nationalId":"{{n3}}0"}`, "nationalId"),
			badPatient("short national ID", `{"name":"李四","sex":"male","birthDate":"1990-03-07","nationalId":"34010220010101"}`, "nationalId"),
			badPatient("missing national ID", `{"name":"李四","sex":"male","birthDate":"1990-03-07"}`, "nationalId"),
			badPatient("bad diagnosis code", `{"name":"李四","sex":"male","birthDate":"1990-03-07","nationalId":"{{n3}}","diagnosisCode":"schizophrenia"}`, "diagnosisCode"),
			badPatient("severeDisorder of wrong type", `{"name":"李四","sex":"male","birthDate":"1990-03-07","nationalId":"{{n3}}","severeDisorder":"yes"}`, "severeDisorder"),
			badPatient("home institution cannot be chosen", `{"name":"李四","sex":"male","birthDate":"1990-03-07","nationalId":"{{n3}}","homeInstitutionId":"{{inst.county-doctor}}"}`, "homeInstitutionId"),
			{name: "create patient: body over 1 MB", actor: "chc-doctor", method: "POST", path: patients, body: bigJSON,
				unchanged: patients, wantStatus: 413, wantContains: []string{`"code":"too_large"`}},
			{name: "duplicate national ID", actor: "chc-doctor", method: "POST", path: patients, body: patientBody("王芳二", n1, ""),
				unchanged: patients, wantStatus: 409, wantContains: []string{`"code":"conflict"`, `"field":"nationalId"`}},
			{name: "duplicate national ID, lower-case input", actor: "chc-doctor", method: "POST", path: patients,
				body: patientBody("王芳二", strings.ToLower(n1), ""), unchanged: patients, wantStatus: 409},
			{name: "duplicate national ID from another institution", actor: "county-doctor", method: "POST", path: patients,
				body: patientBody("王芳", n1, ""), unchanged: patients, wantStatus: 409, wantContains: []string{`"field":"nationalId"`}},

			{name: "read the patient", actor: "chc-doctor", method: "GET", path: patients + "/{{p1}}", wantStatus: 200,
				wantContains: []string{`"id":"{{p1}}"`, `"nationalIdMasked":"{{masked1}}"`, `"phone":"13900000000"`}},
			{name: "search by name", actor: "chc-doctor", method: "GET", path: patients + "?q=%E7%8E%8B", wantStatus: 200,
				wantContains: []string{`"id":"{{p1}}"`}},
			{name: "search by full national ID", actor: "chc-doctor", method: "GET", path: patients + "?q={{n1}}", wantStatus: 200,
				wantContains: []string{`"id":"{{p1}}"`}},
			{name: "search by another national ID", actor: "chc-doctor", method: "GET", path: patients + "?q={{n3}}", wantStatus: 200,
				wantContains: []string{`"items":[]`}},
			{name: "unknown patient", actor: "chc-doctor", method: "GET", path: patients + "/no-such-id", wantStatus: 404,
				wantContains: []string{`"code":"not_found"`}, after: rememberBody("noPatient")},

			// Administrators see no patient identity.
			{name: "admin cannot search patients", actor: "admin", method: "GET", path: patients, wantStatus: 403,
				wantContains: []string{`"code":"forbidden"`}},
			{name: "admin cannot read a patient", actor: "admin", method: "GET", path: patients + "/{{p1}}", wantStatus: 403},
			{name: "admin cannot read consents", actor: "admin", method: "GET", path: consents, wantStatus: 403},
			{name: "admin cannot register patients", actor: "admin", method: "POST", path: patients, body: patientBody("李四", n3, ""),
				unchanged: patients, unchangedAs: "chc-doctor", wantStatus: 403},
			{name: "anonymous cannot search patients", method: "GET", path: patients, wantStatus: 401},

			// Another institution's patient is invisible, not forbidden.
			{name: "county doctor registers a patient", actor: "county-doctor", method: "POST", path: patients,
				body: patientBody("赵六", n2, ""), wantStatus: 201, capture: map[string]string{"p2": "id"}},
			{name: "county doctor adds a consent", actor: "county-doctor", method: "POST", path: patients + "/{{p2}}/consents",
				body:       `{"scope":"referral","signedBy":"patient","signerName":"赵六","signedOn":"2024-05-01"}`,
				wantStatus: 201, capture: map[string]string{"c2x": "id"}},
			{name: "county doctor uploads its form", actor: "county-doctor", method: "PUT", path: patients + "/{{p2}}/consents/{{c2x}}/form",
				body: pdfForm, headers: map[string]string{"Content-Type": "application/pdf"}, wantStatus: 204},
			{name: "CHC doctor cannot read it: 404 like an unknown id", actor: "chc-doctor", method: "GET", path: patients + "/{{p2}}",
				wantStatus: 404, after: sameBodyAs("noPatient")},
			{name: "specialist without a referral cannot read it", actor: "specialist", method: "GET", path: patients + "/{{p2}}",
				wantStatus: 404},
			{name: "CHC doctor's name search does not list it", actor: "chc-doctor", method: "GET", path: patients + "?q=%E8%B5%B5",
				wantStatus: 200, wantContains: []string{`"items":[]`}, wantNotContains: []string{"{{p2}}"}},
			{name: "CHC doctor's national ID search does not find it", actor: "chc-doctor", method: "GET", path: patients + "?q={{n2}}",
				wantStatus: 200, wantContains: []string{`"items":[]`}},
			{name: "CHC doctor's list does not show it", actor: "chc-doctor", method: "GET", path: patients, wantStatus: 200,
				wantContains: []string{"{{p1}}"}, wantNotContains: []string{"{{p2}}"}},
			{name: "CHC doctor cannot list its consents", actor: "chc-doctor", method: "GET", path: patients + "/{{p2}}/consents",
				wantStatus: 404, wantContains: []string{`"code":"not_found"`}},
			{name: "CHC doctor cannot add a consent to it", actor: "chc-doctor", method: "POST", path: patients + "/{{p2}}/consents",
				body:      `{"scope":"referral","signedBy":"patient","signerName":"赵六","signedOn":"2024-05-01"}`,
				unchanged: patients + "/{{p2}}/consents", unchangedAs: "county-doctor", wantStatus: 404},
			{name: "CHC doctor cannot download its form", actor: "chc-doctor", method: "GET", path: patients + "/{{p2}}/consents/{{c2x}}/form",
				wantStatus: 404},
			putForm("CHC doctor cannot replace its form", "chc-doctor", patients+"/{{p2}}/consents/{{c2x}}/form", pngForm, "image/png", 404),
			{name: "its form is untouched", actor: "county-doctor", method: "GET", path: patients + "/{{p2}}/consents/{{c2x}}/form",
				wantStatus: 200, after: sameForm(pdfForm, "application/pdf")},
			{name: "county doctor cannot see the CHC patient either", actor: "county-doctor", method: "GET", path: patients + "/{{p1}}",
				wantStatus: 404},

			// Consents.
			{name: "no consents yet", actor: "chc-doctor", method: "GET", path: consents, wantStatus: 200, wantContains: []string{`"items":[]`}},
			badConsent("malformed JSON", `{"scope":`, "body"),
			badConsent("unknown scope", `{"scope":"marketing","signedBy":"patient","signerName":"王芳","signedOn":"2024-05-01"}`, "scope"),
			badConsent("missing scope", `{"signedBy":"patient","signerName":"王芳","signedOn":"2024-05-01"}`, "scope"),
			badConsent("scope of wrong type", `{"scope":["referral"],"signedBy":"patient","signerName":"王芳","signedOn":"2024-05-01"}`, "scope"),
			badConsent("unknown signer", `{"scope":"referral","signedBy":"friend","signerName":"王芳","signedOn":"2024-05-01"}`, "signedBy"),
			badConsent("guardian without relation", `{"scope":"referral","signedBy":"guardian","signerName":"王母","signedOn":"2024-05-01"}`, "signerRelation"),
			badConsent("guardian with blank relation", `{"scope":"referral","signedBy":"guardian","signerName":"王母","signerRelation":" ","signedOn":"2024-05-01"}`, "signerRelation"),
			badConsent("missing signer name", `{"scope":"referral","signedBy":"patient","signedOn":"2024-05-01"}`, "signerName"),
			badConsent("bad date", `{"scope":"referral","signedBy":"patient","signerName":"王芳","signedOn":"2024/05/01"}`, "signedOn"),
			badConsent("date of wrong type", `{"scope":"referral","signedBy":"patient","signerName":"王芳","signedOn":20240501}`, "signedOn"),
			badConsent("date in the future", `{"scope":"referral","signedBy":"patient","signerName":"王芳","signedOn":"2999-05-01"}`, "signedOn"),
			badConsent("unknown field", `{"scope":"referral","signedBy":"patient","signerName":"王芳","signedOn":"2024-05-01","hasForm":true}`, "hasForm"),
			{name: "add consent: body over 1 MB", actor: "chc-doctor", method: "POST", path: consents, body: bigJSON,
				unchanged: consents, wantStatus: 413, wantContains: []string{`"code":"too_large"`}},
			{name: "consent for an unknown patient", actor: "chc-doctor", method: "POST", path: patients + "/no-such-id/consents",
				body: `{"scope":"referral","signedBy":"patient","signerName":"王芳","signedOn":"2024-05-01"}`, wantStatus: 404},
			{name: "consents of an unknown patient", actor: "chc-doctor", method: "GET", path: patients + "/no-such-id/consents", wantStatus: 404},
			{name: "patient signs a consent", actor: "chc-doctor", method: "POST", path: consents,
				body:       `{"scope":"referral","signedBy":"patient","signerName":" 王芳 ","signedOn":"2024-05-01"}`,
				wantStatus: 201, wantContains: []string{`"patientId":"{{p1}}"`, `"scope":"referral"`, `"signerName":"王芳"`, `"hasForm":false`},
				capture: map[string]string{"c1": "id"}},
			{name: "guardian signs a consent", actor: "chc-doctor", method: "POST", path: consents,
				body:       `{"scope":"teleconsult","signedBy":"guardian","signerName":"王母","signerRelation":"母亲","signedOn":"2024-05-02"}`,
				wantStatus: 201, wantContains: []string{`"signedBy":"guardian"`, `"signerRelation":"母亲"`},
				capture: map[string]string{"c2": "id"}},
			{name: "consents are listed", actor: "chc-doctor", method: "GET", path: consents, wantStatus: 200,
				wantContains: []string{`"id":"{{c1}}"`, `"id":"{{c2}}"`}},

			// Scanned forms.
			{name: "no form yet", actor: "chc-doctor", method: "GET", path: form1, wantStatus: 404},
			putForm("upload a PDF form", "chc-doctor", form1, pdfForm, "application/pdf", 204),
			{name: "download the PDF form", actor: "chc-doctor", method: "GET", path: form1, wantStatus: 200,
				after: sameForm(pdfForm, "application/pdf")},
			putForm("upload a PNG form", "chc-doctor", consents+"/{{c2}}/form", pngForm, "image/png", 204),
			{name: "download the PNG form", actor: "chc-doctor", method: "GET", path: consents + "/{{c2}}/form", wantStatus: 200,
				after: sameForm(pngForm, "image/png")},
			{name: "the consents show their forms", actor: "chc-doctor", method: "GET", path: consents, wantStatus: 200,
				wantContains: []string{`"hasForm":true`}, wantNotContains: []string{`"hasForm":false`}},
			{name: "a text file is refused whatever its label", actor: "chc-doctor", method: "PUT", path: form1,
				body: "I agree.\n", headers: map[string]string{"Content-Type": "application/pdf"}, unchanged: form1,
				wantStatus: 400, wantContains: invalid("body")},
			{name: "an HTML file is refused", actor: "chc-doctor", method: "PUT", path: form1,
				body: "<html><script>alert(1)</script></html>", headers: map[string]string{"Content-Type": "text/html"}, unchanged: form1,
				wantStatus: 400, wantContains: invalid("body")},
			{name: "an empty form is refused", actor: "chc-doctor", method: "PUT", path: form1,
				headers: map[string]string{"Content-Type": "application/pdf"}, unchanged: form1, wantStatus: 400, wantContains: invalid("body")},
			{name: "a form over 10 MB is refused", actor: "chc-doctor", method: "PUT", path: form1, body: maxForm + "0",
				headers: map[string]string{"Content-Type": "application/pdf"}, unchanged: form1,
				wantStatus: 413, wantContains: []string{`"code":"too_large"`}},
			{name: "a form over the body limit is refused", actor: "chc-doctor", method: "PUT", path: form1, body: maxForm + strings.Repeat("0", 2<<20),
				headers: map[string]string{"Content-Type": "application/pdf"}, unchanged: form1,
				wantStatus: 413, wantContains: []string{`"code":"too_large"`}},
			{name: "a streamed form over the body limit is refused", actor: "chc-doctor", method: "PUT", path: form1, body: maxForm + strings.Repeat("0", 2<<20),
				headers: map[string]string{"Content-Type": "application/pdf", "Transfer-Encoding": "chunked"}, unchanged: form1,
				wantStatus: 413, wantContains: []string{`"code":"too_large"`}},
			putForm("a form for an unknown consent", "chc-doctor", consents+"/no-such-id/form", pdfForm, "application/pdf", 404),
			putForm("a form of another patient's consent", "county-doctor", patients+"/{{p2}}/consents/{{c1}}/form", pdfForm, "application/pdf", 404),
			putForm("admin cannot upload forms", "admin", form1, pngForm, "image/png", 403),
			{name: "a form of exactly 10 MB is taken", actor: "chc-doctor", method: "PUT", path: form1, body: maxForm,
				headers: map[string]string{"Content-Type": "application/pdf"}, wantStatus: 204},
			{name: "download the 10 MB form", actor: "chc-doctor", method: "GET", path: form1, wantStatus: 200,
				after: sameForm(maxForm, "application/pdf")},
		})
	})
}
