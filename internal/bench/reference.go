package bench

import (
	"bytes"
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The reference: pgbench running the bare SQL of one transition.
var (
	//go:embed reference.sql
	referenceScript string
	//go:embed reference_schema.sql
	referenceSchema string
	//go:embed reference_fill.sql
	referenceFill string
)

// ReferenceScript is the SQL pgbench runs, as shipped with the benchmark.
func ReferenceScript() string { return referenceScript }

// Reference measures what this machine's PostgreSQL does with the bare SQL
// of one referral transition (reference.sql), with pgbench.
type Reference struct {
	DatabaseURL string        // the database to measure (a scratch schema is made in it)
	Pgbench     string        // the pgbench program; "" looks for pgbench on PATH, then /usr/bin/pgbench
	Clients     int           // pgbench -c
	Duration    time.Duration // pgbench -T (whole seconds, at least one)
	Rows        int           // referrals in the reference table; :id is drawn from them at random
}

// ReferenceResult is what pgbench reported.
type ReferenceResult struct {
	TPS          float64       // transactions per second, without the initial connection time
	Latency      time.Duration // pgbench's latency average
	Transactions int64
	Failed       int64
	Command      string // the pgbench command line (the schema is in PGOPTIONS)
}

// FindPgbench returns the pgbench program to run. Errors: it is not
// installed (the message says how to install it).
func FindPgbench(name string) (string, error) {
	if name != "" {
		p, err := exec.LookPath(name)
		if err != nil {
			return "", fmt.Errorf("pgbench %q not found: %w", name, err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/pgbench"); err == nil {
		return "/usr/bin/pgbench", nil
	}
	return "", errors.New("pgbench is not installed (neither on PATH nor at /usr/bin/pgbench); the reference needs it: " +
		"install it (Debian 12: apt-get install postgresql-15, which carries pgbench) " +
		"or pass --reference-duration 0 to skip the reference")
}

// Run creates and fills the reference tables in a scratch schema, runs
// pgbench against them, drops the schema and parses the report. Errors:
// pgbench missing or failing, the database unreachable, an unparseable
// report.
func (r Reference) Run(ctx context.Context) (ReferenceResult, error) {
	var res ReferenceResult
	prog, err := FindPgbench(r.Pgbench)
	if err != nil {
		return res, err
	}
	clients := max(r.Clients, 1)
	secs := max(int(r.Duration.Round(time.Second)/time.Second), 1)
	rows := max(r.Rows, clients)
	sc, err := CreateSchema(ctx, r.DatabaseURL, "bench_ref_")
	if err != nil {
		return res, err
	}
	defer sc.Drop()
	if err := fillReference(ctx, sc.URL, rows); err != nil {
		return res, fmt.Errorf("reference tables: %w", err)
	}
	dir, err := os.MkdirTemp("", "lianxin-bench-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "reference.sql")
	if err := os.WriteFile(script, []byte(referenceScript), 0o600); err != nil {
		return res, err
	}
	conn, err := libpqURL(r.DatabaseURL)
	if err != nil {
		return res, err
	}
	args := []string{"-n", "-T", strconv.Itoa(secs), "-c", strconv.Itoa(clients), "-j", strconv.Itoa(min(2, clients)),
		"-M", "prepared", "-D", "rows=" + strconv.Itoa(rows), "-f", script, conn}
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Env = append(os.Environ(), "PGOPTIONS=-c search_path="+sc.Name)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	shown := append([]string{prog}, args...)
	shown[len(shown)-1] = redact(conn)
	shown[len(shown)-2] = "reference.sql"
	res.Command = "PGOPTIONS='-c search_path=" + sc.Name + "' " + strings.Join(shown, " ")
	if err := cmd.Run(); err != nil {
		return res, fmt.Errorf("pgbench: %w\n%s%s", err, stdout.String(), stderr.String())
	}
	if err := parsePgbench(stdout.String(), &res); err != nil {
		return res, fmt.Errorf("%w\npgbench said:\n%s%s", err, stdout.String(), stderr.String())
	}
	if res.Failed > 0 {
		return res, fmt.Errorf("pgbench: %d reference transactions failed\n%s", res.Failed, stdout.String())
	}
	return res, nil
}

// fillReference creates the reference tables in the schema url reaches and
// fills ref with rows referrals.
func fillReference(ctx context.Context, url string, rows int) error {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, referenceSchema); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, referenceFill, rows); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, "VACUUM ANALYZE ref, audit, outbox")
	return err
}

var (
	tpsRe     = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \((?:without initial connection time|excluding connections establishing)\)`)
	latencyRe = regexp.MustCompile(`(?m)^latency average = ([0-9.]+) ms`)
	doneRe    = regexp.MustCompile(`(?m)^number of transactions actually processed: ([0-9]+)`)
	failedRe  = regexp.MustCompile(`(?m)^number of failed transactions: ([0-9]+)`)
)

// parsePgbench reads the figures of a pgbench report (PostgreSQL 12 on).
func parsePgbench(out string, res *ReferenceResult) error {
	m := tpsRe.FindStringSubmatch(out)
	if m == nil {
		return errors.New("pgbench's report has no tps line")
	}
	res.TPS, _ = strconv.ParseFloat(m[1], 64)
	if m := latencyRe.FindStringSubmatch(out); m != nil {
		ms, _ := strconv.ParseFloat(m[1], 64)
		res.Latency = time.Duration(ms * float64(time.Millisecond))
	}
	if m := doneRe.FindStringSubmatch(out); m != nil {
		res.Transactions, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := failedRe.FindStringSubmatch(out); m != nil {
		res.Failed, _ = strconv.ParseInt(m[1], 10, 64)
	}
	return nil
}
