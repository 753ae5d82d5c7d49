package store_test

import (
	"testing"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/demo"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

func TestDemoSeedBuildsTheAlliance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		ms, err := s.ListMembers(t.Context(), f.alliance.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != len(f.inst) {
			t.Fatalf("%d members, want all %d demo institutions", len(ms), len(f.inst))
		}
		byInst := map[string]alliance.Membership{}
		for _, m := range ms {
			byInst[m.InstitutionID] = m
		}
		if f.alliance.InitiatorID != f.instID(instCore) || byInst[f.instID(instCore)].Role != alliance.MemberCore {
			t.Errorf("the initiator is %s with role %s; want the provincial centre as core", f.alliance.InitiatorID, byInst[f.instID(instCore)].Role)
		}
		if ms[0].Role != alliance.MemberCore || ms[1].Role != alliance.MemberCore || ms[2].Role != alliance.MemberMember {
			t.Errorf("ListMembers does not put the two core members first: %+v", ms[:3])
		}
		if got := byInst[f.instID(instCore)].ConvenerUserID; got != f.user("convener").ID {
			t.Errorf("core convener = %q, want the convener account", got)
		}
		if got := byInst[f.instID(instCuozhen)].SubRegionalExpertUserID; got != f.user("specialist").ID {
			t.Errorf("township sub-regional expert = %q, want the specialist", got)
		}
		again, err := demo.Seed(t.Context(), s)
		if err != nil || again {
			t.Fatalf("a second demo.Seed = %v, %v; want false (already seeded)", again, err)
		}
		if n := count(t, s, "institutions", ""); n != len(f.inst) {
			t.Fatalf("a second seed left %d institutions, want %d", n, len(f.inst))
		}
	})
}

func TestAddMember(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		in := newInstitution(t, s, "合肥市瑶海区新社区卫生服务中心")
		m := alliance.Membership{AllianceID: f.alliance.ID, InstitutionID: in.ID, Role: alliance.MemberMember, JoinedOn: "2024-01-15",
			SubRegionalExpertUserID: f.user("specialist").ID}
		if _, err := s.AddMember(f.as("admin"), m); err != nil {
			t.Fatalf("AddMember: %v", err)
		}
		ms, err := s.ListMembers(t.Context(), f.alliance.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got *alliance.Membership
		for i := range ms {
			if ms[i].InstitutionID == in.ID {
				got = &ms[i]
			}
		}
		if got == nil || got.Role != alliance.MemberMember || got.JoinedOn != "2024-01-15" || got.SubRegionalExpertUserID != f.user("specialist").ID {
			t.Fatalf("the new member is listed as %+v", got)
		}
		if as, err := s.AlliancesOf(t.Context(), in.ID); err != nil || len(as) != 1 || as[0].ID != f.alliance.ID {
			t.Fatalf("AlliancesOf the new member = %v, %v", as, err)
		}
		if n := count(t, s, "audit_log", "action = ? AND detail = ? AND username = ?", string(audit.MemberAdded), "institution "+in.ID, "admin"); n != 1 {
			t.Fatalf("%d membership.create entries by admin for the new member, want 1", n)
		}

		_, err = s.AddMember(f.as("admin"), m)
		wantCode(t, err, apperr.Conflict, "")
		if n := count(t, s, "memberships", "institution_id = ?", in.ID); n != 1 {
			t.Fatalf("%d memberships after a duplicate add, want 1", n)
		}
	})
}

func TestAddMemberRejects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		in := newInstitution(t, s, "合肥市瑶海区新社区卫生服务中心")
		// A second alliance whose office administers only it.
		otherCore := newInstitution(t, s, "外省精神卫生中心")
		other, err := s.CreateAlliance(t.Context(), alliance.Alliance{Name: "另一联盟", Model: "remote", InitiatorID: otherCore.ID,
			RegionCode: "340000", EstablishedOn: "2020-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		otherAdmin := asUser(t, newUser(t, s, "other-admin", otherCore.ID, auth.RoleAllianceAdmin))
		sysadmin := asUser(t, newUser(t, s, "root", otherCore.ID, auth.RoleSysadmin))

		m := alliance.Membership{AllianceID: f.alliance.ID, InstitutionID: in.ID, Role: alliance.MemberMember, JoinedOn: "2024-01-15"}
		with := func(edit func(m *alliance.Membership)) alliance.Membership { c := m; edit(&c); return c }
		for _, tc := range []struct {
			name  string
			ctx   string
			m     alliance.Membership
			code  string
			field string
		}{
			{"specialist", "specialist", m, apperr.Forbidden, ""},
			{"doctor", "chc-doctor", m, apperr.Forbidden, ""},
			{"the demo admin on another alliance", "admin", with(func(m *alliance.Membership) { m.AllianceID = other.ID }), apperr.Forbidden, ""},
			{"unknown alliance", "admin", with(func(m *alliance.Membership) { m.AllianceID = "no-such-alliance" }), apperr.NotFound, ""},
			{"unknown institution", "admin", with(func(m *alliance.Membership) { m.InstitutionID = "no-such-institution" }), apperr.Invalid, "institutionId"},
			{"bad role", "admin", with(func(m *alliance.Membership) { m.Role = "observer" }), apperr.Invalid, "role"},
			{"bad date", "admin", with(func(m *alliance.Membership) { m.JoinedOn = "2024-13-01" }), apperr.Invalid, "joinedOn"},
			{"convener from elsewhere", "admin", with(func(m *alliance.Membership) { m.ConvenerUserID = f.user("convener").ID }), apperr.Invalid, "convenerUserId"},
			{"expert who is no specialist", "admin", with(func(m *alliance.Membership) { m.SubRegionalExpertUserID = f.user("county-doctor").ID }), apperr.Invalid, "subRegionalExpertUserId"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.AddMember(f.as(tc.ctx), tc.m)
				wantCode(t, err, tc.code, tc.field)
			})
		}
		_, err = s.AddMember(otherAdmin, m)
		wantCode(t, err, apperr.Forbidden, "")
		if n := count(t, s, "memberships", "institution_id = ?", in.ID); n != 0 {
			t.Fatalf("rejected adds left %d memberships", n)
		}
		// A sysadmin administers every alliance.
		if _, err := s.AddMember(sysadmin, m); err != nil {
			t.Fatalf("sysadmin AddMember: %v", err)
		}
	})
}

func TestRemoveMember(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		admin := f.as("admin")
		err := s.RemoveMember(admin, f.alliance.ID, f.alliance.InitiatorID)
		wantCode(t, err, apperr.Conflict, "")
		wantCode(t, s.RemoveMember(f.as("specialist"), f.alliance.ID, f.instID(instCuozhen)), apperr.Forbidden, "")
		outside := newInstitution(t, s, "联盟外社区卫生服务中心")
		wantCode(t, s.RemoveMember(admin, f.alliance.ID, outside.ID), apperr.NotFound, "")
		wantCode(t, s.RemoveMember(admin, "no-such-alliance", f.instID(instCuozhen)), apperr.NotFound, "")
		if n := count(t, s, "memberships", "alliance_id = ?", f.alliance.ID); n != len(f.inst) {
			t.Fatalf("refused removals changed the members: %d, want %d", n, len(f.inst))
		}

		if err := s.RemoveMember(admin, f.alliance.ID, f.instID(instCuozhen)); err != nil {
			t.Fatalf("RemoveMember: %v", err)
		}
		if n := count(t, s, "memberships", "alliance_id = ? AND institution_id = ?", f.alliance.ID, f.instID(instCuozhen)); n != 0 {
			t.Fatal("the removed member is still a member")
		}
		if n := auditCount(t, s, string(audit.MemberRemoved), ""); n != 1 {
			t.Fatalf("%d membership.delete entries, want 1", n)
		}
	})
}

func TestUpdateMember(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		admin := f.as("admin")
		feixi := f.instID(instFeixi)
		conv := f.user("county-doctor").ID
		m, err := s.UpdateMember(admin, f.alliance.ID, feixi, store.MemberPatch{ConvenerUserID: &conv})
		if err != nil || m.ConvenerUserID != conv {
			t.Fatalf("UpdateMember convener = %+v, %v", m, err)
		}
		wrong := f.user("chc-doctor").ID
		_, err = s.UpdateMember(admin, f.alliance.ID, feixi, store.MemberPatch{ConvenerUserID: &wrong})
		wantCode(t, err, apperr.Invalid, "convenerUserId")
		_, err = s.UpdateMember(f.as("convener"), f.alliance.ID, feixi, store.MemberPatch{ConvenerUserID: &conv})
		wantCode(t, err, apperr.Forbidden, "")
		_, err = s.UpdateMember(admin, f.alliance.ID, "no-such-institution", store.MemberPatch{ConvenerUserID: &conv})
		wantCode(t, err, apperr.NotFound, "")

		none := ""
		core := alliance.MemberCore
		m, err = s.UpdateMember(admin, f.alliance.ID, feixi, store.MemberPatch{ConvenerUserID: &none, Role: &core})
		if err != nil || m.ConvenerUserID != "" || m.Role != core {
			t.Fatalf("clearing the convener and promoting = %+v, %v", m, err)
		}
		row := rawRow(t, s, "SELECT role, convener_user_id FROM memberships WHERE alliance_id = ? AND institution_id = ?", f.alliance.ID, feixi)
		if row["role"] != "core" || row["convener_user_id"] != "" {
			t.Fatalf("stored membership = %v", row)
		}
	})
}
