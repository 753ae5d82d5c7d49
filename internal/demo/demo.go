// Package demo seeds, once, a realistic demo alliance modelled on the blue
// book's Anhui mental health alliance: a provincial mental health centre as
// initiator, a general hospital's psychiatric department, two county mental
// hospitals, five community health centres and two township health centres
// around Hefei, with one account per kind of user. All demo accounts share
// the password Password. It must never run outside demo mode.
package demo

import (
	"context"
	"fmt"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/store"
)

// Password is every demo account's password.
const Password = "lianxin-demo"

// AllianceName names the demo alliance; its presence marks the seed as done.
const AllianceName = "安徽省精神卫生专科联盟（演示）"

type inst struct {
	key   string
	name  string
	level alliance.Level
	kind  alliance.Kind
	reg   string
	subs  []string
	beds  int
}

var institutions = []inst{
	{"core", "安徽省精神卫生中心（合肥市第四人民医院）", alliance.LevelTertiary, "psychiatric_hospital", "340104",
		[]string{"general_adult", "child_adolescent", "geriatric", "mood", "addiction", "sleep", "psychosomatic", "forensic"}, 1200},
	{"general", "安徽医科大学第一附属医院精神科", alliance.LevelTertiary, "general_hospital_psych_dept", "340104",
		[]string{"psychosomatic", "mood", "sleep"}, 80},
	{"feixi", "肥西县精神病医院", alliance.LevelSecondGrade, "psychiatric_hospital", "340123", []string{"general_adult", "geriatric"}, 300},
	{"feidong", "肥东县精神病医院", alliance.LevelSecondGrade, "psychiatric_hospital", "340122", []string{"general_adult", "addiction"}, 260},
	{"chc-sanlian", "合肥市蜀山区三里庵街道社区卫生服务中心", alliance.LevelCHC, "chc", "340104", nil, 0},
	{"chc-bozhoulu", "合肥市庐阳区亳州路街道社区卫生服务中心", alliance.LevelCHC, "chc", "340103", nil, 0},
	{"chc-mingguang", "合肥市瑶海区明光路街道社区卫生服务中心", alliance.LevelCHC, "chc", "340102", nil, 0},
	{"chc-changqing", "合肥市包河区常青街道社区卫生服务中心", alliance.LevelCHC, "chc", "340111", nil, 0},
	{"chc-shangpai", "肥西县上派镇社区卫生服务中心", alliance.LevelCHC, "chc", "340123", nil, 0},
	{"th-cuozhen", "肥东县撮镇镇卫生院", alliance.LevelTownship, "township_health_centre", "340122", nil, 20},
	{"th-sanhe", "肥西县三河镇卫生院", alliance.LevelTownship, "township_health_centre", "340123", nil, 30},
}

// Account is one demo login, listed in the README.
type Account struct {
	Username      string
	DisplayName   string
	Roles         []auth.Role
	Title         auth.Title
	PracticeYears int
	Institution   string // key into institutions
}

// Accounts are the demo logins.
var Accounts = []Account{
	{"specialist", "陈主任（精神科专家）", []auth.Role{auth.RoleSpecialist}, "chief", 22, "core"},
	{"convener", "李联络员", []auth.Role{auth.RoleConvener}, "attending", 9, "core"},
	{"county-doctor", "王医生（肥西县）", []auth.Role{auth.RoleDoctor}, "attending", 8, "feixi"},
	{"chc-doctor", "张医生（三里庵社区）", []auth.Role{auth.RoleDoctor}, "resident", 4, "chc-sanlian"},
	{"admin", "联盟办公室管理员", []auth.Role{auth.RoleAllianceAdmin}, "other", 0, "core"},
}

// Seed creates the demo alliance unless it already exists, and reports
// whether it did. Everything is written in one transaction.
func Seed(ctx context.Context, s *store.Store) (bool, error) {
	existing, err := s.ListAlliances(ctx)
	if err != nil {
		return false, err
	}
	for _, a := range existing {
		if a.Name == AllianceName {
			return false, nil
		}
	}
	err = s.WithTx(ctx, func(ctx context.Context) error {
		ids := map[string]string{}
		for _, in := range institutions {
			created, err := s.CreateInstitution(ctx, alliance.Institution{Name: in.name, Level: in.level, Kind: in.kind,
				RegionCode: in.reg, SubSpecialties: in.subs, Beds: in.beds})
			if err != nil {
				return fmt.Errorf("demo institution %s: %w", in.key, err)
			}
			ids[in.key] = created.ID
		}
		a, err := s.CreateAlliance(ctx, alliance.Alliance{Name: AllianceName, Model: "vertical", InitiatorID: ids["core"],
			RegionCode: "340000", EstablishedOn: "2015-06-01"})
		if err != nil {
			return err
		}
		users := map[string]string{}
		for _, acc := range Accounts {
			u, _, err := s.CreateUser(ctx, auth.User{Username: acc.Username, DisplayName: acc.DisplayName, Roles: acc.Roles,
				Title: acc.Title, PracticeYears: acc.PracticeYears, InstitutionID: ids[acc.Institution]}, Password)
			if err != nil {
				return fmt.Errorf("demo user %s: %w", acc.Username, err)
			}
			users[acc.Username] = u.ID
		}
		joined := []string{"2015-06-01", "2015-09-15", "2016-03-01", "2016-07-01", "2017-01-10", "2017-01-10", "2017-05-20", "2017-05-20", "2018-02-01", "2018-02-01"}
		for i, in := range institutions[1:] {
			m := alliance.Membership{AllianceID: a.ID, InstitutionID: ids[in.key], Role: alliance.MemberMember, JoinedOn: joined[i]}
			if in.key == "general" {
				m.Role = alliance.MemberCore
			}
			if in.level == alliance.LevelCHC || in.level == alliance.LevelTownship {
				m.SubRegionalExpertUserID = users["specialist"]
			}
			if _, err := s.AddMember(ctx, m); err != nil {
				return fmt.Errorf("demo member %s: %w", in.key, err)
			}
		}
		conv := users["convener"]
		_, err = s.UpdateMember(ctx, a.ID, ids["core"], store.MemberPatch{ConvenerUserID: &conv})
		return err
	})
	return err == nil, err
}
