package store_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"strings"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

func TestAddConsentValidates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		ctx := f.as("chc-doctor")
		p := newPatient(t, s, ctx, "吴静", nationalID("340104", "2010-04-04", "088"))
		valid := patient.Consent{PatientID: p.ID, Scope: patient.ScopeReferral, SignedBy: "patient", SignerName: "吴静", SignedOn: "2024-05-01"}
		with := func(edit func(c *patient.Consent)) patient.Consent { c := valid; edit(&c); return c }
		for _, tc := range []struct {
			name  string
			c     patient.Consent
			field string
		}{
			{"unknown scope", with(func(c *patient.Consent) { c.Scope = "marketing" }), "scope"},
			{"empty scope", with(func(c *patient.Consent) { c.Scope = "" }), "scope"},
			{"guardian without relation", with(func(c *patient.Consent) { c.SignedBy = "guardian"; c.SignerRelation = "  " }), "signerRelation"},
			{"unknown signer", with(func(c *patient.Consent) { c.SignedBy = "neighbour" }), "signedBy"},
			{"no signer name", with(func(c *patient.Consent) { c.SignerName = " " }), "signerName"},
			{"bad date", with(func(c *patient.Consent) { c.SignedOn = "01/05/2024" }), "signedOn"},
			{"future date", with(func(c *patient.Consent) { c.SignedOn = "2999-01-01" }), "signedOn"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.AddConsent(ctx, tc.c)
				wantCode(t, err, apperr.Invalid, tc.field)
			})
		}
		if n := count(t, s, "consents", ""); n != 0 {
			t.Fatalf("%d consents stored by rejected calls", n)
		}
		guardian := with(func(c *patient.Consent) {
			c.SignedBy, c.SignerName, c.SignerRelation, c.Scope = "guardian", "吴母", "母亲", patient.ScopeTeleconsult
		})
		if _, err := s.AddConsent(ctx, guardian); err != nil {
			t.Fatalf("a guardian with a relation: %v", err)
		}
	})
}

func TestConsentsAndHasConsent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		ctx := f.as("chc-doctor")
		p := newPatient(t, s, ctx, "吴静", nationalID("340104", "2010-04-04", "088"))
		for _, scope := range patient.Scopes {
			if ok, err := s.HasConsent(ctx, p.ID, scope); err != nil || ok {
				t.Fatalf("HasConsent(%s) before any consent = %v, %v", scope, ok, err)
			}
		}
		first, err := s.AddConsent(ctx, patient.Consent{PatientID: p.ID, Scope: patient.ScopeReferral, SignedBy: "patient",
			SignerName: " 吴静 ", SignedOn: "2024-05-01"})
		if err != nil {
			t.Fatal(err)
		}
		if first.ID == "" || first.SignerName != "吴静" || first.HasForm {
			t.Fatalf("AddConsent = %+v", first)
		}
		second, err := s.AddConsent(ctx, patient.Consent{PatientID: p.ID, Scope: patient.ScopeFollowUp, SignedBy: "guardian",
			SignerName: "吴母", SignerRelation: "母亲", SignedOn: "2024-05-02"})
		if err != nil {
			t.Fatal(err)
		}
		for scope, want := range map[patient.Scope]bool{patient.ScopeReferral: true, patient.ScopeFollowUp: true,
			patient.ScopeTeleconsult: false, patient.ScopeRecording: false} {
			if ok, err := s.HasConsent(ctx, p.ID, scope); err != nil || ok != want {
				t.Errorf("HasConsent(%s) = %v, %v; want %v", scope, ok, err, want)
			}
		}
		list, err := s.ListConsents(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != second.ID || list[1].ID != first.ID {
			t.Fatalf("ListConsents = %+v; want the two consents, newest first", list)
		}
		if list[0].SignerRelation != "母亲" || list[0].PatientID != p.ID {
			t.Errorf("listed guardian consent = %+v", list[0])
		}
		if n := auditCount(t, s, string(audit.ConsentCreated), p.ID); n != 2 {
			t.Errorf("%d consent.create entries, want 2", n)
		}
		if n := auditCount(t, s, string(audit.ConsentsRead), p.ID); n != 1 {
			t.Errorf("%d consent.list entries, want 1", n)
		}

		other := f.as("county-doctor")
		_, err = s.AddConsent(other, patient.Consent{PatientID: p.ID, Scope: patient.ScopeReferral, SignedBy: "patient",
			SignerName: "吴静", SignedOn: "2024-05-01"})
		wantCode(t, err, apperr.NotFound, "")
		_, err = s.AddConsent(ctx, patient.Consent{PatientID: "no-such-patient", Scope: patient.ScopeReferral, SignedBy: "patient",
			SignerName: "某人", SignedOn: "2024-05-01"})
		wantCode(t, err, apperr.NotFound, "")
		if n := count(t, s, "consents", ""); n != 2 {
			t.Fatalf("%d consents, want 2", n)
		}
	})
}

func TestConsentFormRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		ctx := f.as("chc-doctor")
		p := newPatient(t, s, ctx, "吴静", nationalID("340104", "2010-04-04", "088"))
		c, err := s.AddConsent(ctx, patient.Consent{PatientID: p.ID, Scope: patient.ScopeReferral, SignedBy: "patient",
			SignerName: "吴静", SignedOn: "2024-05-01"})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = s.OpenConsentForm(ctx, p.ID, c.ID)
		wantCode(t, err, apperr.NotFound, "")

		scan := pngImage(t)
		if err := s.SaveConsentForm(ctx, p.ID, c.ID, bytes.NewReader(scan)); err != nil {
			t.Fatalf("SaveConsentForm: %v", err)
		}
		got, ctype := openForm(t, s, ctx, p.ID, c.ID)
		if ctype != "image/png" || !bytes.Equal(got, scan) {
			t.Fatalf("OpenConsentForm = %d bytes of %s; want the %d PNG bytes saved", len(got), ctype, len(scan))
		}
		list, err := s.ListConsents(ctx, p.ID)
		if err != nil || len(list) != 1 || !list[0].HasForm {
			t.Fatalf("ListConsents after the upload = %+v, %v; want HasForm", list, err)
		}

		// A replacement form is served from then on.
		pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
		if err := s.SaveConsentForm(ctx, p.ID, c.ID, bytes.NewReader(pdf)); err != nil {
			t.Fatal(err)
		}
		if got, ctype := openForm(t, s, ctx, p.ID, c.ID); ctype != "application/pdf" || !bytes.Equal(got, pdf) {
			t.Fatalf("after replacement OpenConsentForm = %q (%s)", got, ctype)
		}
		if n := auditCount(t, s, string(audit.ConsentFormSaved), p.ID); n != 2 {
			t.Errorf("%d consent.form_upload entries, want 2", n)
		}
		if n := auditCount(t, s, string(audit.ConsentFormRead), p.ID); n != 2 {
			t.Errorf("%d consent.form_download entries, want 2", n)
		}

		other := f.as("county-doctor")
		_, _, err = s.OpenConsentForm(other, p.ID, c.ID)
		wantCode(t, err, apperr.NotFound, "")
		wantCode(t, s.SaveConsentForm(other, p.ID, c.ID, bytes.NewReader(scan)), apperr.NotFound, "")
		wantCode(t, s.SaveConsentForm(ctx, p.ID, "no-such-consent", bytes.NewReader(scan)), apperr.NotFound, "")
	})
}

func TestConsentFormRejectsBadFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		ctx := f.as("chc-doctor")
		p := newPatient(t, s, ctx, "吴静", nationalID("340104", "2010-04-04", "088"))
		c, err := s.AddConsent(ctx, patient.Consent{PatientID: p.ID, Scope: patient.ScopeReferral, SignedBy: "patient",
			SignerName: "吴静", SignedOn: "2024-05-01"})
		if err != nil {
			t.Fatal(err)
		}
		// The content type is sniffed: an HTML page named form.png is still HTML.
		wantCode(t, s.SaveConsentForm(ctx, p.ID, c.ID, strings.NewReader("<html><script>alert(1)</script></html>")), apperr.Invalid, "body")
		wantCode(t, s.SaveConsentForm(ctx, p.ID, c.ID, strings.NewReader("")), apperr.Invalid, "body")
		tooBig := io.MultiReader(bytes.NewReader(pngImage(t)), io.LimitReader(zeros{}, patient.MaxFormBytes))
		wantCode(t, s.SaveConsentForm(ctx, p.ID, c.ID, tooBig), apperr.TooLarge, "")
		if row := rawRow(t, s, "SELECT form_path FROM consents WHERE id = ?", c.ID); row["form_path"] != "" {
			t.Fatalf("a rejected upload set form_path %q", row["form_path"])
		}
		if n := auditCount(t, s, string(audit.ConsentFormSaved), ""); n != 0 {
			t.Fatalf("rejected uploads left %d audit entries", n)
		}
	})
}

// zeros reads endless zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// pngImage returns a small, real PNG file.
func pngImage(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// openForm reads a consent's scanned form in full.
func openForm(t *testing.T, s *store.Store, ctx context.Context, patientID, consentID string) ([]byte, string) {
	t.Helper()
	rc, ctype, err := s.OpenConsentForm(ctx, patientID, consentID)
	if err != nil {
		t.Fatalf("OpenConsentForm: %v", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return data, ctype
}
