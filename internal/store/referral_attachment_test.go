package store_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

// Minimal files that http.DetectContentType recognises by their bytes.
var (
	samplePDF  = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	samplePNG  = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 32)...)
	sampleJPEG = append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), make([]byte, 32)...)
)

func readAll(t *testing.T, rc io.ReadCloser) []byte {
	t.Helper()
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReferralAttachments: both parties attach examination results and
// discharge summaries (PDF, JPEG, PNG by content, not by name) and see each
// other's; every download is audited; outsiders find nothing.
func TestReferralAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newRefWorld(t, s)
		r := w.create(t, "chc-doctor", w.upRequest(w.patientID, referral.Urgent))
		chc, spec := w.as("chc-doctor"), w.as("specialist")

		pdf, err := s.AddAttachment(chc, r.ID, `C:\scans\血常规.pdf`, bytes.NewReader(samplePDF))
		if err != nil {
			t.Fatalf("PDF: %v", err)
		}
		if pdf.ContentType != "application/pdf" || pdf.Name != "血常规.pdf" || pdf.Size != int64(len(samplePDF)) ||
			pdf.InstitutionID != w.instID(instSanlian) {
			t.Errorf("PDF attachment: %+v", pdf)
		}
		png, err := s.AddAttachment(spec, r.ID, "ct.txt", bytes.NewReader(samplePNG)) // named .txt, sniffed as PNG
		if err != nil || png.ContentType != "image/png" {
			t.Fatalf("PNG: %+v, %v", png, err)
		}
		if jpg, err := s.AddAttachment(chc, r.ID, "photo.jpg", bytes.NewReader(sampleJPEG)); err != nil || jpg.ContentType != "image/jpeg" {
			t.Fatalf("JPEG: %+v, %v", jpg, err)
		}

		uploads := count(t, s, "referral_attachments", "")
		for _, c := range []struct {
			name, file string
			body       []byte
			field      string
		}{
			{"text", "notes.pdf", []byte("just some text, not a PDF"), "body"},
			{"html", "x.pdf", []byte("<html><body>x</body></html>"), "body"},
			{"empty", "e.pdf", nil, "body"},
			{"no name", "  ", samplePDF, "name"},
			{"long name", strings.Repeat("名", 201), samplePDF, "name"},
		} {
			_, err := s.AddAttachment(chc, r.ID, c.file, bytes.NewReader(c.body))
			wantCode(t, err, apperr.Invalid, c.field)
		}
		tooBig := io.MultiReader(bytes.NewReader(samplePDF), bytes.NewReader(make([]byte, store.MaxAttachmentBytes)))
		_, err = s.AddAttachment(chc, r.ID, "big.pdf", tooBig)
		wantCode(t, err, apperr.TooLarge, "")
		if n := count(t, s, "referral_attachments", ""); n != uploads {
			t.Errorf("refused uploads wrote %d rows", n-uploads)
		}
		if n := auditCount(t, s, "referral.attachment_upload", w.patientID); n != uploads {
			t.Errorf("%d uploads audited, want %d", n, uploads)
		}

		// Each party sees every attachment and downloads the other's.
		for _, u := range []string{"chc-doctor", "specialist"} {
			d, err := s.GetReferral(w.as(u), r.ID)
			if err != nil || len(d.Attachments) != 3 {
				t.Errorf("%s sees %d attachments, %v", u, len(d.Attachments), err)
			}
		}
		rc, att, err := s.OpenAttachment(spec, r.ID, pdf.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, rc); !bytes.Equal(got, samplePDF) || att.ContentType != "application/pdf" {
			t.Errorf("downloaded %d bytes of %s", len(got), att.ContentType)
		}
		rc, _, err = s.OpenAttachment(chc, r.ID, png.ID)
		if err != nil || !bytes.Equal(readAll(t, rc), samplePNG) {
			t.Fatalf("the sender's download of the receiver's PNG: %v", err)
		}
		rows := rawRows(t, s, "SELECT user_id, target_id, patient_id FROM audit_log WHERE action = 'referral.attachment_download' ORDER BY id")
		if len(rows) != 2 || rows[0]["user_id"] != w.user("specialist").ID || rows[0]["target_id"] != pdf.ID ||
			rows[0]["patient_id"] != w.patientID || rows[1]["user_id"] != w.user("chc-doctor").ID {
			t.Errorf("download audit rows: %v", rows)
		}

		// Outsiders: nothing to find, nothing audited.
		county := w.as("county-doctor")
		_, _, err = s.OpenAttachment(county, r.ID, pdf.ID)
		wantCode(t, err, apperr.NotFound, "")
		_, err = s.AddAttachment(county, r.ID, "x.pdf", bytes.NewReader(samplePDF))
		wantCode(t, err, apperr.NotFound, "")
		// An attachment of one referral is not reachable through another.
		other := w.create(t, "chc-doctor", w.upRequest(w.patientID, referral.Routine))
		_, _, err = s.OpenAttachment(chc, other.ID, pdf.ID)
		wantCode(t, err, apperr.NotFound, "")
		if n := auditCount(t, s, "referral.attachment_download", ""); n != 2 {
			t.Errorf("refused downloads were audited (%d entries)", n)
		}

		// A closed referral takes no more files, but its files stay readable.
		w.act(t, "chc-doctor", r.ID, referral.Cancel, refInput(referral.Cancel, 1))
		_, err = s.AddAttachment(chc, r.ID, "late.pdf", bytes.NewReader(samplePDF))
		wantCode(t, err, apperr.Conflict, "")
		if rc, _, err := s.OpenAttachment(spec, r.ID, pdf.ID); err != nil {
			t.Errorf("download after closing: %v", err)
		} else {
			rc.Close()
		}
	})
}
