package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/patient"
)

type consentRow struct {
	ID              string `gorm:"primaryKey"`
	PatientID       string
	Scope           string
	SignedBy        string
	SignerName      string
	SignerRelation  string
	SignedOn        string
	FormPath        string
	FormContentType string
	RecordedBy      string
	InstitutionID   string
	CreatedAt       time.Time
	RevokedAt       *time.Time
}

func (consentRow) TableName() string { return "consents" }

func (r *consentRow) domain() patient.Consent {
	return patient.Consent{ID: r.ID, PatientID: r.PatientID, Scope: patient.Scope(r.Scope), SignedBy: r.SignedBy,
		SignerName: r.SignerName, SignerRelation: r.SignerRelation, SignedOn: r.SignedOn, HasForm: r.FormPath != "",
		CreatedAt: r.CreatedAt.UTC()}
}

// requireVisiblePatient returns not_found unless the actor may see the patient.
func (s *Store) requireVisiblePatient(ctx context.Context, patientID string) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	var n int64
	if err := s.conn(ctx).Model(&careRelationRow{}).Where("patient_id = ? AND institution_id = ?", patientID, a.InstitutionID).
		Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return apperr.NotFoundf("patient not found")
	}
	return nil
}

// AddConsent records a signed consent for a visible patient.
// Errors: not_found, invalid.
func (s *Store) AddConsent(ctx context.Context, c patient.Consent) (patient.Consent, error) {
	a, err := actor(ctx)
	if err != nil {
		return c, err
	}
	if err := c.Validate(s.now()); err != nil {
		return c, err
	}
	row := consentRow{ID: newID(), PatientID: c.PatientID, Scope: string(c.Scope), SignedBy: c.SignedBy,
		SignerName: c.SignerName, SignerRelation: c.SignerRelation, SignedOn: c.SignedOn,
		RecordedBy: a.UserID, InstitutionID: a.InstitutionID}
	err = s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.requireVisiblePatient(ctx, c.PatientID); err != nil {
			return err
		}
		if err := s.conn(ctx).Create(&row).Error; err != nil {
			return err
		}
		return s.record(ctx, Audit{Action: audit.ConsentCreated, PatientID: c.PatientID, TargetType: "consent",
			TargetID: row.ID, Detail: "scope " + row.Scope})
	})
	if err != nil {
		return patient.Consent{}, err
	}
	return row.domain(), nil
}

// ListConsents returns a visible patient's consents, newest first.
// Errors: not_found.
func (s *Store) ListConsents(ctx context.Context, patientID string) ([]patient.Consent, error) {
	var out []patient.Consent
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.requireVisiblePatient(ctx, patientID); err != nil {
			return err
		}
		var rows []consentRow
		if err := s.conn(ctx).Where("patient_id = ? AND revoked_at IS NULL", patientID).Order("id DESC").Find(&rows).Error; err != nil {
			return err
		}
		out = make([]patient.Consent, len(rows))
		for i := range rows {
			out[i] = rows[i].domain()
		}
		return s.record(ctx, Audit{Action: audit.ConsentsRead, PatientID: patientID, TargetType: "consent",
			Detail: fmt.Sprintf("%d consents", len(rows))})
	})
	return out, err
}

// HasConsent reports whether a visible patient has a live consent of scope.
func (s *Store) HasConsent(ctx context.Context, patientID string, scope patient.Scope) (bool, error) {
	var n int64
	err := s.conn(ctx).Model(&consentRow{}).Where("patient_id = ? AND scope = ? AND revoked_at IS NULL", patientID, string(scope)).
		Count(&n).Error
	return n > 0, err
}

func (s *Store) visibleConsent(ctx context.Context, patientID, consentID string) (consentRow, error) {
	if err := s.requireVisiblePatient(ctx, patientID); err != nil {
		return consentRow{}, err
	}
	var row consentRow
	if err := s.conn(ctx).Where("id = ? AND patient_id = ?", consentID, patientID).Take(&row).Error; err != nil {
		return consentRow{}, notFound(err, "consent")
	}
	return row, nil
}

// SaveConsentForm stores the scanned, signed form of a consent. The content
// type is sniffed from the bytes, not trusted from the client. The file is
// written first and removed again if the database update fails, so no row
// ever points at a missing file. A replaced form's file is kept: the audit
// trail refers to it. Errors: not_found, invalid (type), too_large.
func (s *Store) SaveConsentForm(ctx context.Context, patientID, consentID string, body io.Reader) error {
	data, ctype, err := readUpload(body, patient.MaxFormBytes, patient.FormTypes)
	if err != nil {
		return err
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		row, err := s.visibleConsent(ctx, patientID, consentID)
		if err != nil {
			return err
		}
		rel, err := s.writeFile("consent-forms", data)
		if err != nil {
			return err
		}
		full := filepath.Join(s.files, rel)
		err = s.conn(ctx).Model(&consentRow{}).Where("id = ?", row.ID).
			Updates(map[string]any{"form_path": rel, "form_content_type": ctype}).Error
		if err == nil {
			err = s.record(ctx, Audit{Action: audit.ConsentFormSaved, PatientID: patientID, TargetType: "consent",
				TargetID: consentID, Detail: fmt.Sprintf("%s, %d bytes", ctype, len(data))})
		}
		if err != nil {
			os.Remove(full)
		}
		return err
	})
}

// OpenConsentForm returns the scanned form of a visible consent, audited.
// The caller closes the reader. Errors: not_found.
func (s *Store) OpenConsentForm(ctx context.Context, patientID, consentID string) (io.ReadCloser, string, error) {
	var f *os.File
	var ctype string
	err := s.WithTx(ctx, func(ctx context.Context) error {
		row, err := s.visibleConsent(ctx, patientID, consentID)
		if err != nil {
			return err
		}
		if row.FormPath == "" {
			return apperr.NotFoundf("this consent has no scanned form")
		}
		f, err = os.Open(filepath.Join(s.files, row.FormPath))
		if errors.Is(err, os.ErrNotExist) {
			return apperr.NotFoundf("the scanned form file is missing")
		}
		if err != nil {
			return err
		}
		ctype = row.FormContentType
		return s.record(ctx, Audit{Action: audit.ConsentFormRead, PatientID: patientID, TargetType: "consent", TargetID: consentID})
	})
	if err != nil {
		if f != nil {
			f.Close()
		}
		return nil, "", err
	}
	return f, ctype, nil
}
