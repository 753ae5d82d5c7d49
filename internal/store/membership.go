package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/auth"
)

type allianceRow struct {
	ID            string `gorm:"primaryKey"`
	Name          string
	Model         string
	InitiatorID   string
	RegionCode    string
	EstablishedOn string
	CreatedAt     time.Time
}

func (allianceRow) TableName() string { return "alliances" }

func (r *allianceRow) domain() alliance.Alliance {
	return alliance.Alliance{ID: r.ID, Name: r.Name, Model: alliance.Model(r.Model), InitiatorID: r.InitiatorID,
		RegionCode: r.RegionCode, EstablishedOn: r.EstablishedOn}
}

type membershipRow struct {
	AllianceID              string `gorm:"primaryKey"`
	InstitutionID           string `gorm:"primaryKey"`
	Role                    string
	JoinedOn                string
	ConvenerUserID          *string
	SubRegionalExpertUserID *string
	CreatedAt               time.Time
}

func (membershipRow) TableName() string { return "memberships" }

func (r *membershipRow) domain() alliance.Membership {
	return alliance.Membership{AllianceID: r.AllianceID, InstitutionID: r.InstitutionID,
		Role: alliance.MemberRole(r.Role), JoinedOn: r.JoinedOn,
		ConvenerUserID: deref(r.ConvenerUserID), SubRegionalExpertUserID: deref(r.SubRegionalExpertUserID)}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// CreateAlliance founds an alliance with its initiator as the core member.
// Used by seeding and by sysadmins. Errors: invalid, not_found (initiator).
func (s *Store) CreateAlliance(ctx context.Context, a alliance.Alliance) (alliance.Alliance, error) {
	a.Name = strings.TrimSpace(a.Name)
	if a.Name == "" {
		return a, apperr.InvalidField("name", "name is required")
	}
	if err := alliance.ValidateDate("establishedOn", a.EstablishedOn); err != nil {
		return a, err
	}
	valid := false
	for _, m := range alliance.Models {
		valid = valid || m == a.Model
	}
	if !valid {
		return a, apperr.InvalidField("model", "model must be vertical, horizontal, remote or chain")
	}
	a.ID = newID()
	row := allianceRow{ID: a.ID, Name: a.Name, Model: string(a.Model), InitiatorID: a.InitiatorID,
		RegionCode: a.RegionCode, EstablishedOn: a.EstablishedOn}
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.GetInstitution(ctx, a.InitiatorID); err != nil {
			return apperr.InvalidField("initiatorId", "initiator institution does not exist")
		}
		if err := s.conn(ctx).Create(&row).Error; err != nil {
			return err
		}
		m := membershipRow{AllianceID: a.ID, InstitutionID: a.InitiatorID, Role: string(alliance.MemberCore), JoinedOn: a.EstablishedOn}
		if err := s.conn(ctx).Create(&m).Error; err != nil {
			return err
		}
		return s.record(ctx, Audit{Action: audit.MemberAdded, TargetType: "alliance", TargetID: a.ID, Detail: "initiator " + a.InitiatorID})
	})
	return a, err
}

// ListAlliances returns every alliance.
func (s *Store) ListAlliances(ctx context.Context) ([]alliance.Alliance, error) {
	var rows []allianceRow
	if err := s.conn(ctx).Order("name").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]alliance.Alliance, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// AlliancesOf returns the alliances an institution belongs to.
func (s *Store) AlliancesOf(ctx context.Context, institutionID string) ([]alliance.Alliance, error) {
	var rows []allianceRow
	err := s.conn(ctx).Where("id IN (?)", s.conn(ctx).Model(&membershipRow{}).Select("alliance_id").
		Where("institution_id = ?", institutionID)).Order("name").Find(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]alliance.Alliance, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// GetAlliance returns one alliance. Errors: not_found.
func (s *Store) GetAlliance(ctx context.Context, id string) (alliance.Alliance, error) {
	var row allianceRow
	if err := s.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return alliance.Alliance{}, notFound(err, "alliance")
	}
	return row.domain(), nil
}

// ListMembers returns an alliance's memberships, core first.
// Errors: not_found for an unknown alliance.
func (s *Store) ListMembers(ctx context.Context, allianceID string) ([]alliance.Membership, error) {
	if _, err := s.GetAlliance(ctx, allianceID); err != nil {
		return nil, err
	}
	var rows []membershipRow
	if err := s.conn(ctx).Where("alliance_id = ?", allianceID).Order("role, joined_on, institution_id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]alliance.Membership, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// checkMemberPeople checks that the convener works at the member institution
// and that the sub-regional expert is a specialist of an alliance member.
func (s *Store) checkMemberPeople(ctx context.Context, m alliance.Membership) error {
	if m.ConvenerUserID != "" {
		u, err := s.GetUser(ctx, m.ConvenerUserID)
		if err != nil || u.InstitutionID != m.InstitutionID {
			return apperr.InvalidField("convenerUserId", "the convener must be a user of the member institution")
		}
	}
	if m.SubRegionalExpertUserID != "" {
		u, err := s.GetUser(ctx, m.SubRegionalExpertUserID)
		if err != nil {
			return apperr.InvalidField("subRegionalExpertUserId", "no such user")
		}
		var n int64
		if err := s.conn(ctx).Model(&membershipRow{}).Where("alliance_id = ? AND institution_id = ?", m.AllianceID, u.InstitutionID).
			Count(&n).Error; err != nil {
			return err
		}
		if n == 0 || !slices.Contains(u.Roles, auth.RoleSpecialist) {
			return apperr.InvalidField("subRegionalExpertUserId", "the sub-regional expert must be a specialist of an alliance member")
		}
	}
	return nil
}

// AddMember adds an institution to an alliance.
// Errors: forbidden (not this alliance's administrator), not_found, invalid,
// conflict (already a member).
func (s *Store) AddMember(ctx context.Context, m alliance.Membership) (alliance.Membership, error) {
	if err := m.Validate(); err != nil {
		return m, err
	}
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.requireAllianceAdmin(ctx, m.AllianceID); err != nil {
			return err
		}
		if _, err := s.GetInstitution(ctx, m.InstitutionID); err != nil {
			return apperr.InvalidField("institutionId", "no such institution")
		}
		if err := s.checkMemberPeople(ctx, m); err != nil {
			return err
		}
		row := membershipRow{AllianceID: m.AllianceID, InstitutionID: m.InstitutionID, Role: string(m.Role),
			JoinedOn: m.JoinedOn, ConvenerUserID: nullable(m.ConvenerUserID), SubRegionalExpertUserID: nullable(m.SubRegionalExpertUserID)}
		if err := s.conn(ctx).Create(&row).Error; err != nil {
			if isUnique(err) {
				return apperr.Conflictf("the institution is already a member of this alliance")
			}
			return err
		}
		return s.record(ctx, Audit{Action: audit.MemberAdded, TargetType: "alliance", TargetID: m.AllianceID, Detail: "institution " + m.InstitutionID})
	})
	return m, err
}

// MemberPatch holds membership changes; nil leaves a field, "" clears a person.
type MemberPatch struct {
	Role                    *alliance.MemberRole
	ConvenerUserID          *string
	SubRegionalExpertUserID *string
}

// UpdateMember edits a membership. Errors: forbidden, not_found, invalid.
func (s *Store) UpdateMember(ctx context.Context, allianceID, institutionID string, p MemberPatch) (alliance.Membership, error) {
	var out alliance.Membership
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.requireAllianceAdmin(ctx, allianceID); err != nil {
			return err
		}
		var row membershipRow
		if err := s.conn(ctx).Where("alliance_id = ? AND institution_id = ?", allianceID, institutionID).Take(&row).Error; err != nil {
			return notFound(err, "membership")
		}
		m := row.domain()
		if p.Role != nil {
			m.Role = *p.Role
		}
		if p.ConvenerUserID != nil {
			m.ConvenerUserID = *p.ConvenerUserID
		}
		if p.SubRegionalExpertUserID != nil {
			m.SubRegionalExpertUserID = *p.SubRegionalExpertUserID
		}
		if err := m.Validate(); err != nil {
			return err
		}
		if err := s.checkMemberPeople(ctx, m); err != nil {
			return err
		}
		err := s.conn(ctx).Model(&membershipRow{}).Where("alliance_id = ? AND institution_id = ?", allianceID, institutionID).
			Updates(map[string]any{"role": string(m.Role), "convener_user_id": nullable(m.ConvenerUserID),
				"sub_regional_expert_user_id": nullable(m.SubRegionalExpertUserID)}).Error
		if err != nil {
			return err
		}
		out = m
		return s.record(ctx, Audit{Action: audit.MemberUpdated, TargetType: "alliance", TargetID: allianceID, Detail: "institution " + institutionID})
	})
	return out, err
}

// RemoveMember takes an institution out of an alliance.
// Errors: forbidden, not_found, conflict (the initiator cannot leave).
func (s *Store) RemoveMember(ctx context.Context, allianceID, institutionID string) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.requireAllianceAdmin(ctx, allianceID); err != nil {
			return err
		}
		a, err := s.GetAlliance(ctx, allianceID)
		if err != nil {
			return err
		}
		if a.InitiatorID == institutionID {
			return apperr.Conflictf("the initiator cannot be removed from its alliance")
		}
		res := s.conn(ctx).Where("alliance_id = ? AND institution_id = ?", allianceID, institutionID).Delete(&membershipRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.NotFoundf("membership not found")
		}
		return s.record(ctx, Audit{Action: audit.MemberRemoved, TargetType: "alliance", TargetID: allianceID, Detail: "institution " + institutionID})
	})
}

func (s *Store) requireAllianceAdmin(ctx context.Context, allianceID string) error {
	a, err := actor(ctx)
	if err != nil {
		return nil // system work (seeding) is not scoped
	}
	if _, err := s.GetAlliance(ctx, allianceID); err != nil {
		return err
	}
	ok, err := s.canManageAlliance(ctx, a, allianceID)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Forbiddenf("only this alliance's administrators may change its members")
	}
	return nil
}
