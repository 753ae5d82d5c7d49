package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/demo"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

// fixture is the demo alliance seeded into a store, with its accounts by
// username and its institutions by name.
type fixture struct {
	t        *testing.T
	s        *store.Store
	alliance alliance.Alliance
	users    map[string]auth.User
	inst     map[string]alliance.Institution
}

// Demo institution names the tests refer to (see internal/demo).
const (
	instCore    = "安徽省精神卫生中心（合肥市第四人民医院）"
	instFeixi   = "肥西县精神病医院"
	instSanlian = "合肥市蜀山区三里庵街道社区卫生服务中心"
	instCuozhen = "肥东县撮镇镇卫生院"
	instGeneral = "安徽医科大学第一附属医院精神科"
)

// demoAccounts is how many users the demo seed creates.
var demoAccounts = len(demo.Accounts)

// seedDemo seeds the demo alliance (system work, no actor) and loads it.
func seedDemo(t *testing.T, s *store.Store) *fixture {
	t.Helper()
	ctx := t.Context()
	seeded, err := demo.Seed(ctx, s)
	if err != nil || !seeded {
		t.Fatalf("demo.Seed = %v, %v; want true, nil", seeded, err)
	}
	f := &fixture{t: t, s: s, users: map[string]auth.User{}, inst: map[string]alliance.Institution{}}
	as, err := s.ListAlliances(ctx)
	if err != nil || len(as) != 1 {
		t.Fatalf("ListAlliances = %d alliances, %v; want the demo alliance", len(as), err)
	}
	f.alliance = as[0]
	users, err := s.ListUsers(ctx, store.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		f.users[u.Username] = u
	}
	if len(f.users) != demoAccounts {
		t.Fatalf("demo seeded %d users, want %d", len(f.users), demoAccounts)
	}
	ins, err := s.ListInstitutions(ctx, store.InstitutionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range ins {
		f.inst[in.Name] = in
	}
	return f
}

// user returns a demo account by username.
func (f *fixture) user(username string) auth.User {
	f.t.Helper()
	u, ok := f.users[username]
	if !ok {
		f.t.Fatalf("no demo user %q", username)
	}
	return u
}

// instID returns a demo institution's id by name.
func (f *fixture) instID(name string) string {
	f.t.Helper()
	in, ok := f.inst[name]
	if !ok {
		f.t.Fatalf("no demo institution %q", name)
	}
	return in.ID
}

// as returns a context acting as the demo user.
func (f *fixture) as(username string) context.Context {
	f.t.Helper()
	return asUser(f.t, f.user(username))
}

// asUser returns a context acting as u, with a recognisable IP and request id.
func asUser(t *testing.T, u auth.User) context.Context {
	return auth.WithActor(t.Context(), auth.Actor{UserID: u.ID, Username: u.Username, InstitutionID: u.InstitutionID,
		Roles: u.Roles, IP: "192.0.2.7", RequestID: "req-" + u.Username})
}

// newInstitution adds an institution outside any alliance.
func newInstitution(t *testing.T, s *store.Store, name string) alliance.Institution {
	t.Helper()
	in, err := s.CreateInstitution(t.Context(), alliance.Institution{Name: name, Level: alliance.LevelCHC, Kind: "chc",
		RegionCode: "340102"})
	if err != nil {
		t.Fatalf("CreateInstitution(%s): %v", name, err)
	}
	return in
}

// newUser adds an account with a known password at an institution (system work).
func newUser(t *testing.T, s *store.Store, username, institutionID string, roles ...auth.Role) auth.User {
	t.Helper()
	u, _, err := s.CreateUser(t.Context(), auth.User{Username: username, DisplayName: username, Roles: roles,
		Title: "attending", PracticeYears: 5, InstitutionID: institutionID}, testPassword)
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", username, err)
	}
	return u
}

// testPassword is the password newUser gives.
const testPassword = "a long enough password"

// nationalID returns a valid 18-character resident identity number whose
// 17 digits are a region code, a birth date and a serial.
func nationalID(region, birth, serial string) string {
	first := region + strings.ReplaceAll(birth, "-", "") + serial
	return first + string(patient.NationalIDCheckChar(first))
}

// newPatient registers a patient as the actor in ctx.
func newPatient(t *testing.T, s *store.Store, ctx context.Context, name, id string) patient.Patient {
	t.Helper()
	p, err := s.CreatePatient(ctx, patient.Patient{Name: name, Sex: "female", BirthDate: "1980-01-01", NationalID: id,
		DiagnosisCode: "F20.0"})
	if err != nil {
		t.Fatalf("CreatePatient(%s): %v", name, err)
	}
	return p
}

// wantCode fails unless err is an *apperr.Error with code (and, when field
// is not "", naming field).
func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("error = %v; want an apperr %s", err, code)
	}
	if e.Code != code || (field != "" && e.Field != field) {
		t.Fatalf("error = %v; want code %s field %q", err, code, field)
	}
}

// rebind turns ? placeholders into PostgreSQL's $n on that dialect.
func rebind(s *store.Store, q string) string {
	if s.Dialect() != store.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// execSQL runs raw SQL against the store's pool, as an operator (or an
// attacker with database access) would.
func execSQL(t *testing.T, s *store.Store, q string, args ...any) sql.Result {
	t.Helper()
	res, err := s.SQL().ExecContext(t.Context(), rebind(s, q), args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return res
}

// count returns SELECT COUNT(*) FROM table WHERE where.
func count(t *testing.T, s *store.Store, table, where string, args ...any) int {
	t.Helper()
	q := "SELECT COUNT(*) FROM " + table
	if where != "" {
		q += " WHERE " + where
	}
	var n int
	if err := s.SQL().QueryRowContext(t.Context(), rebind(s, q), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// rawRows returns every column of every row a query finds, as text.
func rawRows(t *testing.T, s *store.Store, q string, args ...any) []map[string]string {
	t.Helper()
	rows, err := s.SQL().QueryContext(t.Context(), rebind(s, q), args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for i, c := range cols {
			switch v := vals[i].(type) {
			case nil:
				m[c] = ""
			case []byte:
				m[c] = string(v)
			default:
				m[c] = fmt.Sprint(v)
			}
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// rawRow returns the single row a query finds.
func rawRow(t *testing.T, s *store.Store, q string, args ...any) map[string]string {
	t.Helper()
	rows := rawRows(t, s, q, args...)
	if len(rows) != 1 {
		t.Fatalf("%s: %d rows, want 1", q, len(rows))
	}
	return rows[0]
}

// auditCount counts audit entries of an action, optionally about one patient.
func auditCount(t *testing.T, s *store.Store, action, patientID string) int {
	t.Helper()
	if patientID == "" {
		return count(t, s, "audit_log", "action = ?", action)
	}
	return count(t, s, "audit_log", "action = ? AND patient_id = ?", action, patientID)
}

// sealAll seals until SealAudit finds nothing more to seal, fails unless
// the whole log is then sealed, and returns how many entries it sealed.
func sealAll(t *testing.T, s *store.Store) int {
	t.Helper()
	total := 0
	for {
		n, err := s.SealAudit(t.Context(), 1000)
		if err != nil {
			t.Fatalf("SealAudit: %v", err)
		}
		total += n
		if n == 0 {
			break
		}
	}
	if left := count(t, s, "audit_log", "seq IS NULL"); left != 0 {
		t.Fatalf("SealAudit stopped with %d entries unsealed", left)
	}
	return total
}

// clock is a manual clock for store.Options.Now; tests move it instead of sleeping.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, time.March, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// openClocked opens a fresh, migrated store of dialect whose clock is c.
func openClocked(t *testing.T, dialect string, c *clock) *store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), store.Options{DatabaseURL: storetest.URL(t, dialect), DataDir: t.TempDir(),
		Keys: storetest.Keys(t), Now: c.Now})
	if err != nil {
		t.Fatalf("open %s: %v", dialect, err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// openFresh opens a store of dialect on a new, empty database without migrating.
func openFresh(t *testing.T, dialect string) (*store.Store, string) {
	t.Helper()
	url := storetest.URL(t, dialect)
	s, err := store.Open(t.Context(), store.Options{DatabaseURL: url, DataDir: t.TempDir(), Keys: storetest.Keys(t)})
	if err != nil {
		t.Fatalf("open %s: %v", dialect, err)
	}
	t.Cleanup(func() { s.Close() })
	return s, url
}

// breakAuditGuard removes the append-only trigger, as an attacker with
// owner rights on the database could, so tests can tamper with the log.
func breakAuditGuard(t *testing.T, s *store.Store) {
	t.Helper()
	if s.Dialect() == store.Postgres {
		execSQL(t, s, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
		return
	}
	execSQL(t, s, "DROP TRIGGER audit_log_seal_only")
	execSQL(t, s, "DROP TRIGGER audit_log_no_delete")
}
