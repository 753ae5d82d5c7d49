package store_test

import (
	"slices"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

func TestCreateInstitution(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		in, err := s.CreateInstitution(ctx, alliance.Institution{Name: "  巢湖市精神病医院 ", Level: alliance.LevelSecondGrade,
			Kind: "psychiatric_hospital", RegionCode: "340181", SubSpecialties: []string{"mood", "geriatric", "mood"}, Beds: 150})
		if err != nil {
			t.Fatalf("CreateInstitution: %v", err)
		}
		got, err := s.GetInstitution(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "巢湖市精神病医院" || got.Beds != 150 || got.Level != alliance.LevelSecondGrade ||
			!slices.Equal(got.SubSpecialties, []string{"mood", "geriatric"}) || got.CreatedAt.IsZero() {
			t.Fatalf("GetInstitution = %+v", got)
		}
		if n := count(t, s, "audit_log", "action = ? AND target_id = ? AND username = 'system'", string(audit.InstCreated), in.ID); n != 1 {
			t.Fatalf("%d institution.create entries by system, want 1", n)
		}

		_, err = s.CreateInstitution(ctx, alliance.Institution{Name: "巢湖市精神病医院", Level: alliance.LevelCHC, Kind: "chc", RegionCode: "340181"})
		wantCode(t, err, apperr.Conflict, "")
		if _, err := s.CreateInstitution(ctx, alliance.Institution{Name: "巢湖市精神病医院", Level: alliance.LevelCHC, Kind: "chc",
			RegionCode: "340124"}); err != nil {
			t.Fatalf("the same name in another region: %v", err)
		}
		_, err = s.GetInstitution(ctx, "no-such-institution")
		wantCode(t, err, apperr.NotFound, "")
	})
}

func TestCreateInstitutionValidates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		valid := alliance.Institution{Name: "某医院", Level: alliance.LevelTertiary, Kind: "psychiatric_hospital", RegionCode: "340104"}
		with := func(edit func(in *alliance.Institution)) alliance.Institution { c := valid; edit(&c); return c }
		for _, tc := range []struct {
			in    alliance.Institution
			field string
		}{
			{with(func(in *alliance.Institution) { in.Name = "   " }), "name"},
			{with(func(in *alliance.Institution) { in.Level = "quaternary" }), "level"},
			{with(func(in *alliance.Institution) { in.Kind = "spa" }), "kind"},
			{with(func(in *alliance.Institution) { in.RegionCode = "990000" }), "regionCode"},
			{with(func(in *alliance.Institution) { in.RegionCode = "3401" }), "regionCode"},
			{with(func(in *alliance.Institution) { in.Beds = -1 }), "beds"},
			{with(func(in *alliance.Institution) { in.SubSpecialties = []string{"astrology"} }), "subSpecialties"},
		} {
			_, err := s.CreateInstitution(t.Context(), tc.in)
			wantCode(t, err, apperr.Invalid, tc.field)
		}
		if n := count(t, s, "institutions", ""); n != 0 {
			t.Fatalf("%d institutions stored by rejected calls", n)
		}
	})
}

func TestUpdateInstitution(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		ctx := f.as("admin")
		id := f.instID(instFeixi)
		beds := 320
		subs := []string{"general_adult", "addiction"}
		in, err := s.UpdateInstitution(ctx, id, store.InstitutionPatch{Beds: &beds, SubSpecialties: &subs})
		if err != nil {
			t.Fatalf("UpdateInstitution: %v", err)
		}
		if in.Beds != 320 || !slices.Equal(in.SubSpecialties, subs) || in.Name != instFeixi || in.CreatedAt.IsZero() {
			t.Fatalf("UpdateInstitution = %+v", in)
		}
		if got, _ := s.GetInstitution(ctx, id); got.Beds != 320 || !got.CreatedAt.Equal(f.inst[instFeixi].CreatedAt) {
			t.Fatalf("stored after update = %+v (created %v before)", got, f.inst[instFeixi].CreatedAt)
		}
		entry := rawRow(t, s, "SELECT username, detail FROM audit_log WHERE action = ? AND target_id = ?", string(audit.InstUpdated), id)
		if entry["username"] != "admin" || entry["detail"] != "fields: subSpecialties,beds" {
			t.Fatalf("audit entry = %v", entry)
		}

		// Renaming onto another institution of the same region conflicts; the row is unchanged.
		name := instFeixi
		_, err = s.UpdateInstitution(ctx, f.instID("肥西县上派镇社区卫生服务中心"), store.InstitutionPatch{Name: &name})
		wantCode(t, err, apperr.Conflict, "")
		bad := alliance.Level("hospital")
		_, err = s.UpdateInstitution(ctx, id, store.InstitutionPatch{Level: &bad})
		wantCode(t, err, apperr.Invalid, "level")
		_, err = s.UpdateInstitution(ctx, "no-such-institution", store.InstitutionPatch{Beds: &beds})
		wantCode(t, err, apperr.NotFound, "")
		if got, _ := s.GetInstitution(ctx, f.instID("肥西县上派镇社区卫生服务中心")); got.Name != "肥西县上派镇社区卫生服务中心" {
			t.Fatalf("a refused rename changed the name to %q", got.Name)
		}
	})
}

func TestListInstitutions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		ctx := t.Context()
		all, err := s.ListInstitutions(ctx, store.InstitutionFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != len(f.inst) {
			t.Fatalf("%d institutions, want %d", len(all), len(f.inst))
		}
		for i := 1; i < len(all); i++ {
			a, b := all[i-1], all[i]
			if a.Level.Rank() > b.Level.Rank() || (a.Level == b.Level && a.Name > b.Name) {
				t.Errorf("%s (%s) is listed before %s (%s); want by level, then name", a.Name, a.Level, b.Name, b.Level)
			}
		}
		chcs, err := s.ListInstitutions(ctx, store.InstitutionFilter{Level: string(alliance.LevelCHC)})
		if err != nil || len(chcs) != 5 {
			t.Fatalf("CHCs = %d, %v; want the 5 demo CHCs", len(chcs), err)
		}
		found, err := s.ListInstitutions(ctx, store.InstitutionFilter{Query: "肥西"})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, in := range found {
			names = append(names, in.Name)
		}
		if want := []string{"肥西县精神病医院", "肥西县上派镇社区卫生服务中心", "肥西县三河镇卫生院"}; !slices.Equal(names, want) {
			t.Fatalf("query 肥西 = %v, want %v", names, want)
		}
		if none, err := s.ListInstitutions(ctx, store.InstitutionFilter{Query: "%"}); err != nil || len(none) != 0 {
			t.Fatalf("query %% = %d institutions, %v; want none (wildcards are literal)", len(none), err)
		}
	})
}

func TestCreateAlliance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		core := newInstitution(t, s, "核心医院")
		valid := alliance.Alliance{Name: "皖北联盟", Model: "horizontal", InitiatorID: core.ID, RegionCode: "340000", EstablishedOn: "2019-09-09"}
		with := func(edit func(a *alliance.Alliance)) alliance.Alliance { c := valid; edit(&c); return c }
		for _, tc := range []struct {
			a     alliance.Alliance
			field string
		}{
			{with(func(a *alliance.Alliance) { a.Name = " " }), "name"},
			{with(func(a *alliance.Alliance) { a.Model = "star" }), "model"},
			{with(func(a *alliance.Alliance) { a.EstablishedOn = "" }), "establishedOn"},
			{with(func(a *alliance.Alliance) { a.InitiatorID = "no-such-institution" }), "initiatorId"},
		} {
			_, err := s.CreateAlliance(ctx, tc.a)
			wantCode(t, err, apperr.Invalid, tc.field)
		}
		if n := count(t, s, "alliances", ""); n != 0 {
			t.Fatalf("%d alliances stored by rejected calls", n)
		}
		a, err := s.CreateAlliance(ctx, valid)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.GetAlliance(ctx, a.ID)
		if err != nil || got != a {
			t.Fatalf("GetAlliance = %+v, %v; want %+v", got, err, a)
		}
		ms, err := s.ListMembers(ctx, a.ID)
		if err != nil || len(ms) != 1 || ms[0].InstitutionID != core.ID || ms[0].Role != alliance.MemberCore || ms[0].JoinedOn != "2019-09-09" {
			t.Fatalf("a new alliance's members = %+v, %v; want its initiator as core", ms, err)
		}
		_, err = s.ListMembers(ctx, "no-such-alliance")
		wantCode(t, err, apperr.NotFound, "")
	})
}
