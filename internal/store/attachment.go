package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/patient"
)

// MaxAttachmentBytes bounds one referral attachment (examination results,
// discharge summaries).
const MaxAttachmentBytes = 20 << 20

type attachmentRow struct {
	ID            string `gorm:"primaryKey"`
	ReferralID    string
	Name          string
	ContentType   string
	Size          int64
	Path          string
	UploadedBy    string
	InstitutionID string
	CreatedAt     time.Time
}

func (attachmentRow) TableName() string { return "referral_attachments" }

// Attachment is a file that travels with a referral, visible to both parties.
type Attachment struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	ContentType   string    `json:"contentType"`
	Size          int64     `json:"size"`
	InstitutionID string    `json:"institutionId"`
	CreatedAt     time.Time `json:"createdAt"`
}

func (r *attachmentRow) domain() Attachment {
	return Attachment{ID: r.ID, Name: r.Name, ContentType: r.ContentType, Size: r.Size,
		InstitutionID: r.InstitutionID, CreatedAt: r.CreatedAt.UTC()}
}

// readUpload reads an uploaded file of at most max bytes and sniffs its
// type from the bytes, accepting only types. Errors: too_large, invalid.
func readUpload(body io.Reader, max int64, types []string) ([]byte, string, error) {
	data, err := io.ReadAll(io.LimitReader(body, max+1))
	if err != nil {
		return nil, "", err
	}
	if int64(len(data)) > max {
		return nil, "", apperr.Errorf(apperr.TooLarge, "the file is larger than %d MB", max>>20)
	}
	if len(data) == 0 {
		return nil, "", apperr.InvalidField("body", "the file is empty")
	}
	ctype := http.DetectContentType(data)
	if !slices.Contains(types, ctype) {
		return nil, "", apperr.InvalidField("body", "the file must be a PDF, JPEG or PNG file (got %s)", ctype)
	}
	return data, ctype, nil
}

// writeFile stores data under the files directory in dir and returns its
// path relative to it.
func (s *Store) writeFile(dir string, data []byte) (string, error) {
	rel := filepath.Join(dir, newID())
	full := filepath.Join(s.files, rel)
	if err := os.MkdirAll(filepath.Dir(full), 0o700); err != nil {
		return "", err
	}
	return rel, os.WriteFile(full, data, 0o600)
}

// AddAttachment stores a file with a referral the actor's institution is a
// party to (PDF, JPEG or PNG by content, at most 20 MB). The file is written
// first and removed if the row cannot be written. Errors: not_found,
// invalid, too_large.
func (s *Store) AddAttachment(ctx context.Context, referralID, name string, body io.Reader) (Attachment, error) {
	a, err := actor(ctx)
	if err != nil {
		return Attachment{}, err
	}
	name = strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, `\`, "/")))
	if name == "" || name == "." || name == "/" {
		return Attachment{}, apperr.InvalidField("name", "give the file a name")
	}
	if len([]rune(name)) > 200 {
		return Attachment{}, apperr.InvalidField("name", "name is longer than 200 characters")
	}
	data, ctype, err := readUpload(body, MaxAttachmentBytes, patient.FormTypes)
	if err != nil {
		return Attachment{}, err
	}
	var out Attachment
	err = s.WithTx(ctx, func(ctx context.Context) error {
		r, err := s.visibleReferral(ctx, a, referralID)
		if err != nil {
			return err
		}
		if r.Status.Closed() {
			return apperr.Conflictf("the referral is closed")
		}
		rel, err := s.writeFile("referral-attachments", data)
		if err != nil {
			return err
		}
		row := attachmentRow{ID: newID(), ReferralID: referralID, Name: name, ContentType: ctype,
			Size: int64(len(data)), Path: rel, UploadedBy: a.UserID, InstitutionID: a.InstitutionID, CreatedAt: s.now()}
		err = s.conn(ctx).Create(&row).Error
		if err == nil {
			err = s.record(ctx, Audit{Action: audit.Action("referral.attachment_upload"), PatientID: r.PatientID,
				TargetType: "referral_attachment", TargetID: row.ID, Detail: fmt.Sprintf("%s, %d bytes", ctype, len(data))})
		}
		if err != nil {
			os.Remove(filepath.Join(s.files, rel))
			return err
		}
		out = row.domain()
		return nil
	})
	return out, err
}

func (s *Store) listAttachments(ctx context.Context, referralID string) ([]Attachment, error) {
	var rows []attachmentRow
	if err := s.conn(ctx).Where("referral_id = ?", referralID).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Attachment, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// OpenAttachment returns an attachment of a visible referral, with the
// download audited. The caller closes the reader. Errors: not_found.
func (s *Store) OpenAttachment(ctx context.Context, referralID, attachmentID string) (io.ReadCloser, Attachment, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, Attachment{}, err
	}
	var f *os.File
	var out Attachment
	err = s.WithTx(ctx, func(ctx context.Context) error {
		r, err := s.visibleReferral(ctx, a, referralID)
		if err != nil {
			return err
		}
		var row attachmentRow
		if err := s.conn(ctx).Where("id = ? AND referral_id = ?", attachmentID, referralID).Take(&row).Error; err != nil {
			return notFound(err, "attachment")
		}
		f, err = os.Open(filepath.Join(s.files, row.Path))
		if errors.Is(err, os.ErrNotExist) {
			return apperr.NotFoundf("the attachment's file is missing")
		}
		if err != nil {
			return err
		}
		out = row.domain()
		return s.record(ctx, Audit{Action: audit.Action("referral.attachment_download"), PatientID: r.PatientID,
			TargetType: "referral_attachment", TargetID: row.ID})
	})
	if err != nil {
		if f != nil {
			f.Close()
		}
		return nil, Attachment{}, err
	}
	return f, out, nil
}
