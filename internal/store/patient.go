package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/patient"
)

type patientRow struct {
	ID                string `gorm:"primaryKey"`
	Name              string
	Sex               string
	BirthDate         string
	Phone             string
	NationalIDEnc     string `gorm:"column:national_id_enc"`
	NationalIDHash    string `gorm:"column:national_id_hash"`
	NationalIDMasked  string `gorm:"column:national_id_masked"`
	HomeInstitutionID string
	SevereDisorder    bool
	DiagnosisCode     string
	CreatedBy         string
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

func (patientRow) TableName() string { return "patients" }

func (r *patientRow) domain() patient.Patient {
	return patient.Patient{ID: r.ID, Name: r.Name, Sex: patient.Sex(r.Sex), BirthDate: r.BirthDate, Phone: r.Phone,
		MaskedNationalID: r.NationalIDMasked, HomeInstitutionID: r.HomeInstitutionID, SevereDisorder: r.SevereDisorder,
		DiagnosisCode: r.DiagnosisCode, CreatedAt: r.CreatedAt.UTC()}
}

type careRelationRow struct {
	PatientID     string `gorm:"primaryKey"`
	InstitutionID string `gorm:"primaryKey"`
	Reason        string `gorm:"primaryKey"`
	SourceID      string `gorm:"primaryKey"`
	CreatedAt     time.Time
}

func (careRelationRow) TableName() string { return "care_relations" }

// Care relationship reasons.
const (
	CareHome     = "home"
	CareReferral = "referral"
	CareConsult  = "consult"
)

// AddCareRelation lets institutionID see the patient because of source (a
// referral or consultation id). Idempotent.
func (s *Store) AddCareRelation(ctx context.Context, patientID, institutionID, reason, sourceID string) error {
	var n int64
	db := s.conn(ctx)
	if err := db.Model(&careRelationRow{}).Where("patient_id = ? AND institution_id = ? AND reason = ? AND source_id = ?",
		patientID, institutionID, reason, sourceID).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	return db.Create(&careRelationRow{PatientID: patientID, InstitutionID: institutionID, Reason: reason, SourceID: sourceID}).Error
}

// visiblePatients scopes a patients query to those the actor's institution
// has a care relationship with. Every patient query goes through it.
func (s *Store) visiblePatients(ctx context.Context, institutionID string) any {
	return s.conn(ctx).Model(&careRelationRow{}).Select("patient_id").Where("institution_id = ?", institutionID)
}

// CreatePatient registers a patient at the actor's institution, which
// becomes the home institution. Errors: invalid, conflict (national ID
// already registered).
func (s *Store) CreatePatient(ctx context.Context, p patient.Patient) (patient.Patient, error) {
	a, err := actor(ctx)
	if err != nil {
		return p, err
	}
	if err := p.Validate(s.now()); err != nil {
		return p, err
	}
	row := patientRow{ID: newID(), Name: p.Name, Sex: string(p.Sex), BirthDate: p.BirthDate, Phone: p.Phone,
		NationalIDEnc: s.keys.Seal(p.NationalID), NationalIDHash: s.keys.Lookup(p.NationalID),
		NationalIDMasked: patient.MaskNationalID(p.NationalID), HomeInstitutionID: a.InstitutionID,
		SevereDisorder: p.SevereDisorder, DiagnosisCode: p.DiagnosisCode, CreatedBy: a.UserID}
	err = s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.conn(ctx).Create(&row).Error; err != nil {
			if isUnique(err) {
				return &apperr.Error{Code: apperr.Conflict, Field: "nationalId", Message: "a patient with this national ID is already registered"}
			}
			return err
		}
		if err := s.AddCareRelation(ctx, row.ID, a.InstitutionID, CareHome, ""); err != nil {
			return err
		}
		return s.record(ctx, Audit{Action: audit.PatientCreated, PatientID: row.ID, TargetType: "patient", TargetID: row.ID})
	})
	if err != nil {
		return patient.Patient{}, err
	}
	return row.domain(), nil
}

// GetPatient returns a patient the actor may see, and audits the read.
// Errors: not_found (absent, or no care relationship: the two look the same).
func (s *Store) GetPatient(ctx context.Context, id string) (patient.Patient, error) {
	a, err := actor(ctx)
	if err != nil {
		return patient.Patient{}, err
	}
	var out patient.Patient
	err = s.WithTx(ctx, func(ctx context.Context) error {
		var row patientRow
		if err := s.conn(ctx).Where("id = ? AND id IN (?)", id, s.visiblePatients(ctx, a.InstitutionID)).Take(&row).Error; err != nil {
			return notFound(err, "patient")
		}
		out = row.domain()
		return s.record(ctx, Audit{Action: audit.PatientRead, PatientID: id, TargetType: "patient", TargetID: id})
	})
	if err != nil {
		return patient.Patient{}, err // a read whose audit entry failed returns nothing
	}
	return out, nil
}

// SearchPatients lists the actor's visible patients whose name contains q, or
// whose national ID equals q exactly (found by its keyed hash). The query
// text is not audited (it is patient data); the count and ids are.
func (s *Store) SearchPatients(ctx context.Context, q string) ([]patient.Patient, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var out []patient.Patient
	err = s.WithTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx).Model(&patientRow{}).Where("id IN (?)", s.visiblePatients(ctx, a.InstitutionID))
		if q != "" {
			// Normalised as CreatePatient stores it: "…x" or a pasted " …X " is the same ID.
			if id := strings.ToUpper(strings.TrimSpace(q)); patient.ValidateNationalID(id) == nil {
				db = db.Where("national_id_hash = ?", s.keys.Lookup(id))
			} else {
				db = db.Where(`name LIKE ? ESCAPE '\'`, likePattern(q))
			}
		}
		var rows []patientRow
		if err := db.Order("id DESC").Limit(200).Find(&rows).Error; err != nil {
			return err
		}
		for i := range rows {
			out = append(out, rows[i].domain())
		}
		return s.record(ctx, Audit{Action: audit.PatientSearched, TargetType: "patient",
			Detail: fmt.Sprintf("%d results", len(rows))})
	})
	if err != nil {
		return nil, err // a search whose audit entry failed returns nothing
	}
	return out, nil
}
