package auth

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
)

// Title is a clinician's professional title (职称).
type Title string

// Titles lists the professional titles, junior to senior, then "other".
var Titles = []Title{"resident", "attending", "associate_chief", "chief", "other"}

// User is an account of the hub.
type User struct {
	ID            string
	Username      string
	DisplayName   string
	Roles         []Role
	Title         Title
	PracticeYears int // years of independent clinical practice (telemedicine needs ≥ 3)
	Phone         string
	InstitutionID string
	Disabled      bool
	LockedUntil   *time.Time
	CreatedAt     time.Time
}

// Lockout policy: MaxFailedLogins failures in a row lock the account for LockoutPeriod.
const (
	MaxFailedLogins = 5
	LockoutPeriod   = 15 * time.Minute
)

var usernameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,31}$`)

// Validate checks a user's own fields (not the institution's existence).
func (u *User) Validate() error {
	u.Username = strings.TrimSpace(u.Username)
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	u.Phone = strings.TrimSpace(u.Phone)
	switch {
	case !usernameRe.MatchString(u.Username):
		return apperr.InvalidField("username", "username must be 3–32 lower-case letters, digits, '.', '_' or '-'")
	case u.DisplayName == "":
		return apperr.InvalidField("displayName", "displayName is required")
	case len([]rune(u.DisplayName)) > 64:
		return apperr.InvalidField("displayName", "displayName is longer than 64 characters")
	case len(u.Roles) == 0:
		return apperr.InvalidField("roles", "at least one role is required")
	case u.InstitutionID == "":
		return apperr.InvalidField("institutionId", "institutionId is required")
	}
	return u.validateProfile()
}

func (u *User) validateProfile() error {
	switch {
	case !slices.Contains(Titles, u.Title):
		return apperr.InvalidField("title", "unknown title %q", u.Title)
	case u.PracticeYears < 0 || u.PracticeYears > 70:
		return apperr.InvalidField("practiceYears", "practiceYears must be between 0 and 70")
	case len(u.Phone) > 32:
		return apperr.InvalidField("phone", "phone is too long")
	case u.DisplayName == "":
		return apperr.InvalidField("displayName", "displayName is required")
	}
	return nil
}

// ValidateProfile checks the fields a user may edit about themselves.
func (u *User) ValidateProfile() error {
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	u.Phone = strings.TrimSpace(u.Phone)
	return u.validateProfile()
}
