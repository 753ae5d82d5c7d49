package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/auth"
)

type userRow struct {
	ID            string `gorm:"primaryKey"`
	Username      string
	DisplayName   string
	PasswordHash  string
	Roles         string
	Title         string
	PracticeYears int
	Phone         string
	InstitutionID string
	Disabled      bool
	FailedLogins  int
	LockedUntil   *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (userRow) TableName() string { return "users" }

func (r *userRow) domain() auth.User {
	u := auth.User{ID: r.ID, Username: r.Username, DisplayName: r.DisplayName, Roles: auth.SplitRoles(r.Roles),
		Title: auth.Title(r.Title), PracticeYears: r.PracticeYears, Phone: r.Phone, InstitutionID: r.InstitutionID,
		Disabled: r.Disabled, CreatedAt: r.CreatedAt.UTC()}
	if r.LockedUntil != nil {
		t := r.LockedUntil.UTC()
		u.LockedUntil = &t
	}
	return u
}

// CreateUser adds an account. When password is empty a random one is
// generated and returned, to be shown once. Errors: invalid, forbidden (the
// institution is outside the administrator's alliances), conflict (username taken).
func (s *Store) CreateUser(ctx context.Context, u auth.User, password string) (auth.User, string, error) {
	if err := u.Validate(); err != nil {
		return u, "", err
	}
	generated := ""
	if password == "" {
		password = auth.GeneratePassword()
		generated = password
	} else if err := auth.ValidateNewPassword("password", password); err != nil {
		return u, "", err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return u, "", err
	}
	u.ID = newID()
	row := userRow{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, PasswordHash: hash,
		Roles: auth.JoinRoles(u.Roles), Title: string(u.Title), PracticeYears: u.PracticeYears, Phone: u.Phone,
		InstitutionID: u.InstitutionID}
	err = s.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.GetInstitution(ctx, u.InstitutionID); err != nil {
			return apperr.InvalidField("institutionId", "no such institution")
		}
		if err := s.requireUserAdmin(ctx, u.InstitutionID); err != nil {
			return err
		}
		if err := s.conn(ctx).Create(&row).Error; err != nil {
			if isUnique(err) {
				return &apperr.Error{Code: apperr.Conflict, Field: "username", Message: "this username is taken"}
			}
			return err
		}
		return s.record(ctx, Audit{Action: audit.UserCreated, TargetType: "user", TargetID: u.ID,
			Detail: "roles " + row.Roles})
	})
	if err != nil {
		return auth.User{}, "", err
	}
	return row.domain(), generated, nil
}

// requireUserAdmin checks that the actor administers an alliance the
// institution belongs to (sysadmins administer all). Without an actor
// (seeding, the CLI) it allows.
func (s *Store) requireUserAdmin(ctx context.Context, institutionID string) error {
	a, err := actor(ctx)
	if err != nil || a.Has(auth.RoleSysadmin) {
		return nil
	}
	if a.Has(auth.RoleAllianceAdmin) {
		var n int64
		err := s.conn(ctx).Model(&membershipRow{}).
			Where("institution_id = ? AND alliance_id IN (?)", institutionID,
				s.conn(ctx).Model(&membershipRow{}).Select("alliance_id").Where("institution_id = ?", a.InstitutionID)).
			Count(&n).Error
		if err != nil {
			return err
		}
		if n > 0 || institutionID == a.InstitutionID {
			return nil
		}
	}
	return apperr.Forbiddenf("you may manage users only of your alliance's member institutions")
}

// GetUser returns one account. Errors: not_found.
func (s *Store) GetUser(ctx context.Context, id string) (auth.User, error) {
	var row userRow
	if err := s.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return auth.User{}, notFound(err, "user")
	}
	return row.domain(), nil
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	Query         string
	InstitutionID string
}

// ListUsers returns the accounts the actor administers: all for a sysadmin,
// those of the administrator's alliances' members for an alliance administrator.
func (s *Store) ListUsers(ctx context.Context, f UserFilter) ([]auth.User, error) {
	q := s.conn(ctx).Model(&userRow{})
	if a, err := actor(ctx); err == nil && !a.Has(auth.RoleSysadmin) {
		q = q.Where("institution_id IN (?)", s.conn(ctx).Model(&membershipRow{}).Select("institution_id").
			Where("alliance_id IN (?)", s.conn(ctx).Model(&membershipRow{}).Select("alliance_id").Where("institution_id = ?", a.InstitutionID)))
	}
	if f.Query != "" {
		p := likePattern(strings.ToLower(f.Query))
		q = q.Where(`(LOWER(username) LIKE ? ESCAPE '\' OR LOWER(display_name) LIKE ? ESCAPE '\')`, p, p)
	}
	if f.InstitutionID != "" {
		q = q.Where("institution_id = ?", f.InstitutionID)
	}
	var rows []userRow
	if err := q.Order("username").Limit(1000).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]auth.User, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// UserPatch holds administrator edits; nil leaves a field.
type UserPatch struct {
	DisplayName   *string
	Roles         *[]auth.Role
	Title         *auth.Title
	PracticeYears *int
	Phone         *string
	Disabled      *bool
}

// UpdateUser edits an account; disabling it also revokes its sessions.
// Errors: not_found, forbidden, invalid.
func (s *Store) UpdateUser(ctx context.Context, id string, p UserPatch) (auth.User, error) {
	var out auth.User
	err := s.WithTx(ctx, func(ctx context.Context) error {
		u, err := s.GetUser(ctx, id)
		if err != nil {
			return err
		}
		if err := s.requireUserAdmin(ctx, u.InstitutionID); err != nil {
			return err
		}
		var changed []string
		if p.DisplayName != nil {
			u.DisplayName, changed = *p.DisplayName, append(changed, "displayName")
		}
		if p.Roles != nil {
			u.Roles, changed = *p.Roles, append(changed, "roles")
		}
		if p.Title != nil {
			u.Title, changed = *p.Title, append(changed, "title")
		}
		if p.PracticeYears != nil {
			u.PracticeYears, changed = *p.PracticeYears, append(changed, "practiceYears")
		}
		if p.Phone != nil {
			u.Phone, changed = *p.Phone, append(changed, "phone")
		}
		if p.Disabled != nil {
			u.Disabled, changed = *p.Disabled, append(changed, "disabled")
		}
		if err := u.Validate(); err != nil {
			return err
		}
		err = s.conn(ctx).Model(&userRow{}).Where("id = ?", id).Updates(map[string]any{
			"display_name": u.DisplayName, "roles": auth.JoinRoles(u.Roles), "title": string(u.Title),
			"practice_years": u.PracticeYears, "phone": u.Phone, "disabled": u.Disabled, "updated_at": s.now(),
		}).Error
		if err != nil {
			return err
		}
		if u.Disabled {
			if err := s.revokeUserSessions(ctx, id, ""); err != nil {
				return err
			}
		}
		out = u
		return s.record(ctx, Audit{Action: audit.UserUpdated, TargetType: "user", TargetID: id,
			Detail: fmt.Sprintf("fields: %s; roles %s", strings.Join(changed, ","), auth.JoinRoles(u.Roles))})
	})
	return out, err
}

// ResetPassword gives an account a new generated password, unlocks it and
// revokes its sessions. Errors: not_found, forbidden.
func (s *Store) ResetPassword(ctx context.Context, id string) (string, error) {
	pw := auth.GeneratePassword()
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return "", err
	}
	err = s.WithTx(ctx, func(ctx context.Context) error {
		u, err := s.GetUser(ctx, id)
		if err != nil {
			return err
		}
		if err := s.requireUserAdmin(ctx, u.InstitutionID); err != nil {
			return err
		}
		if err := s.setPassword(ctx, id, hash, ""); err != nil {
			return err
		}
		return s.record(ctx, Audit{Action: audit.PasswordReset, TargetType: "user", TargetID: id})
	})
	return pw, err
}

// setPassword stores a new hash, clears the lockout and revokes every
// session of the user except keep (the caller's own, when changing their own).
func (s *Store) setPassword(ctx context.Context, id, hash, keep string) error {
	err := s.conn(ctx).Model(&userRow{}).Where("id = ?", id).Updates(map[string]any{
		"password_hash": hash, "failed_logins": 0, "locked_until": nil, "updated_at": s.now()}).Error
	if err != nil {
		return err
	}
	return s.revokeUserSessions(ctx, id, keep)
}

// ProfilePatch is what users may change about themselves.
type ProfilePatch struct {
	DisplayName *string
	Phone       *string
	Title       *auth.Title
}

// UpdateProfile edits the actor's own account. Errors: invalid.
func (s *Store) UpdateProfile(ctx context.Context, p ProfilePatch) (auth.User, error) {
	a, err := actor(ctx)
	if err != nil {
		return auth.User{}, err
	}
	var out auth.User
	err = s.WithTx(ctx, func(ctx context.Context) error {
		u, err := s.GetUser(ctx, a.UserID)
		if err != nil {
			return err
		}
		if p.DisplayName != nil {
			u.DisplayName = *p.DisplayName
		}
		if p.Phone != nil {
			u.Phone = *p.Phone
		}
		if p.Title != nil {
			u.Title = *p.Title
		}
		if err := u.ValidateProfile(); err != nil {
			return err
		}
		if err := s.conn(ctx).Model(&userRow{}).Where("id = ?", u.ID).Updates(map[string]any{
			"display_name": u.DisplayName, "phone": u.Phone, "title": string(u.Title), "updated_at": s.now()}).Error; err != nil {
			return err
		}
		out = u
		return s.record(ctx, Audit{Action: audit.ProfileUpdated, TargetType: "user", TargetID: u.ID})
	})
	return out, err
}

// ChangePassword replaces the actor's password after checking the current
// one; the user's other sessions are revoked. Errors: invalid (field currentPassword or newPassword).
func (s *Store) ChangePassword(ctx context.Context, current, next string) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := auth.ValidateNewPassword("newPassword", next); err != nil {
		return err
	}
	var row userRow
	if err := s.conn(ctx).Where("id = ?", a.UserID).Take(&row).Error; err != nil {
		return notFound(err, "user")
	}
	if ok, err := auth.CheckPassword(row.PasswordHash, current); err != nil || !ok {
		return apperr.InvalidField("currentPassword", "the current password is wrong")
	}
	hash, err := auth.HashPassword(next)
	if err != nil {
		return err
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.setPassword(ctx, a.UserID, hash, a.Session); err != nil {
			return err
		}
		return s.record(ctx, Audit{Action: audit.PasswordChanged, TargetType: "user", TargetID: a.UserID})
	})
}
