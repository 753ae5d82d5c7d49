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

type institutionRow struct {
	ID             string `gorm:"primaryKey"`
	Name           string
	Level          string
	Kind           string
	RegionCode     string
	SubSpecialties string
	Beds           int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (institutionRow) TableName() string { return "institutions" }

func (r *institutionRow) domain() alliance.Institution {
	var subs []string
	if r.SubSpecialties != "" {
		subs = strings.Split(r.SubSpecialties, ",")
	}
	return alliance.Institution{
		ID: r.ID, Name: r.Name, Level: alliance.Level(r.Level), Kind: alliance.Kind(r.Kind),
		RegionCode: r.RegionCode, SubSpecialties: subs, Beds: r.Beds, CreatedAt: r.CreatedAt.UTC(),
	}
}

func institutionFrom(in alliance.Institution) institutionRow {
	return institutionRow{
		ID: in.ID, Name: in.Name, Level: string(in.Level), Kind: string(in.Kind), RegionCode: in.RegionCode,
		SubSpecialties: strings.Join(in.SubSpecialties, ","), Beds: in.Beds,
	}
}

// CreateInstitution adds an institution to the directory.
// Errors: invalid (field named), conflict when the name exists in the region.
func (s *Store) CreateInstitution(ctx context.Context, in alliance.Institution) (alliance.Institution, error) {
	if err := in.Validate(); err != nil {
		return alliance.Institution{}, err
	}
	in.ID = newID()
	row := institutionFrom(in)
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.conn(ctx).Create(&row).Error; err != nil {
			if isUnique(err) {
				return apperr.Conflictf("an institution with this name already exists in this region")
			}
			return err
		}
		return s.record(ctx, Audit{Action: audit.InstCreated, TargetType: "institution", TargetID: row.ID})
	})
	if err != nil {
		return alliance.Institution{}, err
	}
	return row.domain(), nil
}

// InstitutionPatch holds the fields to change; nil leaves a field as it is.
type InstitutionPatch struct {
	Name           *string
	Level          *alliance.Level
	Kind           *alliance.Kind
	RegionCode     *string
	SubSpecialties *[]string
	Beds           *int
}

// UpdateInstitution edits an institution. Errors: not_found, invalid, conflict.
func (s *Store) UpdateInstitution(ctx context.Context, id string, p InstitutionPatch) (alliance.Institution, error) {
	var out alliance.Institution
	err := s.WithTx(ctx, func(ctx context.Context) error {
		var row institutionRow
		if err := s.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
			return notFound(err, "institution")
		}
		in := row.domain()
		var changed []string
		set := func(name string, apply func()) { apply(); changed = append(changed, name) }
		if p.Name != nil {
			set("name", func() { in.Name = *p.Name })
		}
		if p.Level != nil {
			set("level", func() { in.Level = *p.Level })
		}
		if p.Kind != nil {
			set("kind", func() { in.Kind = *p.Kind })
		}
		if p.RegionCode != nil {
			set("regionCode", func() { in.RegionCode = *p.RegionCode })
		}
		if p.SubSpecialties != nil {
			set("subSpecialties", func() { in.SubSpecialties = *p.SubSpecialties })
		}
		if p.Beds != nil {
			set("beds", func() { in.Beds = *p.Beds })
		}
		if err := in.Validate(); err != nil {
			return err
		}
		next := institutionFrom(in)
		next.CreatedAt = row.CreatedAt
		if err := s.conn(ctx).Save(&next).Error; err != nil {
			if isUnique(err) {
				return apperr.Conflictf("an institution with this name already exists in this region")
			}
			return err
		}
		out = next.domain()
		return s.record(ctx, Audit{Action: audit.InstUpdated, TargetType: "institution", TargetID: id,
			Detail: "fields: " + strings.Join(changed, ",")})
	})
	return out, err
}

// GetInstitution returns one institution. Errors: not_found.
func (s *Store) GetInstitution(ctx context.Context, id string) (alliance.Institution, error) {
	var row institutionRow
	if err := s.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return alliance.Institution{}, notFound(err, "institution")
	}
	return row.domain(), nil
}

// InstitutionFilter narrows ListInstitutions.
type InstitutionFilter struct {
	Query string
	Level string
}

// ListInstitutions returns the directory, by level then name.
func (s *Store) ListInstitutions(ctx context.Context, f InstitutionFilter) ([]alliance.Institution, error) {
	q := s.conn(ctx).Model(&institutionRow{})
	if f.Query != "" {
		q = q.Where(`name LIKE ? ESCAPE '\'`, likePattern(f.Query))
	}
	if f.Level != "" {
		q = q.Where("level = ?", f.Level)
	}
	var rows []institutionRow
	if err := q.Order("name").Limit(1000).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]alliance.Institution, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	sortInstitutions(out)
	return out, nil
}

// sortInstitutions orders by level, top first; stable, so the query's name
// order holds within a level.
func sortInstitutions(ins []alliance.Institution) {
	slices.SortStableFunc(ins, func(a, b alliance.Institution) int { return a.Level.Rank() - b.Level.Rank() })
}

// Institutions returns the institutions with the given ids, keyed by id, in
// one query; ids may repeat and "" is ignored. Errors: not_found when one of
// them does not exist.
func (s *Store) Institutions(ctx context.Context, ids []string) (map[string]alliance.Institution, error) {
	want := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && !slices.Contains(want, id) {
			want = append(want, id)
		}
	}
	out, err := s.institutionsByID(ctx, want)
	if err != nil {
		return nil, err
	}
	for _, id := range want {
		if _, ok := out[id]; !ok {
			return nil, apperr.NotFoundf("institution not found")
		}
	}
	return out, nil
}

// institutionsByID loads institutions for a set of ids.
func (s *Store) institutionsByID(ctx context.Context, ids []string) (map[string]alliance.Institution, error) {
	out := map[string]alliance.Institution{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []institutionRow
	if err := s.conn(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	for i := range rows {
		out[rows[i].ID] = rows[i].domain()
	}
	return out, nil
}

// canManageAlliance reports whether the actor administers allianceID: a
// sysadmin administers every alliance, an alliance administrator those their
// own institution belongs to.
func (s *Store) canManageAlliance(ctx context.Context, a auth.Actor, allianceID string) (bool, error) {
	if a.Has(auth.RoleSysadmin) {
		return true, nil
	}
	if !a.Has(auth.RoleAllianceAdmin) {
		return false, nil
	}
	var n int64
	err := s.conn(ctx).Model(&membershipRow{}).
		Where("alliance_id = ? AND institution_id = ?", allianceID, a.InstitutionID).Count(&n).Error
	return n > 0, err
}
