package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

func TestPatientReadsAndWritesAreAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		ctx := f.as("chc-doctor")
		doctor := f.user("chc-doctor")
		p := newPatient(t, s, ctx, "郑华", nationalID("340104", "1985-06-06", "066"))

		entry := rawRow(t, s, "SELECT * FROM audit_log WHERE action = ?", string(audit.PatientCreated))
		want := map[string]string{"patient_id": p.ID, "target_type": "patient", "target_id": p.ID, "user_id": doctor.ID,
			"username": "chc-doctor", "institution_id": doctor.InstitutionID, "ip": "192.0.2.7", "request_id": "req-chc-doctor"}
		for col, v := range want {
			if entry[col] != v {
				t.Errorf("patient.create %s = %q, want %q", col, entry[col], v)
			}
		}
		if entry["seq"] != "" || entry["hash"] != "" {
			t.Errorf("a new entry is already sealed: seq %q hash %q", entry["seq"], entry["hash"])
		}

		for i := 1; i <= 2; i++ {
			if _, err := s.GetPatient(ctx, p.ID); err != nil {
				t.Fatal(err)
			}
			if n := auditCount(t, s, string(audit.PatientRead), p.ID); n != i {
				t.Fatalf("after %d reads, %d patient.read entries", i, n)
			}
		}
		if _, err := s.ListConsents(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if n := auditCount(t, s, string(audit.ConsentsRead), p.ID); n != 1 {
			t.Fatalf("%d consent.list entries, want 1", n)
		}
		// Work without an actor is recorded as the system.
		if err := s.Record(t.Context(), store.Audit{Action: audit.InstUpdated, TargetType: "institution", TargetID: "x"}); err != nil {
			t.Fatal(err)
		}
		if row := rawRow(t, s, "SELECT username, user_id FROM audit_log WHERE target_id = 'x'"); row["username"] != "system" || row["user_id"] != "" {
			t.Fatalf("a system entry = %v", row)
		}
	})
}

// The audit entry is written in the action's transaction: when it cannot be
// written, the action does not happen either, and a read returns nothing.
func TestAFailedAuditWriteUndoesTheAction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		ctx := f.as("chc-doctor")
		existing := newPatient(t, s, ctx, "郑华", nationalID("340104", "1985-06-06", "066"))
		refuseAudit(t, s, audit.PatientCreated, audit.PatientRead, audit.PatientSearched)

		_, err := s.CreatePatient(ctx, patient.Patient{Name: "钱明", Sex: "male", BirthDate: "1970-07-07",
			NationalID: nationalID("340104", "1970-07-07", "077")})
		if err == nil || !strings.Contains(err.Error(), "audit unavailable") {
			t.Fatalf("CreatePatient with a failing audit write = %v; want the audit error", err)
		}
		if n := count(t, s, "patients", ""); n != 1 {
			t.Fatalf("%d patients: the patient was written without its audit entry", n)
		}
		if n := count(t, s, "care_relations", ""); n != 1 {
			t.Fatalf("%d care relations: half of the registration was kept", n)
		}
		got, err := s.GetPatient(ctx, existing.ID)
		if err == nil || got.ID != "" || got.Name != "" {
			t.Fatalf("GetPatient with a failing audit write = %+v, %v; want no data and an error", got, err)
		}
		found, err := s.SearchPatients(ctx, "郑华")
		if err == nil || len(found) != 0 {
			t.Fatalf("SearchPatients with a failing audit write = %v, %v; want no data and an error", found, err)
		}
		if n := auditCount(t, s, string(audit.PatientRead), ""); n != 0 {
			t.Fatalf("%d patient.read entries", n)
		}
	})
}

// refuseAudit makes the database reject audit entries of the given actions.
func refuseAudit(t *testing.T, s *store.Store, actions ...audit.Action) {
	t.Helper()
	var quoted []string
	for _, a := range actions {
		quoted = append(quoted, "'"+string(a)+"'")
	}
	in := strings.Join(quoted, ", ")
	if s.Dialect() == store.Postgres {
		execSQL(t, s, `CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.action IN (`+in+`) THEN RAISE EXCEPTION 'audit unavailable'; END IF;
    RETURN NEW;
END;
$$`)
		execSQL(t, s, "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()")
		return
	}
	execSQL(t, s, `CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log WHEN NEW.action IN (`+in+`)
BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END`)
}

// A failed write leaves no audit entry, and an abandoned transaction takes
// both its rows and their audit entries with it.
func TestAFailedWriteLeavesNoAuditEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		ctx := f.as("chc-doctor")
		before := count(t, s, "audit_log", "")
		abandon := errors.New("abandoned")
		err := s.WithTx(ctx, func(ctx context.Context) error {
			p, err := s.CreatePatient(ctx, patient.Patient{Name: "钱明", Sex: "male", BirthDate: "1970-07-07",
				NationalID: nationalID("340104", "1970-07-07", "077")})
			if err != nil {
				return err
			}
			if _, err := s.AddConsent(ctx, patient.Consent{PatientID: p.ID, Scope: patient.ScopeReferral, SignedBy: "patient",
				SignerName: "钱明", SignedOn: "2024-01-01"}); err != nil {
				return err
			}
			if _, err := s.GetPatient(ctx, p.ID); err != nil {
				return err
			}
			return abandon
		})
		if !errors.Is(err, abandon) {
			t.Fatalf("WithTx = %v, want the abandoning error", err)
		}
		for _, table := range []string{"patients", "care_relations", "consents"} {
			if n := count(t, s, table, ""); n != 0 {
				t.Errorf("%s has %d rows after a rolled-back transaction", table, n)
			}
		}
		if n := count(t, s, "audit_log", ""); n != before {
			t.Fatalf("audit_log grew from %d to %d in a rolled-back transaction", before, n)
		}

		// A write the database refuses (a duplicate national ID) is not audited as done.
		id := nationalID("340104", "1985-06-06", "066")
		newPatient(t, s, ctx, "郑华", id)
		_, err = s.CreatePatient(ctx, patient.Patient{Name: "郑华", Sex: "male", BirthDate: "1985-06-06", NationalID: id})
		wantCode(t, err, apperr.Conflict, "nationalId")
		if n := auditCount(t, s, string(audit.PatientCreated), ""); n != 1 {
			t.Fatalf("%d patient.create entries for one registration", n)
		}
	})
}

// chainRow is one sealed audit row as stored.
type chainRow struct {
	id, prev, hash string
	seq            int64
}

func chain(t *testing.T, s *store.Store) []chainRow {
	t.Helper()
	var out []chainRow
	for _, r := range rawRows(t, s, "SELECT id, seq, prev_hash, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq") {
		seq, err := strconv.ParseInt(r["seq"], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, chainRow{id: r["id"], prev: r["prev_hash"], hash: r["hash"], seq: seq})
	}
	return out
}

func TestSealAuditChainsEntries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		unsealed := count(t, s, "audit_log", "seq IS NULL")
		if unsealed < 10 {
			t.Fatalf("only %d entries after the demo seed", unsealed)
		}
		ids := rawRows(t, s, "SELECT id FROM audit_log ORDER BY id")
		if n := sealAll(t, s); n != unsealed {
			t.Fatalf("sealed %d entries, want %d", n, unsealed)
		}
		rows := chain(t, s)
		if len(rows) != unsealed {
			t.Fatalf("%d sealed rows, want %d", len(rows), unsealed)
		}
		prev := audit.Genesis
		for i, r := range rows {
			if r.seq != int64(i+1) {
				t.Fatalf("row %d has seq %d; want 1, 2, 3, … without gaps", i, r.seq)
			}
			if r.prev != prev {
				t.Fatalf("seq %d prev_hash = %q, want the hash before it %q", r.seq, r.prev, prev)
			}
			if len(r.hash) != 64 || r.hash == r.prev {
				t.Fatalf("seq %d hash = %q", r.seq, r.hash)
			}
			if r.id != ids[i]["id"] {
				t.Fatalf("seq %d is entry %s, want %s: one batch is sealed in id order", r.seq, r.id, ids[i]["id"])
			}
			prev = r.hash
		}

		// New entries continue the chain from its head, a small batch at a time.
		for range 5 {
			if _, err := s.SearchPatients(f.as("chc-doctor"), "张"); err != nil {
				t.Fatal(err)
			}
			if err := s.Record(t.Context(), store.Audit{Action: audit.InstUpdated, TargetType: "institution"}); err != nil {
				t.Fatal(err)
			}
		}
		for count(t, s, "audit_log", "seq IS NULL") > 0 {
			n, err := s.SealAudit(t.Context(), 2)
			if err != nil || n > 2 {
				t.Fatalf("SealAudit(2) = %d, %v", n, err)
			}
		}
		more := chain(t, s)
		if len(more) != unsealed+10 || more[unsealed].seq != int64(unsealed+1) || more[unsealed].prev != rows[unsealed-1].hash {
			t.Fatalf("the chain was not continued: %d rows, next %+v, head before %+v", len(more), more[unsealed], rows[unsealed-1])
		}
		res, err := s.VerifyAudit(t.Context())
		if err != nil || len(res.Problems) != 0 || res.Checked != int64(unsealed+10) || res.Unsealed != 0 {
			t.Fatalf("VerifyAudit = %+v, %v", res, err)
		}
	})
}

// The database itself refuses to edit or delete audit entries; only the
// sealer's one-time filling of seq, prev_hash and hash is allowed.
func TestAuditLogIsAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		seedDemo(t, s)
		sealAll(t, s)
		// A sealed and an unsealed entry.
		first := rawRow(t, s, "SELECT id FROM audit_log WHERE seq = 1")["id"]
		if err := s.Record(t.Context(), store.Audit{Action: audit.InstUpdated, TargetType: "institution", TargetID: "unsealed"}); err != nil {
			t.Fatal(err)
		}
		total := count(t, s, "audit_log", "")
		for _, q := range []string{
			"UPDATE audit_log SET detail = 'forged' WHERE id = '" + first + "'",
			"UPDATE audit_log SET seq = 999 WHERE id = '" + first + "'",
			"UPDATE audit_log SET hash = 'x' WHERE id = '" + first + "'",
			"DELETE FROM audit_log WHERE id = '" + first + "'",
			"UPDATE audit_log SET detail = 'forged' WHERE target_id = 'unsealed'",
			"DELETE FROM audit_log WHERE target_id = 'unsealed'",
		} {
			_, err := s.SQL().ExecContext(t.Context(), q)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v; want the append-only guard to refuse", q, err)
			}
		}
		if n := sealAll(t, s); n != 1 {
			t.Fatalf("sealing the last entry sealed %d", n)
		}
		res, err := s.VerifyAudit(t.Context())
		if err != nil || len(res.Problems) != 0 || res.Checked != int64(total) {
			t.Fatalf("VerifyAudit after refused tampering = %+v, %v", res, err)
		}
	})
}

func TestVerifyAuditDetectsTampering(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, s *store.Store)
		want   []string // "seq: reason fragment"
	}{
		{"edited row", func(t *testing.T, s *store.Store) {
			execSQL(t, s, "UPDATE audit_log SET detail = 'roles sysadmin' WHERE seq = 3")
		}, []string{"3: entry edited"}},
		{"edited row with a hash recomputed without the key", func(t *testing.T, s *store.Store) {
			sum := sha256.Sum256([]byte("forged"))
			execSQL(t, s, "UPDATE audit_log SET username = 'nobody', hash = ? WHERE seq = 3", hex.EncodeToString(sum[:]))
		}, []string{"3: entry edited", "4: previous hash"}},
		{"deleted row", func(t *testing.T, s *store.Store) {
			execSQL(t, s, "DELETE FROM audit_log WHERE seq = 5")
		}, []string{"6: sequence gap", "6: previous hash"}},
		{"rows swapped", func(t *testing.T, s *store.Store) {
			execSQL(t, s, "UPDATE audit_log SET seq = -1 WHERE seq = 2")
			execSQL(t, s, "UPDATE audit_log SET seq = 2 WHERE seq = 3")
			execSQL(t, s, "UPDATE audit_log SET seq = 3 WHERE seq = -1")
		}, []string{"2: previous hash", "2: entry edited", "3: previous hash", "3: entry edited", "4: previous hash"}},
		{"time changed", func(t *testing.T, s *store.Store) {
			execSQL(t, s, "UPDATE audit_log SET at = ? WHERE seq = 7", "2001-01-01 00:00:00")
		}, []string{"7: entry edited"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				seedDemo(t, s)
				sealAll(t, s)
				res, err := s.VerifyAudit(t.Context())
				if err != nil || len(res.Problems) != 0 || res.Checked < 10 {
					t.Fatalf("VerifyAudit before tampering = %+v, %v", res, err)
				}
				breakAuditGuard(t, s)
				tc.tamper(t, s)
				res, err = s.VerifyAudit(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, p := range res.Problems {
					got = append(got, fmt.Sprintf("%d: %s", p.Seq, p.Reason))
				}
				if len(got) != len(tc.want) {
					t.Fatalf("problems %q, want %q", got, tc.want)
				}
				for i, w := range tc.want {
					seq, reason, _ := strings.Cut(w, ": ")
					if !strings.HasPrefix(got[i], seq+": ") || !strings.Contains(got[i], reason) {
						t.Errorf("problem %d = %q, want %q", i, got[i], w)
					}
				}
			})
		})
	}
}

func TestVerifyAuditCountsUnsealedEntries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		seedDemo(t, s)
		sealed := sealAll(t, s)
		for range 3 {
			if err := s.Record(t.Context(), store.Audit{Action: audit.InstUpdated, TargetType: "institution"}); err != nil {
				t.Fatal(err)
			}
		}
		res, err := s.VerifyAudit(t.Context())
		if err != nil || res.Checked != int64(sealed) || res.Unsealed != 3 || len(res.Problems) != 0 {
			t.Fatalf("VerifyAudit = %+v, %v; want %d checked and 3 unsealed", res, err, sealed)
		}
	})
}

// Writers and sealers running at once still give one gapless, valid chain,
// and a second sealer never seals an entry twice.
func TestConcurrentWritersAndSealers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		before := count(t, s, "audit_log", "")
		const writers, each = 4, 15
		var writing, sealing sync.WaitGroup
		done := make(chan struct{})
		errs := make(chan error, writers+2)
		for w := range writers {
			writing.Add(1)
			go func() {
				defer writing.Done()
				ctx := auth.WithActor(context.WithoutCancel(t.Context()), auth.Actor{UserID: f.user("admin").ID, Username: "admin",
					RequestID: fmt.Sprintf("writer-%d", w)})
				for range each {
					if err := s.Record(ctx, store.Audit{Action: audit.AuditRead, TargetType: "audit_log"}); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		for range 2 {
			sealing.Add(1)
			go func() {
				defer sealing.Done()
				for {
					if _, err := s.SealAudit(context.WithoutCancel(t.Context()), 7); err != nil {
						errs <- err
						return
					}
					select {
					case <-done:
						return
					default:
					}
				}
			}()
		}
		writing.Wait()
		close(done)
		sealing.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		sealAll(t, s)
		total := before + writers*each
		res, err := s.VerifyAudit(t.Context())
		if err != nil || len(res.Problems) != 0 || res.Checked != int64(total) || res.Unsealed != 0 {
			t.Fatalf("VerifyAudit = %+v, %v; want %d entries intact", res, err, total)
		}
	})
}

// On PostgreSQL a sealer that finds another sealing returns 0 at once
// instead of waiting, and leaves the entries for the next pass.
func TestSealerSkipsWhileAnotherSeals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		if s.Dialect() != store.Postgres {
			t.Skip("SQLite's single connection serialises sealers; the lock is PostgreSQL's")
		}
		seedDemo(t, s)
		tx, err := s.SQL().BeginTx(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		const sealLockKey = 0x6c78617564697400 // and its mixing with the schema: internal/store/audit.go
		if _, err := tx.ExecContext(t.Context(), "SELECT pg_advisory_xact_lock($1::bigint # hashtext(current_schema())::bigint)", sealLockKey); err != nil {
			t.Fatal(err)
		}
		unsealed := count(t, s, "audit_log", "seq IS NULL")
		if n, err := s.SealAudit(t.Context(), 1000); n != 0 || err != nil {
			t.Fatalf("SealAudit while another holds the lock = %d, %v; want 0, nil", n, err)
		}
		if n := count(t, s, "audit_log", "seq IS NULL"); n != unsealed {
			t.Fatalf("%d unsealed entries, want %d left for later", n, unsealed)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if n := sealAll(t, s); n != unsealed {
			t.Fatalf("after the lock was released sealed %d, want %d", n, unsealed)
		}
	})
}

func TestListAuditPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seedDemo(t, s)
		doctor := f.as("chc-doctor")
		p := newPatient(t, s, doctor, "郑华", nationalID("340104", "1985-06-06", "066"))
		for range 3 {
			if _, err := s.GetPatient(doctor, p.ID); err != nil {
				t.Fatal(err)
			}
		}
		var want []string
		for _, r := range rawRows(t, s, "SELECT id FROM audit_log ORDER BY id DESC") {
			want = append(want, r["id"])
		}
		admin := f.as("admin")
		var got []string
		cursor, pages := "", 0
		for {
			page, next, err := s.ListAudit(admin, store.AuditFilter{Limit: 7, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if len(page) > 7 || (next != "" && len(page) != 7) {
				t.Fatalf("page %d has %d entries and next %q", pages, len(page), next)
			}
			for _, e := range page {
				got = append(got, e.ID)
			}
			if next == "" {
				break
			}
			if next != page[len(page)-1].ID {
				t.Fatalf("next cursor %q is not the page's last entry %q", next, page[len(page)-1].ID)
			}
			cursor = next
		}
		if !slices.Equal(got, want) {
			t.Fatalf("paging gave %d entries, want the %d in the log, newest first, each once", len(got), len(want))
		}
		if wantPages := (len(want) + 6) / 7; pages != wantPages {
			t.Fatalf("%d pages, want %d", pages, wantPages)
		}
		if n := auditCount(t, s, string(audit.AuditRead), ""); n != pages {
			t.Fatalf("%d audit.read entries, want one per page (%d)", n, pages)
		}

		reads, next, err := s.ListAudit(admin, store.AuditFilter{PatientID: p.ID, Action: string(audit.PatientRead)})
		if err != nil || next != "" || len(reads) != 3 {
			t.Fatalf("reads of the patient = %d entries, next %q, %v; want 3", len(reads), next, err)
		}
		for _, e := range reads {
			if e.UserID != f.user("chc-doctor").ID || e.PatientID != p.ID || e.Action != audit.PatientRead {
				t.Fatalf("filtered entry = %+v", e)
			}
		}
		mine, _, err := s.ListAudit(admin, store.AuditFilter{UserID: f.user("chc-doctor").ID, Limit: 200})
		if err != nil || len(mine) != 4 {
			t.Fatalf("chc-doctor's entries = %d, %v; want the registration and three reads", len(mine), err)
		}
		for _, limit := range []int{-1, 201} {
			_, _, err := s.ListAudit(admin, store.AuditFilter{Limit: limit})
			wantCode(t, err, apperr.Invalid, "limit")
		}
	})
}
