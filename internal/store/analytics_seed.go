package store

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/lianxin-hub/lianxin/internal/apperr"
)

// SeedScale sizes a generated data set (lianxin seed --scale).
type SeedScale struct {
	Name         string
	Provinces    int // province-level divisions, each with one vertical alliance
	Institutions int
	Clinicians   int
	Patients     int
	Referrals    int // referrals made (redirects open ~3% more)
	EConsults    int
	Videos       int
	Years        int
}

// SeedScales are the known scales: national is the domain brief's national
// deployment, small about a hundredth of it, tiny a few thousand rows for tests.
var SeedScales = map[string]SeedScale{
	"national": {"national", 30, 3000, 50_000, 5_000_000, 10_000_000, 700_000, 200_000, 10},
	"small":    {"small", 30, 300, 1_500, 50_000, 100_000, 7_000, 2_000, 10},
	"tiny":     {"tiny", 2, 24, 90, 600, 2_000, 150, 40, 2},
}

// SeedOptions configure SeedAnalytics.
type SeedOptions struct {
	Scale SeedScale
	Seed  uint64    // the generator's seed: the same seed and End give the same data set
	End   time.Time // the last instant of the data set ("now"); its Years reach back from here
	// Progress receives a progress bar (a terminal's stderr); nil for none.
	Progress io.Writer
}

// SeedReport says what SeedAnalytics wrote.
type SeedReport struct {
	Rows        map[string]int64
	RollupRows  int64
	Took        time.Duration
	StageTimes  []StageTime
	Superuser   bool // foreign-key triggers were off during the load (see SeedAnalytics)
	AdminUser   string
	SysadminUID string
}

// StageTime is how long one stage of the seed took.
type StageTime struct {
	Stage string
	Took  time.Duration
}

// copyTables are the tables the seed loads, whose secondary indexes it
// drops for the load and rebuilds after.
var copyTables = []string{"institutions", "users", "alliances", "memberships", "patients", "care_relations", "consents",
	"referrals", "referral_events", "consults", "consult_messages", "video_consults", "rooms", "room_attendance",
	"round_series", "round_wards", "round_occurrences", "round_cases", "lectures"}

// SeedAnalytics generates a realistic data set at a scale on PostgreSQL,
// for the analytics benchmark: institutions in real GB/T 2260 provinces,
// one vertical alliance per province, clinicians, patients (with valid
// national IDs, encrypted and hashed with the store's keys like
// CreatePatient does), referrals over Years with seasonality, growth and an
// up:down mix with every status and timing, their events, eConsults (some
// turned into referrals), video consultations with attendance, ward rounds
// and lectures. It streams every table with COPY, drops the secondary
// indexes for the load and rebuilds them, then builds the rollups with
// RebuildRollups. The database must be migrated and hold no referrals.
// Seeded accounts share one unusable password (an administrator resets it).
// When the connection is a superuser's, foreign-key triggers are switched
// off for the load (session_replication_role = replica): the generator
// writes only consistent rows, and this roughly halves the load time.
// Errors: invalid (SQLite, or a database that already holds referrals).
func (s *Store) SeedAnalytics(ctx context.Context, o SeedOptions) (SeedReport, error) {
	rep := SeedReport{Rows: map[string]int64{}}
	if s.dialect != Postgres {
		return rep, apperr.InvalidField("database-url", "the generated data set needs PostgreSQL (COPY)")
	}
	var n int64
	if err := s.db.WithContext(ctx).Raw("SELECT COUNT(*) FROM referrals").Scan(&n).Error; err != nil {
		return rep, err
	}
	if n > 0 {
		return rep, apperr.InvalidField("database-url", "the database already holds %d referrals: seed a fresh database", n)
	}
	if err := s.db.WithContext(ctx).Raw("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&rep.Superuser).Error; err != nil {
		return rep, err
	}
	start := time.Now()
	prog := newProgress(o.Progress)
	defer prog.stop()
	stage := func(name string, fn func() error) error {
		t0 := time.Now()
		prog.stage(name)
		err := fn()
		rep.StageTimes = append(rep.StageTimes, StageTime{name, time.Since(t0)})
		return err
	}
	var indexes []string
	if err := stage("drop indexes", func() (err error) { indexes, err = s.dropSecondaryIndexes(ctx); return err }); err != nil {
		return rep, err
	}
	g := newSeedGen(s, o, prog, rep.Superuser)
	err := g.run(ctx, stage)
	for t, c := range g.rows {
		rep.Rows[t] = c
	}
	rep.AdminUser, rep.SysadminUID = g.adminUser, g.sysadminID
	// The indexes come back even after a failed load, so the schema stays whole.
	ierr := stage("rebuild indexes", func() error { return s.createIndexes(ctx, indexes, prog) })
	if err = errors.Join(err, ierr); err != nil {
		return rep, err
	}
	// The consultation tables are read by index-only scans, which need their
	// visibility maps: a fresh load has none until vacuumed.
	if err := stage("analyze", func() error {
		return errors.Join(s.db.WithContext(ctx).Exec("ANALYZE").Error, s.db.WithContext(ctx).Exec(
			"VACUUM consults, video_consults, room_attendance, rooms, round_occurrences, round_series, round_wards, "+
				"round_cases, lectures, memberships, users").Error)
	}); err != nil {
		return rep, err
	}
	if err := stage("rollups", func() (err error) { rep.RollupRows, err = s.RebuildRollups(ctx); return err }); err != nil {
		return rep, err
	}
	if err := stage("analyze rollups", func() error {
		return s.db.WithContext(ctx).Exec("VACUUM ANALYZE analytics_referrals, analytics_referral_times, analytics_referral_flows, " +
			"analytics_activity, analytics_trained, analytics_trainees, round_occurrences, lectures").Error
	}); err != nil {
		return rep, err
	}
	rep.Took = time.Since(start)
	return rep, nil
}

// dropSecondaryIndexes drops the loaded tables' indexes that back no
// constraint, and the primary keys no foreign key refers to, and returns the
// statements that make them again (after the load, by sorting: much faster
// than keeping them up to date row by row).
func (s *Store) dropSecondaryIndexes(ctx context.Context) ([]string, error) {
	db := s.db.WithContext(ctx)
	var pks []struct{ Table, Name, Def string }
	if err := db.Raw(`SELECT c.conrelid::regclass::text AS "table", c.conname AS name, pg_get_constraintdef(c.oid) AS def
		FROM pg_constraint c WHERE c.contype = 'p' AND c.connamespace = current_schema()::regnamespace
		AND c.conrelid::regclass::text IN ?
		AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = c.conrelid)
		ORDER BY 1`, copyTables).Scan(&pks).Error; err != nil {
		return nil, err
	}
	var rows []struct{ Indexname, Indexdef string }
	err := db.Raw(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()
		AND tablename IN ? AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace)
		ORDER BY tablename, indexname`, copyTables).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	var defs []string
	for _, pk := range pks {
		if err := db.Exec(`ALTER TABLE ` + pk.Table + ` DROP CONSTRAINT "` + pk.Name + `"`).Error; err != nil {
			return defs, err
		}
		defs = append(defs, `ALTER TABLE `+pk.Table+` ADD CONSTRAINT "`+pk.Name+`" `+pk.Def)
	}
	for _, r := range rows {
		if err := db.Exec(`DROP INDEX "` + r.Indexname + `"`).Error; err != nil {
			return defs, err
		}
		defs = append(defs, r.Indexdef)
	}
	return defs, nil
}

func (s *Store) createIndexes(ctx context.Context, defs []string, prog *progress) error {
	conn, err := s.SQL().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET maintenance_work_mem = '1GB'"); err != nil {
		return err
	}
	prog.setTotal(int64(len(defs)))
	for _, d := range defs {
		if _, err := conn.ExecContext(ctx, d); err != nil {
			return fmt.Errorf("%s: %w", d, err)
		}
		prog.add(1)
	}
	return nil
}

// copier streams one table's rows to COPY … FROM STDIN (text format) on a
// connection of its own.
type copier struct {
	table string
	pw    *io.PipeWriter
	w     *bufio.Writer
	errc  chan error
	row   []byte
	first bool
	rows  int64
}

func (s *Store) startCopy(ctx context.Context, table string, cols []string, superuser bool) (*copier, error) {
	conn, err := s.SQL().Conn(ctx)
	if err != nil {
		return nil, err
	}
	prep := []string{"SET synchronous_commit = off"}
	if superuser {
		prep = append(prep, "SET session_replication_role = replica")
	}
	for _, q := range prep {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			conn.Close()
			return nil, err
		}
	}
	pr, pw := io.Pipe()
	c := &copier{table: table, pw: pw, w: bufio.NewWriterSize(pw, 1<<20), errc: make(chan error, 1), first: true}
	go func() {
		err := conn.Raw(func(dc any) error {
			sc, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("seed: the connection is a %T, not pgx", dc)
			}
			_, err := sc.Conn().PgConn().CopyFrom(ctx, pr, "COPY "+table+" ("+strings.Join(cols, ", ")+") FROM STDIN")
			return err
		})
		if err != nil {
			err = fmt.Errorf("copy %s: %w", table, err)
		}
		pr.CloseWithError(errors.Join(err, io.ErrClosedPipe))
		conn.Close()
		c.errc <- err
	}()
	return c, nil
}

func (c *copier) sep() {
	if !c.first {
		c.row = append(c.row, '\t')
	}
	c.first = false
}

// str writes a text field, escaped for COPY's text format.
func (c *copier) str(s string) *copier {
	c.sep()
	for i := 0; i < len(s); i++ {
		switch b := s[i]; b {
		case '\\':
			c.row = append(c.row, '\\', '\\')
		case '\t':
			c.row = append(c.row, '\\', 't')
		case '\n':
			c.row = append(c.row, '\\', 'n')
		case '\r':
			c.row = append(c.row, '\\', 'r')
		default:
			c.row = append(c.row, b)
		}
	}
	return c
}

func (c *copier) id(u [16]byte) *copier {
	c.sep()
	c.row = appendUUID(c.row, u)
	return c
}

func (c *copier) null() *copier { c.sep(); c.row = append(c.row, '\\', 'N'); return c }

func (c *copier) int(n int64) *copier { c.sep(); c.row = strconv.AppendInt(c.row, n, 10); return c }

func (c *copier) float(f float64) *copier {
	c.sep()
	c.row = strconv.AppendFloat(c.row, f, 'g', -1, 64)
	return c
}

func (c *copier) bool(b bool) *copier {
	c.sep()
	if b {
		c.row = append(c.row, 't')
	} else {
		c.row = append(c.row, 'f')
	}
	return c
}

func (c *copier) ts(t time.Time) *copier {
	c.sep()
	c.row = t.UTC().AppendFormat(c.row, "2006-01-02 15:04:05.999999")
	return c
}

func (c *copier) tsp(t *time.Time) *copier {
	if t == nil {
		return c.null()
	}
	return c.ts(*t)
}

// end finishes the row.
func (c *copier) end() error {
	c.row = append(c.row, '\n')
	_, err := c.w.Write(c.row)
	c.row, c.first = c.row[:0], true
	c.rows++
	return err
}

// close ends the stream and waits for COPY to commit.
func (c *copier) close() error {
	ferr := c.w.Flush()
	c.pw.Close()
	err := <-c.errc
	if err == nil && ferr != nil {
		err = fmt.Errorf("copy %s: %w", c.table, ferr)
	}
	return err
}

func appendUUID(dst []byte, u [16]byte) []byte {
	var buf [36]byte
	hex.Encode(buf[0:8], u[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], u[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], u[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], u[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:], u[10:])
	return append(dst, buf[:]...)
}

func uuidString(u [16]byte) string { return string(appendUUID(nil, u)) }

// progress draws a one-line progress bar per stage on a terminal.
type progress struct {
	mu          sync.Mutex
	w           io.Writer
	name        atomic.Value
	done, total atomic.Int64
	began       time.Time
	stageBegan  atomic.Int64
	quit        chan struct{}
	finished    chan struct{}
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, began: time.Now(), quit: make(chan struct{}), finished: make(chan struct{})}
	p.name.Store("")
	if w == nil {
		close(p.finished)
		return p
	}
	go func() {
		defer close(p.finished)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.quit:
				p.draw(true)
				return
			case <-t.C:
				p.draw(false)
			}
		}
	}()
	return p
}

func (p *progress) stage(name string) {
	if p.w != nil && p.name.Load().(string) != "" {
		p.draw(true)
	}
	p.name.Store(name)
	p.done.Store(0)
	p.total.Store(0)
	p.stageBegan.Store(time.Now().UnixNano())
}

func (p *progress) setTotal(n int64) { p.total.Store(n) }
func (p *progress) add(n int64)      { p.done.Add(n) }

func (p *progress) draw(final bool) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	name := p.name.Load().(string)
	if name == "" {
		return
	}
	done, total := p.done.Load(), p.total.Load()
	el := time.Since(time.Unix(0, p.stageBegan.Load())).Truncate(time.Second)
	bar := strings.Repeat(" ", 30)
	pct := ""
	if total > 0 {
		f := min(float64(done)/float64(total), 1)
		n := int(f * 30)
		bar = strings.Repeat("#", n) + strings.Repeat(".", 30-n)
		pct = fmt.Sprintf(" %3.0f%%", 100*f)
	}
	line := fmt.Sprintf("\r%-16s [%s]%s %s/%s  %s (total %s)\x1b[K", name, bar, pct, humanInt(done), humanInt(total), el,
		time.Since(p.began).Truncate(time.Second))
	if final {
		line += "\n"
	}
	fmt.Fprint(p.w, line)
}

func (p *progress) stop() {
	if p.w != nil {
		close(p.quit)
	}
	<-p.finished
}

func humanInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
