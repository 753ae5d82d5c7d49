package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/demo"
	"github.com/lianxin-hub/lianxin/internal/secret"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

// testKey is the master key the commands under test are given.
var testKey = strings.Repeat("5a", 32)

// lianxin runs the command in process, as the binary would with args.
func lianxin(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(t.Context(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// dbFlags points a command at a database: SQLite in dir when url is "".
// Every setting is passed explicitly so the caller's environment cannot leak in.
func dbFlags(dir, url string) []string {
	return []string{"--data-dir", dir, "--database-url", url, "--secret-key", testKey}
}

// openDB opens the database a command used, with the same key.
func openDB(t *testing.T, dir, url string) *store.Store {
	t.Helper()
	master, err := hex.DecodeString(testKey)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secret.Derive(master)
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(t.Context(), store.Options{DatabaseURL: url, DataDir: dir, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// eachDatabase runs fn on SQLite, and on PostgreSQL when
// LIANXIN_TEST_DATABASE_URL is set (a fresh schema; unreachable fails).
func eachDatabase(t *testing.T, fn func(t *testing.T, dir, url string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, t.TempDir(), "") })
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv(storetest.EnvDatabaseURL) == "" {
			t.Skip(storetest.EnvDatabaseURL + " is not set")
		}
		fn(t, t.TempDir(), storetest.URL(t, store.Postgres))
	})
}

func dialectOf(url string) string {
	if url == "" {
		return store.SQLite
	}
	return store.Postgres
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version"} {
		out, _, err := lianxin(t, "", arg)
		if err != nil || out != "lianxin dev\n" {
			t.Errorf("lianxin %s = %q, %v; want \"lianxin dev\"", arg, out, err)
		}
	}
}

func TestUsage(t *testing.T) {
	_, stderr, err := lianxin(t, "")
	if err == nil || !strings.Contains(stderr, "Usage:") {
		t.Errorf("no command = %v with stderr %q; want an error and the usage", err, stderr)
	}
	_, stderr, err = lianxin(t, "", "frobnicate")
	if err == nil || !strings.Contains(err.Error(), `"frobnicate"`) || !strings.Contains(stderr, "Usage:") {
		t.Errorf("unknown command = %v; want an error naming it", err)
	}
	out, _, err := lianxin(t, "", "help")
	if err != nil || !strings.Contains(out, "lianxin audit verify") {
		t.Errorf("help = %q, %v", out, err)
	}
	if _, _, err := lianxin(t, "", "audit", "check"); err == nil {
		t.Error("audit check (not verify) succeeded")
	}
}

func TestHelpOnEachSubcommand(t *testing.T) {
	dataDir := t.TempDir()
	t.Setenv("LIANXIN_DATA_DIR", dataDir)
	common := []string{"-data-dir", "-database-url", "-secret-key", "LIANXIN_DATA_DIR"}
	for _, tc := range []struct {
		args []string
		want []string
		not  []string
	}{
		{[]string{"serve", "--help"}, []string{"-addr", "-demo", "-redis-url", "-audit-seal-interval", "-trust-proxy", "LIANXIN_DEMO"}, nil},
		{[]string{"migrate", "-h"}, nil, []string{"-demo", "-admin"}},
		{[]string{"seed", "--help"}, []string{"-admin", "-institution", "-region", "-name", "-alliance", "-model"}, []string{"-demo"}},
		{[]string{"audit", "verify", "--help"}, nil, []string{"-demo", "-admin"}},
	} {
		t.Run(tc.args[0], func(t *testing.T) {
			_, stderr, err := lianxin(t, "", tc.args...)
			if !errors.Is(err, flag.ErrHelp) {
				t.Fatalf("lianxin %s = %v; want flag.ErrHelp", strings.Join(tc.args, " "), err)
			}
			for _, w := range append(common, tc.want...) {
				if !strings.Contains(stderr, w) {
					t.Errorf("help does not mention %s:\n%s", w, stderr)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(stderr, "  "+n) {
					t.Errorf("help mentions %s, which is not this command's:\n%s", n, stderr)
				}
			}
		})
	}
	for _, args := range [][]string{{"version", "--help"}, {"audit", "--help"}} {
		out, _, err := lianxin(t, "", args...)
		if !errors.Is(err, flag.ErrHelp) || !strings.HasPrefix(out, "usage: lianxin "+args[0]) {
			t.Errorf("lianxin %s = %q, %v; want its usage and flag.ErrHelp", strings.Join(args, " "), out, err)
		}
	}
	// Asking for help opens no database.
	if entries, _ := os.ReadDir(dataDir); len(entries) != 0 {
		t.Fatalf("--help wrote %d files into the data dir", len(entries))
	}
}

func TestMigrateCommand(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dir, url string) {
		out, _, err := lianxin(t, "", append([]string{"migrate"}, dbFlags(dir, url)...)...)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := store.Migrations(dialectOf(url))
		if err != nil {
			t.Fatal(err)
		}
		var want strings.Builder
		for _, m := range ms {
			want.WriteString("applied " + m.Name + "\n")
		}
		if out != want.String() {
			t.Fatalf("first migrate printed %q, want %q", out, want.String())
		}
		out, _, err = lianxin(t, "", append([]string{"migrate"}, dbFlags(dir, url)...)...)
		if err != nil || out != "the database is up to date\n" {
			t.Fatalf("second migrate = %q, %v", out, err)
		}
	})
}

func TestSeedCreatesAnAdministratorWhoCanLogIn(t *testing.T) {
	dir := t.TempDir()
	args := append([]string{"seed", "--admin", "root", "--institution", "安徽省精神卫生中心", "--region", "340104"}, dbFlags(dir, "")...)
	out, _, err := lianxin(t, "a strong root password\n", args...)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	want := "founded alliance \"安徽省精神卫生中心精神专科医联体\" with 安徽省精神卫生中心 as initiator\ncreated administrator \"root\"\n"
	if out != want {
		t.Fatalf("seed printed %q, want %q (a chosen password is never echoed)", out, want)
	}
	s := openDB(t, dir, "")
	l, err := s.Login(t.Context(), "root", "a strong root password")
	if err != nil {
		t.Fatalf("the seeded administrator cannot log in: %v", err)
	}
	if !hasRoles(l.User.Roles, auth.RoleSysadmin, auth.RoleAllianceAdmin) {
		t.Fatalf("administrator roles = %v", l.User.Roles)
	}
	in, err := s.GetInstitution(t.Context(), l.User.InstitutionID)
	if err != nil || in.Name != "安徽省精神卫生中心" || in.RegionCode != "340104" {
		t.Fatalf("administrator's institution = %+v, %v", in, err)
	}
	// On a fresh installation the administrator's institution founds an alliance to manage.
	as, err := s.ListAlliances(t.Context())
	if err != nil || len(as) != 1 || as[0].InitiatorID != in.ID || as[0].Model != "vertical" {
		t.Fatalf("alliances after the first seed = %+v, %v; want one founded by the institution", as, err)
	}

	// A second administrator joins the existing institution; the same username again conflicts.
	out, _, err = lianxin(t, "", append([]string{"seed", "--admin", "root2", "--institution", "安徽省精神卫生中心"}, dbFlags(dir, "")...)...)
	if err != nil {
		t.Fatalf("seed without a password: %v", err)
	}
	m := regexp.MustCompile(`^created administrator "root2"\ninitial password \(shown once\): (\S+)\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("seed without a password printed %q; want the generated one and no second alliance", out)
	}
	l2, err := s.Login(t.Context(), "root2", m[1])
	if err != nil || l2.User.InstitutionID != l.User.InstitutionID {
		t.Fatalf("login with the generated password = %+v, %v; want the same institution", l2.User, err)
	}
	_, _, err = lianxin(t, "another strong password\n", args...)
	if apperr.Code(err) != apperr.Conflict {
		t.Fatalf("seeding root twice = %v; want conflict", err)
	}
}

// hasRoles reports whether rs holds every one of want.
func hasRoles(rs []auth.Role, want ...auth.Role) bool {
	for _, w := range want {
		if !(auth.Actor{Roles: rs}).Has(w) {
			return false
		}
	}
	return true
}

func TestSeedRejects(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := lianxin(t, "", append([]string{"seed", "--admin", "root"}, dbFlags(dir, "")...)...); err == nil {
		t.Error("seed without --institution succeeded")
	}
	_, _, err := lianxin(t, "short\n", append([]string{"seed", "--admin", "root", "--institution", "某医院", "--region", "340104"}, dbFlags(dir, "")...)...)
	if apperr.Code(err) != apperr.Invalid {
		t.Errorf("seed with a short password = %v; want invalid", err)
	}
	_, _, err = lianxin(t, "a strong root password\n", append([]string{"seed", "--admin", "root", "--institution", "某医院", "--region", "999999"}, dbFlags(dir, "")...)...)
	if apperr.Code(err) != apperr.Invalid {
		t.Errorf("seed with an unknown region = %v; want invalid", err)
	}
	_, _, err = lianxin(t, "a strong root password\n", append([]string{"seed", "--admin", "root", "--institution", "某医院", "--region", "340104", "--model", "star"}, dbFlags(dir, "")...)...)
	if apperr.Code(err) != apperr.Invalid {
		t.Errorf("seed with an unknown alliance model = %v; want invalid", err)
	}
	s := openDB(t, dir, "")
	if us, err := s.ListUsers(t.Context(), store.UserFilter{}); err != nil || len(us) != 0 {
		t.Fatalf("rejected seeds left users %v, %v", us, err)
	}
	if ins, err := s.ListInstitutions(t.Context(), store.InstitutionFilter{}); err != nil || len(ins) != 0 {
		t.Fatalf("rejected seeds left institutions %v, %v", ins, err)
	}
	if as, err := s.ListAlliances(t.Context()); err != nil || len(as) != 0 {
		t.Fatalf("rejected seeds left alliances %v, %v", as, err)
	}
}

// Without LIANXIN_SECRET_KEY the key is generated once into LIANXIN_DATA_DIR
// (mode 0600) and reused by every later command.
func TestSeedKeepsItsKeyInTheDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	t.Setenv("LIANXIN_DATA_DIR", dir)
	t.Setenv("LIANXIN_DATABASE_URL", "")
	t.Setenv("LIANXIN_SECRET_KEY", "")
	if _, _, err := lianxin(t, "a strong root password\n", "seed", "--admin", "root", "--institution", "某医院", "--region", "340104"); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret.key: %v, mode %v; want 0600", err, st.Mode().Perm())
	}
	out, _, err := lianxin(t, "", "audit", "verify")
	if err != nil || !strings.Contains(out, "audit chain intact") {
		t.Fatalf("audit verify with the kept key = %q, %v", out, err)
	}
	master, created, err := secret.LoadOrCreateKeyFile(dir)
	if err != nil || created {
		t.Fatal(err)
	}
	keys, _ := secret.Derive(master)
	s, err := store.Open(t.Context(), store.Options{DataDir: dir, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Login(t.Context(), "root", "a strong root password"); err != nil {
		t.Fatalf("login: %v", err)
	}
}

// seedDemoDatabase builds a demo database with some activity, as a running
// hub would leave it, and returns how many audit entries it holds.
func seedDemoDatabase(t *testing.T, dir, url string) int {
	t.Helper()
	s := openDB(t, dir, url)
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{demo.Password, "wrong password"} {
		s.Login(t.Context(), "specialist", pw)
	}
	sealAll(t, s)
	var n int
	if err := s.SQL().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM audit_log").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// tamper runs SQL against the audit log as an attacker with owner rights
// would: first removing the append-only trigger.
func tamper(t *testing.T, dir, url string, stmt string) {
	t.Helper()
	s := openDB(t, dir, url)
	guard := []string{"DROP TRIGGER audit_log_seal_only", "DROP TRIGGER audit_log_no_delete"}
	if url != "" {
		guard = []string{"ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"}
	}
	for _, q := range append(guard, stmt) {
		if _, err := s.SQL().ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// Done-when of the foundation issue: `lianxin audit verify` detects an edited audit row.
func TestAuditVerifyDetectsAnEditedRow(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dir, url string) {
		entries := seedDemoDatabase(t, dir, url)
		verify := append([]string{"audit", "verify"}, dbFlags(dir, url)...)
		out, _, err := lianxin(t, "", verify...)
		if err != nil {
			t.Fatalf("audit verify on an untouched log: %v\n%s", err, out)
		}
		if want := "checked " + strconv.Itoa(entries) + " sealed entries; 0 not yet sealed\naudit chain intact\n"; out != want {
			t.Fatalf("audit verify printed %q, want %q", out, want)
		}

		tamper(t, dir, url, "UPDATE audit_log SET detail = 'roles doctor' WHERE seq = 4")
		out, _, err = lianxin(t, "", verify...)
		if err == nil || !strings.Contains(err.Error(), "audit chain is broken: 1 problems") {
			t.Fatalf("audit verify after an edit = %v; want a broken chain\n%s", err, out)
		}
		if !regexp.MustCompile(`(?m)^PROBLEM: seq 4 \(id [0-9a-f-]+\): content does not match its hash \(entry edited\)$`).MatchString(out) {
			t.Fatalf("audit verify does not name the edited entry:\n%s", out)
		}
	})
}

func TestAuditVerifyDetectsADeletedRowAndAWrongKey(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dir, url string) {
		seedDemoDatabase(t, dir, url)
		verify := append([]string{"audit", "verify"}, dbFlags(dir, url)...)
		if _, _, err := lianxin(t, "", verify...); err != nil {
			t.Fatal(err)
		}
		wrongKey := append(slices.Clone(verify), "--secret-key", strings.Repeat("a5", 32))
		if out, _, err := lianxin(t, "", wrongKey...); err == nil {
			t.Fatalf("audit verify with another key passed:\n%s", out)
		}
		tamper(t, dir, url, "DELETE FROM audit_log WHERE seq = 6")
		out, _, err := lianxin(t, "", verify...)
		if err == nil || !strings.Contains(out, "PROBLEM: seq 7") || !strings.Contains(out, "sequence gap") {
			t.Fatalf("audit verify after a deletion = %v\n%s", err, out)
		}
	})
}

// sealAll seals the whole audit log, as the hub's sealer does.
func sealAll(t *testing.T, s *store.Store) {
	t.Helper()
	for {
		n, err := s.SealAudit(t.Context(), 1000)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// startMain runs the hub on a free port of 127.0.0.1, as `lianxin serve --demo` would.
func startMain(t *testing.T, args ...string) *Main {
	t.Helper()
	logs := &syncBuffer{}
	m := NewMain(logs)
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	m.Config.Register(fs)
	m.Config.RegisterDemo(fs)
	if err := fs.Parse(append([]string{"--addr", "127.0.0.1:0", "--demo", "--log-level", "warn",
		"--turn-addr", "127.0.0.1:0", "--turn-public-ip", "127.0.0.1"}, args...)); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(t.Context()); err != nil {
		m.Close()
		t.Fatalf("Run: %v\n%s", err, logs)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("hub logs:\n%s", logs)
		}
	})
	return m
}

func TestMainServesTheDemo(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dir, url string) {
		// SQLite with in-process presence, as a laptop runs it; PostgreSQL
		// with Redis presence when LIANXIN_TEST_REDIS_URL is set, as production does.
		redisURL := ""
		if url != "" {
			redisURL = os.Getenv("LIANXIN_TEST_REDIS_URL")
		}
		args := append(dbFlags(dir, url), "--redis-url", redisURL)
		m := startMain(t, args...)
		closed := false
		defer func() {
			if !closed {
				m.Close()
			}
		}()
		if !strings.HasPrefix(m.URL(), "http://127.0.0.1:") || strings.HasSuffix(m.URL(), ":0") {
			t.Fatalf("URL = %q", m.URL())
		}
		var health map[string]string
		if code := getJSON(t, m.URL()+"/healthz", "", &health); code != 200 || health["status"] != "ok" || health["version"] != "dev" {
			t.Fatalf("/healthz = %d %v", code, health)
		}
		var ready map[string]string
		if code := getJSON(t, m.URL()+"/readyz", "", &ready); code != 200 || ready["database"] != "ok" || ready["presence"] != "ok" {
			t.Fatalf("/readyz = %d %v", code, ready)
		}

		if code := postJSON(t, m.URL()+"/api/v1/auth/login", map[string]string{"username": "specialist", "password": "wrong password"}, nil); code != 401 {
			t.Fatalf("login with a wrong password = %d, want 401", code)
		}
		var login struct {
			Token string `json:"token"`
			User  struct {
				Username string `json:"username"`
			} `json:"user"`
		}
		if code := postJSON(t, m.URL()+"/api/v1/auth/login", map[string]string{"username": "specialist", "password": demo.Password}, &login); code != 200 ||
			login.Token == "" || login.User.Username != "specialist" {
			t.Fatalf("demo login = %d %+v", code, login)
		}
		var me struct {
			Username string `json:"username"`
		}
		if code := getJSON(t, m.URL()+"/api/v1/me", login.Token, &me); code != 200 || me.Username != "specialist" {
			t.Fatalf("/api/v1/me with the token = %d %+v", code, me)
		}
		if code := getJSON(t, m.URL()+"/api/v1/me", "", nil); code != 401 {
			t.Fatalf("/api/v1/me without a token = %d, want 401", code)
		}

		closed = true
		if err := m.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if _, err := http.Get(m.URL() + "/healthz"); err == nil {
			t.Fatal("the hub still answers after Close")
		}
		// Close seals the audit log, and the chain it leaves verifies.
		s := openDB(t, dir, url)
		var total int
		if err := s.SQL().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM audit_log").Scan(&total); err != nil {
			t.Fatal(err)
		}
		res, err := s.VerifyAudit(t.Context())
		if err != nil || len(res.Problems) != 0 || res.Checked != int64(total) || res.Unsealed != 0 {
			t.Fatalf("VerifyAudit after Close = %+v, %v; want all %d entries sealed and intact", res, err, total)
		}
		var logins int
		if err := s.SQL().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login'").Scan(&logins); err != nil || logins != 1 {
			t.Fatalf("%d login entries, %v; want the one demo login", logins, err)
		}
	})
}

func getJSON(t *testing.T, url, token string, into any) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, req, into)
}

func postJSON(t *testing.T, url string, body, into any) int {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return do(t, req, into)
}

func do(t *testing.T, req *http.Request, into any) int {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if into != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(body, into); err != nil {
			t.Fatalf("%s %s: %v in %s", req.Method, req.URL, err, body)
		}
	}
	return res.StatusCode
}
