// Package auth holds who may do what: roles, permissions, the actor that a
// request acts as, and password hashing. It is pure domain code and must never
// import an adapter (store, httpapi) or a database driver.
package auth

import (
	"context"
	"slices"
	"strings"

	"github.com/lianxin-hub/lianxin/internal/apperr"
)

// Role is what a user does in the alliance. A user may hold several.
type Role string

const (
	RoleDoctor        Role = "doctor"         // grass-root doctor: registers, refers, asks
	RoleSpecialist    Role = "specialist"     // core-hospital specialist: triages, answers, runs rounds
	RoleConvener      Role = "convener"       // facility convener: owns the facility's schedule
	RoleAllianceAdmin Role = "alliance_admin" // alliance office: members, users, goals; aggregates only
	RoleSysadmin      Role = "sysadmin"       // operates the installation
)

// Roles lists every role in display order.
var Roles = []Role{RoleDoctor, RoleSpecialist, RoleConvener, RoleAllianceAdmin, RoleSysadmin}

// ParseRoles validates a role list; field names the JSON field for errors.
func ParseRoles(field string, in []string) ([]Role, error) {
	if len(in) == 0 {
		return nil, apperr.InvalidField(field, "at least one role is required")
	}
	out := make([]Role, 0, len(in))
	for _, s := range in {
		r := Role(s)
		if !slices.Contains(Roles, r) {
			return nil, apperr.InvalidField(field, "unknown role %q", s)
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// JoinRoles is the stored form of a role list.
func JoinRoles(rs []Role) string {
	ss := make([]string, len(rs))
	for i, r := range rs {
		ss[i] = string(r)
	}
	return strings.Join(ss, ",")
}

// SplitRoles reads the stored form of a role list.
func SplitRoles(s string) []Role {
	var out []Role
	for _, p := range strings.Split(s, ",") {
		if p != "" {
			out = append(out, Role(p))
		}
	}
	return out
}

// Permission names one thing a caller may do. Routes declare the permission
// they need; the grants table below is the only place that says who has it.
type Permission string

const (
	PermSelf           Permission = "self"            // read and edit one's own profile
	PermDirectoryRead  Permission = "directory.read"  // institutions, alliances, members, regions
	PermDirectoryWrite Permission = "directory.write" // create and edit institutions and memberships
	PermUsersManage    Permission = "users.manage"    // create, edit, disable users
	PermAuditRead      Permission = "audit.read"      // page through the audit log
	PermPatientsRead   Permission = "patients.read"   // read patients with a care relationship
	PermPatientsWrite  Permission = "patients.write"  // register patients, record consent
	PermReferrals      Permission = "referrals"       // refer, triage and follow referrals of one's institution
	PermSLAConfigure   Permission = "sla.configure"   // set an alliance's referral service levels
	PermAnalytics      Permission = "analytics"       // alliance dashboards (aggregates only), annual goals and ratings
	PermAnalyticsOwn   Permission = "analytics.own"   // one's own institution's figures and goals (conveners)
)

var clinical = []Permission{PermSelf, PermDirectoryRead, PermPatientsRead, PermPatientsWrite, PermReferrals}

// grants is the whole authorisation policy by role. Administrators see no
// patient identity: they work with aggregates only (domain brief).
var grants = map[Role][]Permission{
	RoleDoctor:        clinical,
	RoleSpecialist:    clinical,
	RoleConvener:      append(clinical[:len(clinical):len(clinical)], PermAnalyticsOwn),
	RoleAllianceAdmin: {PermSelf, PermDirectoryRead, PermDirectoryWrite, PermUsersManage, PermAuditRead, PermSLAConfigure, PermAnalytics},
	RoleSysadmin:      {PermSelf, PermDirectoryRead, PermDirectoryWrite, PermUsersManage, PermAuditRead, PermSLAConfigure, PermAnalytics},
}

// Actor is who a request acts as, with where it came from for the audit log.
type Actor struct {
	UserID        string
	Username      string
	InstitutionID string
	Roles         []Role
	IP            string
	RequestID     string
	Session       string // hash of the session token, "" for system work
}

// Has reports whether the actor holds role r.
func (a Actor) Has(r Role) bool { return slices.Contains(a.Roles, r) }

// Can reports whether any of the actor's roles grants p.
func (a Actor) Can(p Permission) bool {
	for _, r := range a.Roles {
		if slices.Contains(grants[r], p) {
			return true
		}
	}
	return false
}

type actorKey struct{}

// WithActor returns a context that carries a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx; ok is false for system work (seeding,
// background workers), which the audit log records as user "system".
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}
