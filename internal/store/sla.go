package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/referral"
)

type allianceSettingsRow struct {
	AllianceID  string `gorm:"primaryKey"`
	ReferralSLA string
	UpdatedAt   time.Time
}

func (allianceSettingsRow) TableName() string { return "alliance_settings" }

// ReferralSLA returns the alliance's referral service levels, or the domain
// defaults when it has configured none.
func (s *Store) ReferralSLA(ctx context.Context, allianceID string) (referral.SLA, error) {
	var row allianceSettingsRow
	err := s.conn(ctx).Where("alliance_id = ?", allianceID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return referral.DefaultSLA, nil
	}
	if err != nil {
		return referral.SLA{}, err
	}
	var sla referral.SLA
	if err := json.Unmarshal([]byte(row.ReferralSLA), &sla); err != nil {
		return referral.SLA{}, err
	}
	return sla, nil
}

// SetReferralSLA configures an alliance's referral service levels; it
// applies to referrals submitted from now on. Errors: invalid, forbidden
// (not an administrator of the alliance), not_found.
func (s *Store) SetReferralSLA(ctx context.Context, allianceID string, sla referral.SLA) error {
	if err := sla.Validate(); err != nil {
		return err
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.requireAllianceAdmin(ctx, allianceID); err != nil {
			return err
		}
		b, _ := json.Marshal(sla)
		row := allianceSettingsRow{AllianceID: allianceID, ReferralSLA: string(b), UpdatedAt: s.now()}
		if err := s.conn(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error; err != nil {
			return err
		}
		return s.record(ctx, Audit{Action: audit.Action("alliance.sla_update"), TargetType: "alliance", TargetID: allianceID})
	})
}

type slaBreachRow struct {
	ReferralID            string `gorm:"primaryKey"`
	Kind                  string `gorm:"primaryKey"`
	Urgency               string
	ReceiverInstitutionID string
	DueAt                 time.Time
	DetectedAt            time.Time
}

func (slaBreachRow) TableName() string { return "sla_breaches" }

const topicBreach = "referral.sla_breach"

// SweepSLABreaches records every clock that has run out on an open referral,
// once per referral and clock, and queues a notification to the receiving
// institution's conveners with each new breach. Breaches are kept for
// reporting. It returns how many it recorded.
func (s *Store) SweepSLABreaches(ctx context.Context) (int, error) {
	now := s.now()
	var rows []referralRow
	breached := "EXISTS (SELECT 1 FROM sla_breaches b WHERE b.referral_id = referrals.id AND b.kind = ?)"
	err := s.conn(ctx).Where(
		"(status IN ? AND accept_due_at < ? AND NOT "+breached+") OR "+
			"(status IN ? AND admit_due_at < ? AND arrived_at IS NULL AND NOT "+breached+")",
		statusStrings([]referral.Status{referral.Requested, referral.OnHold}), now, referral.BreachAccept,
		statusStrings([]referral.Status{referral.Requested, referral.OnHold, referral.Accepted, referral.Scheduled}), now,
		referral.BreachAdmit).
		Order("id").Limit(500).Find(&rows).Error
	if err != nil {
		return 0, err
	}
	recorded := 0
	for i := range rows {
		r, err := rows[i].domain()
		if err != nil {
			return recorded, err
		}
		for _, b := range r.Breaches(now) {
			due := *r.AcceptDueAt
			if b == referral.BreachAdmit {
				due = *r.AdmitDueAt
			}
			err := s.WithTx(ctx, func(ctx context.Context) error {
				res := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&slaBreachRow{ReferralID: r.ID,
					Kind: string(b), Urgency: string(r.Urgency), ReceiverInstitutionID: r.ReceiverInstitutionID,
					DueAt: due, DetectedAt: now})
				if res.Error != nil || res.RowsAffected == 0 {
					return res.Error
				}
				recorded++
				p, _ := json.Marshal(ReferralChanged{ReferralID: r.ID, Action: referral.Action("sla_breach_" + string(b)),
					From: r.Status, To: r.Status, Version: r.Version, Urgency: r.Urgency,
					SenderInstitutionID: r.SenderInstitutionID, ReceiverInstitutionID: r.ReceiverInstitutionID, At: now})
				return s.conn(ctx).Create(&outboxRow{ID: newID(), Topic: topicBreach, ReferralID: r.ID,
					Payload: string(p), CreatedAt: now}).Error
			})
			if err != nil {
				return recorded, err
			}
		}
	}
	return recorded, nil
}

// SLABreach is a recorded breach.
type SLABreach struct {
	ReferralID string    `json:"referralId"`
	Kind       string    `json:"kind"`
	Urgency    string    `json:"urgency"`
	DueAt      time.Time `json:"dueAt"`
	DetectedAt time.Time `json:"detectedAt"`
}

// ListSLABreaches returns the breaches recorded against referrals the
// actor's institution received, newest first.
func (s *Store) ListSLABreaches(ctx context.Context) ([]SLABreach, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var rows []slaBreachRow
	if err := s.conn(ctx).Where("receiver_institution_id = ?", a.InstitutionID).Order("detected_at DESC").
		Limit(200).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]SLABreach, len(rows))
	for i, r := range rows {
		out[i] = SLABreach{ReferralID: r.ReferralID, Kind: r.Kind, Urgency: r.Urgency, DueAt: r.DueAt.UTC(),
			DetectedAt: r.DetectedAt.UTC()}
	}
	return out, nil
}

func encodeCursor(c worklistCursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (worklistCursor, error) {
	var c worklistCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID == "" {
		return c, apperr.InvalidField("cursor", "the cursor is not one this server gave")
	}
	return c, nil
}
