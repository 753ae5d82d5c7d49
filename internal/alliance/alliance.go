// Package alliance is the directory of a mental-health medical alliance:
// institutions, alliances and their memberships, with the rules that keep
// them valid. Pure domain code: it must never import an adapter (store,
// httpapi) or a database driver.
package alliance

import (
	"slices"
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/region"
)

// Level is an institution's grade in China's hospital system.
type Level string

const (
	LevelTertiary    Level = "tertiary"     // 三级
	LevelSecondGrade Level = "second_grade" // 二级 (county / district hospitals)
	LevelCHC         Level = "chc"          // 社区卫生服务中心
	LevelTownship    Level = "township"     // 乡镇卫生院
	LevelVillage     Level = "village"      // 村卫生室
)

// Levels lists the levels from the top of the system down.
var Levels = []Level{LevelTertiary, LevelSecondGrade, LevelCHC, LevelTownship, LevelVillage}

// Rank orders levels: 0 for tertiary, growing towards the grass roots.
func (l Level) Rank() int { return slices.Index(Levels, l) }

// Kind is what sort of facility an institution is.
type Kind string

// Kinds lists the facility kinds of the domain brief, plus the primary-care kinds.
var Kinds = []Kind{
	"psychiatric_hospital", "general_hospital_psych_dept", "chc", "township_health_centre",
	"village_clinic", "rehabilitation_centre", "private_psychiatric_hospital", "university_counselling_centre",
}

// SubSpecialties used for matched referral.
var SubSpecialties = []string{
	"general_adult", "child_adolescent", "geriatric", "mood", "addiction", "sleep", "psychosomatic", "forensic",
}

// Model is how an alliance is organised (blue book, Table 6).
type Model string

// Models lists the four alliance models.
var Models = []Model{"vertical", "horizontal", "remote", "chain"}

// MemberRole is an institution's role in an alliance.
type MemberRole string

const (
	MemberCore   MemberRole = "core"
	MemberMember MemberRole = "member"
)

// Institution is a hospital, department or centre in the directory.
type Institution struct {
	ID             string
	Name           string
	Level          Level
	Kind           Kind
	RegionCode     string
	SubSpecialties []string
	Beds           int
	CreatedAt      time.Time
}

// Alliance joins a core hospital (the initiator) with members.
type Alliance struct {
	ID            string
	Name          string
	Model         Model
	InitiatorID   string
	RegionCode    string
	EstablishedOn string // YYYY-MM-DD
}

// Membership is one institution's place in one alliance.
type Membership struct {
	AllianceID              string
	InstitutionID           string
	Role                    MemberRole
	JoinedOn                string // YYYY-MM-DD
	ConvenerUserID          string // "" when none appointed
	SubRegionalExpertUserID string // "" when none appointed
}

// Validate checks an institution's fields; errors name the JSON field.
func (in *Institution) Validate() error {
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "":
		return apperr.InvalidField("name", "name is required")
	case len([]rune(in.Name)) > 120:
		return apperr.InvalidField("name", "name is longer than 120 characters")
	case !slices.Contains(Levels, in.Level):
		return apperr.InvalidField("level", "unknown level %q", in.Level)
	case !slices.Contains(Kinds, in.Kind):
		return apperr.InvalidField("kind", "unknown kind %q", in.Kind)
	case in.Beds < 0 || in.Beds > 100000:
		return apperr.InvalidField("beds", "beds must be between 0 and 100000")
	}
	if _, ok := region.Lookup(in.RegionCode); !ok {
		return apperr.InvalidField("regionCode", "regionCode must be a GB/T 2260 code of a known province")
	}
	var subs []string
	for _, s := range in.SubSpecialties {
		if !slices.Contains(SubSpecialties, s) {
			return apperr.InvalidField("subSpecialties", "unknown sub-specialty %q", s)
		}
		if !slices.Contains(subs, s) {
			subs = append(subs, s)
		}
	}
	in.SubSpecialties = subs
	return nil
}

// Validate checks a membership's own fields.
func (m *Membership) Validate() error {
	if m.Role != MemberCore && m.Role != MemberMember {
		return apperr.InvalidField("role", "role must be core or member")
	}
	if err := ValidateDate("joinedOn", m.JoinedOn); err != nil {
		return err
	}
	return nil
}

// ChinaTime is China Standard Time (UTC+8, no daylight saving): the calendar
// the hub's dates (consents signed, members joined, follow-ups) are written in.
var ChinaTime = time.FixedZone("CST", 8*3600)

// Today is the date in China at now, as YYYY-MM-DD. From 00:00 to 08:00 in
// China it is a day ahead of the UTC date.
func Today(now time.Time) string { return now.In(ChinaTime).Format(time.DateOnly) }

// ValidateDate checks a YYYY-MM-DD date.
func ValidateDate(field, s string) error {
	if s == "" {
		return apperr.InvalidField(field, "%s is required (YYYY-MM-DD)", field)
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return apperr.InvalidField(field, "%s must be a date YYYY-MM-DD", field)
	}
	return nil
}
