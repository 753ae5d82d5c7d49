package store_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

func TestPatientNationalIDIsStoredEncrypted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		id := nationalID("340104", "1980-01-01", "123")
		p := newPatient(t, s, f.as("chc-doctor"), "刘芳", id)
		if p.NationalID != "" {
			t.Errorf("CreatePatient echoed the clear national ID")
		}
		if want := id[:6] + "********" + id[14:]; p.MaskedNationalID != want {
			t.Errorf("MaskedNationalID = %q, want %q", p.MaskedNationalID, want)
		}
		if p.HomeInstitutionID != f.instID(instSanlian) {
			t.Errorf("home institution = %s, want the registering doctor's", p.HomeInstitutionID)
		}

		row := rawRow(t, s, "SELECT * FROM patients WHERE id = ?", p.ID)
		for col, v := range row {
			// Neither the ID nor its 17 digits nor its birth-date-and-serial middle appear anywhere.
			if strings.Contains(v, id) || strings.Contains(v, id[:17]) || strings.Contains(v, id[6:14]) {
				t.Errorf("column %s = %q reveals the national ID", col, v)
			}
		}
		keys := storetest.Keys(t)
		if clear, err := keys.Open(row["national_id_enc"]); err != nil || clear != id {
			t.Errorf("national_id_enc does not decrypt to the ID: %q, %v", clear, err)
		}
		if row["national_id_hash"] != keys.Lookup(id) {
			t.Errorf("national_id_hash is not the keyed hash of the ID")
		}
		other := newPatient(t, s, f.as("chc-doctor"), "刘芳之妹", nationalID("340104", "1982-02-02", "124"))
		otherRow := rawRow(t, s, "SELECT national_id_enc FROM patients WHERE id = ?", other.ID)
		if otherRow["national_id_enc"] == row["national_id_enc"] {
			t.Error("two patients share a ciphertext")
		}

		got, err := s.GetPatient(f.as("chc-doctor"), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.NationalID != "" || got.MaskedNationalID != p.MaskedNationalID || got.Name != "刘芳" || got.DiagnosisCode != "F20.0" {
			t.Fatalf("GetPatient = %+v", got)
		}
	})
}

func TestSearchPatients(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		ctx := f.as("chc-doctor")
		id := nationalIDEndingInX(t, "340104", "1975-05-20")
		liu := newPatient(t, s, ctx, "刘芳", id)
		newPatient(t, s, ctx, "陈刚", nationalID("340104", "1969-11-11", "017"))
		newPatient(t, s, ctx, "刘_伟%", nationalID("340104", "1990-03-03", "055"))

		for _, tc := range []struct {
			q    string
			want []string
		}{
			{id, []string{"刘芳"}},
			{strings.ToLower(id), []string{"刘芳"}}, // the check character typed in lower case
			{" " + id + " ", []string{"刘芳"}},
			{id[:10], nil}, // a prefix of an ID finds nothing: IDs are matched only whole
			{id[:17] + "0", nil},
			{"刘", []string{"刘_伟%", "刘芳"}},
			{"_", []string{"刘_伟%"}}, // LIKE wildcards are matched literally
			{"%", []string{"刘_伟%"}},
			{"", []string{"刘_伟%", "陈刚", "刘芳"}}, // newest first
		} {
			got, err := s.SearchPatients(ctx, tc.q)
			if err != nil {
				t.Fatalf("SearchPatients(%q): %v", tc.q, err)
			}
			var names []string
			for _, p := range got {
				names = append(names, p.Name)
				if p.NationalID != "" || !strings.Contains(p.MaskedNationalID, "****") {
					t.Errorf("search result %s is not masked: %+v", p.Name, p)
				}
			}
			if strings.Join(names, ",") != strings.Join(tc.want, ",") {
				t.Errorf("SearchPatients(%q) = %v, want %v", tc.q, names, tc.want)
			}
		}
		// The query is patient data: the audit trail keeps counts, never the text.
		rows := rawRows(t, s, "SELECT detail FROM audit_log WHERE action = ?", string(audit.PatientSearched))
		if len(rows) != 9 {
			t.Fatalf("%d patient.search audit entries, want 9", len(rows))
		}
		for _, r := range rows {
			if strings.Contains(r["detail"], "刘") || strings.Contains(r["detail"], id[:10]) {
				t.Errorf("audit detail %q holds the search text", r["detail"])
			}
		}
		if got, _ := s.SearchPatients(ctx, id); len(got) != 1 || got[0].ID != liu.ID {
			t.Fatalf("search by ID found %v, want %s", got, liu.ID)
		}
	})
}

func TestDuplicateNationalIDConflicts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		id := nationalIDEndingInX(t, "340123", "1988-08-08")
		newPatient(t, s, f.as("chc-doctor"), "孙强", id)
		// Another institution, and the ID typed in lower case with spaces: still the same person.
		_, err := s.CreatePatient(f.as("county-doctor"), patient.Patient{Name: "孙强", Sex: "male", BirthDate: "1988-08-08",
			NationalID: " " + strings.ToLower(id) + " "})
		wantCode(t, err, apperr.Conflict, "nationalId")
		if n := count(t, s, "patients", ""); n != 1 {
			t.Fatalf("%d patients after a duplicate, want 1", n)
		}
		if n := count(t, s, "care_relations", ""); n != 1 {
			t.Fatalf("%d care relations after a duplicate, want 1", n)
		}
		if n := auditCount(t, s, string(audit.PatientCreated), ""); n != 1 {
			t.Fatalf("%d patient.create audit entries after a duplicate, want 1", n)
		}
	})
}

func TestCreatePatientValidates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		good := nationalID("340104", "1980-01-01", "123")
		bad := good[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", good[17])+1)%11])
		for _, tc := range []struct {
			name  string
			p     patient.Patient
			field string
		}{
			{"wrong check character", patient.Patient{Name: "甲", Sex: "male", BirthDate: "1980-01-01", NationalID: bad}, "nationalId"},
			{"short ID", patient.Patient{Name: "甲", Sex: "male", BirthDate: "1980-01-01", NationalID: good[:15]}, "nationalId"},
			{"no name", patient.Patient{Sex: "male", BirthDate: "1980-01-01", NationalID: good}, "name"},
			{"bad sex", patient.Patient{Name: "甲", Sex: "m", BirthDate: "1980-01-01", NationalID: good}, "sex"},
			{"future birth", patient.Patient{Name: "甲", Sex: "male", BirthDate: "2999-01-01", NationalID: good}, "birthDate"},
			{"bad diagnosis", patient.Patient{Name: "甲", Sex: "male", BirthDate: "1980-01-01", NationalID: good, DiagnosisCode: "schizo"}, "diagnosisCode"},
		} {
			_, err := s.CreatePatient(f.as("chc-doctor"), tc.p)
			if apperr.Code(err) != apperr.Invalid {
				t.Errorf("%s: %v, want invalid", tc.name, err)
				continue
			}
			wantCode(t, err, apperr.Invalid, tc.field)
		}
		if _, err := s.CreatePatient(t.Context(), patient.Patient{Name: "甲", Sex: "male", BirthDate: "1980-01-01", NationalID: good}); err == nil {
			t.Error("CreatePatient without an actor succeeded")
		}
		if n := count(t, s, "patients", ""); n != 0 {
			t.Fatalf("%d patients after rejected creations", n)
		}
	})
}

// A patient is visible only to institutions with a care relationship; to
// everyone else it looks exactly like a patient that does not exist.
func TestPatientsAreVisibleOnlyWithACareRelation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		home, other := f.as("chc-doctor"), f.as("county-doctor")
		id := nationalID("340104", "1979-09-09", "321")
		p := newPatient(t, s, home, "周敏", id)

		_, hidden := s.GetPatient(other, p.ID)
		wantCode(t, hidden, apperr.NotFound, "")
		_, absent := s.GetPatient(other, "0190c2d0-0000-7000-8000-000000000000")
		if hidden.Error() != absent.Error() {
			t.Errorf("an invisible patient (%v) and an absent one (%v) can be told apart", hidden, absent)
		}
		for _, q := range []string{"", "周敏", id} {
			if got, err := s.SearchPatients(other, q); err != nil || len(got) != 0 {
				t.Errorf("county-doctor SearchPatients(%q) = %v, %v; want nothing", q, got, err)
			}
		}
		_, err := s.ListConsents(other, p.ID)
		wantCode(t, err, apperr.NotFound, "")
		if n := count(t, s, "audit_log", "action = ? AND patient_id = ?", string(audit.PatientRead), p.ID); n != 0 {
			t.Errorf("a refused read left %d patient.read entries", n)
		}

		if err := s.AddCareRelation(t.Context(), p.ID, f.instID(instFeixi), store.CareReferral, "referral-1"); err != nil {
			t.Fatal(err)
		}
		if err := s.AddCareRelation(t.Context(), p.ID, f.instID(instFeixi), store.CareReferral, "referral-1"); err != nil {
			t.Fatalf("AddCareRelation is not idempotent: %v", err)
		}
		if n := count(t, s, "care_relations", "patient_id = ?", p.ID); n != 2 {
			t.Fatalf("%d care relations, want home + referral", n)
		}
		got, err := s.GetPatient(other, p.ID)
		if err != nil || got.ID != p.ID {
			t.Fatalf("after the care relation GetPatient = %+v, %v", got, err)
		}
		if found, err := s.SearchPatients(other, id); err != nil || len(found) != 1 {
			t.Fatalf("after the care relation SearchPatients by ID = %v, %v", found, err)
		}
		// A third institution, the core hospital, still sees nothing.
		if _, err := s.GetPatient(f.as("specialist"), p.ID); apperr.Code(err) != apperr.NotFound {
			t.Errorf("the core hospital without a relation: %v", err)
		}
	})
}

// nationalIDEndingInX returns a valid ID whose check character is the letter X.
func nationalIDEndingInX(t *testing.T, region, birth string) string {
	t.Helper()
	for serial := 100; serial < 1000; serial++ {
		if id := nationalID(region, birth, strconv.Itoa(serial)); id[17] == 'X' {
			return id
		}
	}
	t.Fatal("no serial gives check character X")
	return ""
}
