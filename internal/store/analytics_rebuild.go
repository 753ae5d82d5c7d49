package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/lianxin-hub/lianxin/internal/analytics"
	"github.com/lianxin-hub/lianxin/internal/referral"
)

// The rebuild reads every raw referral event with the referral fields the
// tally needs, classifies it with analytics.Tally — the very function the
// live path uses — and sums the tallies in memory at the finest grains (an
// alliance's days, a member's months, a pair's months); the coarser rows
// are sums of those. It then writes the rollups afresh: COPY on
// PostgreSQL, with the rollup indexes rebuilt after the load instead of
// updated row by row, batched INSERTs on SQLite. One pass over ten million
// referrals (49 million events) takes about eight minutes on two cores and
// a few gigabytes of memory.

var rollupTables = []string{"analytics_referrals", "analytics_referral_times", "analytics_referral_flows"}

// rebuildQuery lists the events that can count (holds and resumes never
// do) with their referral's cell and clocks. The follow-up is read only
// where Tally reads it.
const rebuildQuery = `SELECT e.action, e.from_status, e.to_status, e.at, r.alliance_id, r.sender_institution_id,
	r.receiver_institution_id, r.direction, r.urgency, r.submitted_at, r.accepted_at, r.accept_due_at, r.admit_due_at,
	r.arrived_at, CASE WHEN e.action = 'complete' AND r.direction = 'down' THEN r.follow_up ELSE '' END
	FROM referral_events e JOIN referrals r ON r.id = e.referral_id WHERE e.action NOT IN ('hold', 'resume')`

// RebuildRollups recomputes every referral rollup from the raw referrals and
// their events, replacing what the live updates wrote; afterwards the
// rollups equal what the live updates would have written had they run for
// every event. It is maintenance, run on a connection of its own (not
// inside a caller's transaction): on PostgreSQL it holds the rollup tables
// exclusively while it works (transitions and dashboard reads wait;
// transitions then add to the rebuilt rows, so nothing is lost); on SQLite
// it holds the one writer. It then rebuilds the consultation rollups
// (RebuildActivity). It returns the number of rollup rows written.
func (s *Store) RebuildRollups(ctx context.Context) (int64, error) {
	// The cells are long-lived and only grow: collecting more often keeps
	// the heap near its live size (about 2 GB for ten million referrals)
	// instead of twice that.
	defer debug.SetGCPercent(debug.SetGCPercent(25))
	conn, err := s.SQL().Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	begin := "BEGIN"
	if s.dialect == SQLite {
		begin = "BEGIN IMMEDIATE"
	}
	if _, err := conn.ExecContext(ctx, begin); err != nil {
		return 0, err
	}
	done := false
	defer func() {
		if !done {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	var indexes []rollupIndex
	if s.dialect == Postgres {
		if indexes, err = s.clearRollupsPostgres(ctx, conn); err != nil {
			return 0, err
		}
	} else {
		for _, t := range rollupTables {
			if _, err := conn.ExecContext(ctx, "DELETE FROM "+t); err != nil {
				return 0, err
			}
		}
	}
	agg := newRollupAgg()
	if err := agg.read(ctx, conn); err != nil {
		return 0, fmt.Errorf("rebuild: %w", err)
	}
	agg.derive()
	n, err := s.writeRollups(ctx, conn, agg)
	if err != nil {
		return n, fmt.Errorf("rebuild: %w", err)
	}
	for _, ix := range indexes {
		if err := ix.create(ctx, conn); err != nil {
			return n, err
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return n, err
	}
	done = true
	conn.Close()
	m, err := s.RebuildActivity(ctx)
	return n + m, err
}

// rollupIndex is an index of a rollup table, dropped for the load.
type rollupIndex struct{ Table, Name, Def string }

func (ix rollupIndex) create(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, ix.Def); err != nil {
		return err
	}
	if strings.HasSuffix(ix.Name, "_pkey") {
		_, err := conn.ExecContext(ctx, `ALTER TABLE "`+ix.Table+`" ADD CONSTRAINT "`+ix.Name+`" PRIMARY KEY USING INDEX "`+ix.Name+`"`)
		return err
	}
	return nil
}

// clearRollupsPostgres locks and empties the rollup tables and drops their
// indexes (primary keys included), returning them to be built again.
func (s *Store) clearRollupsPostgres(ctx context.Context, conn *sql.Conn) ([]rollupIndex, error) {
	for _, q := range []string{
		"LOCK TABLE " + strings.Join(rollupTables, ", ") + " IN ACCESS EXCLUSIVE MODE",
		"SET LOCAL maintenance_work_mem = '1GB'",
		"TRUNCATE " + strings.Join(rollupTables, ", "),
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return nil, err
		}
	}
	rows, err := conn.QueryContext(ctx, "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "+
		"AND tablename IN ('analytics_referrals', 'analytics_referral_times', 'analytics_referral_flows') ORDER BY tablename, indexname")
	if err != nil {
		return nil, err
	}
	var out []rollupIndex
	for rows.Next() {
		var ix rollupIndex
		if err := rows.Scan(&ix.Table, &ix.Name, &ix.Def); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, ix)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, ix := range out {
		drop := `DROP INDEX "` + ix.Name + `"`
		if strings.HasSuffix(ix.Name, "_pkey") {
			drop = `ALTER TABLE "` + ix.Table + `" DROP CONSTRAINT "` + ix.Name + `"`
		}
		if _, err := conn.ExecContext(ctx, drop); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// aggKey is a rollup cell with interned ids and a numeric period: a day
// number (CST days since 1970), year*100+month, or a year, by grain. It is
// 24 bytes, and the sums live in the maps' values (no pointers for the
// collector to follow).
type aggKey struct {
	alliance, inst int32
	receiver       int32 // flows only
	period         int32
	grain          byte // 'd', 'w' (Monday's day number), 'm', 'y', or 'a' (flows: all time)
	side           byte // 0, 's' (sent) or 'r' (received)
	dir, urg       int8
	kind           int8 // times only: index in analytics.TimeKinds
}

type rollupAgg struct {
	ids    map[string]int32
	names  []string
	counts map[aggKey][15]int32
	times  map[aggKey][29]int32
	flows  map[aggKey]int32
	month  map[int32]int32 // day number → year*100+month
}

func newRollupAgg() *rollupAgg {
	return &rollupAgg{ids: map[string]int32{"": 0}, names: []string{""}, counts: map[aggKey][15]int32{},
		times: map[aggKey][29]int32{}, flows: map[aggKey]int32{}, month: map[int32]int32{}}
}

func (a *rollupAgg) intern(b []byte) int32 {
	if id, ok := a.ids[string(b)]; ok {
		return id
	}
	s := string(b)
	a.ids[s] = int32(len(a.names))
	a.names = append(a.names, s)
	return a.ids[s]
}

var (
	aggDirs = []referral.Direction{referral.Up, referral.Down, referral.Lateral}
	aggUrgs = []referral.Urgency{referral.Routine, referral.Urgent, referral.FastTrack}
)

func indexOf[T comparable](xs []T, x T) int8 {
	for i, v := range xs {
		if v == x {
			return int8(i)
		}
	}
	return -1
}

func (a *rollupAgg) monthOf(day int32) int32 {
	if m, ok := a.month[day]; ok {
		return m
	}
	t := time.Unix(int64(day)*86400, 0).UTC()
	m := int32(t.Year()*100 + int(t.Month()))
	a.month[day] = m
	return m
}

// read streams the raw events through Tally into the finest cells: the
// alliance's day, the sender's and the receiver's month, the pair's month.
func (a *rollupAgg) read(ctx context.Context, conn *sql.Conn) error {
	rows, err := conn.QueryContext(ctx, rebuildQuery)
	if err != nil {
		return err
	}
	defer rows.Close()
	var action, from, to, alliance, sender, receiver, dir, urg, followUp sql.RawBytes
	var at time.Time
	var submitted, accepted, acceptDue, admitDue, arrived sql.NullTime
	statuses := map[string]referral.Status{}
	for _, st := range referral.Statuses {
		statuses[string(st)] = st
	}
	actions := map[string]referral.Action{string(referral.Create): referral.Create}
	for _, ac := range referral.Actions {
		actions[string(ac)] = ac
	}
	ptr := func(t sql.NullTime) *time.Time {
		if !t.Valid {
			return nil
		}
		u := t.Time.UTC()
		return &u
	}
	for rows.Next() {
		if err := rows.Scan(&action, &from, &to, &at, &alliance, &sender, &receiver, &dir, &urg, &submitted, &accepted,
			&acceptDue, &admitDue, &arrived, &followUp); err != nil {
			return err
		}
		r := referral.Referral{Direction: referral.Direction(dir), Urgency: referral.Urgency(urg), SubmittedAt: ptr(submitted),
			AcceptedAt: ptr(accepted), AcceptDueAt: ptr(acceptDue), AdmitDueAt: ptr(admitDue), ArrivedAt: ptr(arrived)}
		if len(followUp) > 0 {
			var f referral.FollowUp
			if err := json.Unmarshal(followUp, &f); err != nil {
				return fmt.Errorf("follow-up: %w", err)
			}
			r.FollowUp = &f
		}
		ev := referral.Event{Action: actions[string(action)], From: statuses[string(from)], To: statuses[string(to)], At: at.UTC()}
		c, times := analytics.Tally(&r, ev)
		if c.IsZero() && len(times) == 0 {
			continue
		}
		day := int32((at.Unix() + 8*3600) / 86400)
		month := a.monthOf(day)
		al, snd, rcv := a.intern(alliance), a.intern(sender), a.intern(receiver)
		d, u := indexOf(aggDirs, r.Direction), indexOf(aggUrgs, r.Urgency)
		cells := [3]aggKey{
			{grain: 'd', alliance: al, period: day, dir: d, urg: u},
			{grain: 'm', alliance: al, inst: snd, side: 's', period: month, dir: d, urg: u},
			{grain: 'm', alliance: al, inst: rcv, side: 'r', period: month, dir: d, urg: u},
		}
		for _, k := range cells {
			if !c.IsZero() {
				v := a.counts[k]
				for i, f := range c.Fields() {
					v[i] += int32(*f)
				}
				a.counts[k] = v
			}
			for _, t := range times {
				tk := k
				tk.kind = indexOf(analytics.TimeKinds, t.Kind)
				v := a.times[tk]
				v[analytics.Bucket(t.Seconds)]++
				a.times[tk] = v
			}
		}
		if c.Submitted > 0 {
			a.flows[aggKey{grain: 'm', alliance: al, inst: snd, receiver: rcv, period: month, dir: d, urg: u}] += int32(c.Submitted)
		}
	}
	return rows.Err()
}

// coarser moves k to grain g: the month of a day, the year of a month.
func (a *rollupAgg) coarser(k aggKey, g byte) aggKey {
	if g == 'm' {
		k.period = a.monthOf(k.period)
	} else {
		k.period /= 100
	}
	k.grain = g
	return k
}

// rollUp adds the rows of grain from (selected by keep) to the coarser
// keys move gives them.
func rollUp[V any](m map[aggKey]V, keep func(aggKey) bool, move func(aggKey) aggKey, add func(dst *V, src *V)) {
	var keys []aggKey
	for k := range m {
		if keep(k) {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		src, dk := m[k], move(k)
		dst := m[dk]
		add(&dst, &src)
		m[dk] = dst
	}
}

// derive adds the all-alliance days, the months of the day rows and the
// years of every month row.
func (a *rollupAgg) derive() {
	day := func(k aggKey) bool { return k.grain == 'd' }
	month := func(k aggKey) bool { return k.grain == 'm' }
	global := func(k aggKey) aggKey { k.alliance = 0; return k }
	toMonth := func(k aggKey) aggKey { return a.coarser(k, 'm') }
	toYear := func(k aggKey) aggKey { return a.coarser(k, 'y') }
	addC := func(dst, src *[15]int32) {
		for i := range dst {
			dst[i] += src[i]
		}
	}
	addT := func(dst, src *[29]int32) {
		for i := range dst {
			dst[i] += src[i]
		}
	}
	rollUp(a.counts, day, global, addC)
	rollUp(a.times, day, global, addT)
	rollUp(a.counts, day, toMonth, addC)
	rollUp(a.counts, day, func(k aggKey) aggKey { // ISO weeks: day 0 (1970-01-01) is a Thursday
		k.grain, k.period = 'w', k.period-(k.period+3)%7
		return k
	}, addC)
	rollUp(a.times, day, toMonth, addT)
	rollUp(a.counts, month, toYear, addC)
	rollUp(a.times, month, toYear, addT)
	var fk []aggKey
	for k := range a.flows {
		fk = append(fk, k)
	}
	for _, k := range fk {
		all := k
		all.grain, all.period = 'a', 0
		a.flows[toYear(k)] += a.flows[k]
		a.flows[all] += a.flows[k]
	}
}

func (a *rollupAgg) period(k aggKey) string {
	switch k.grain {
	case 'd', 'w':
		return time.Unix(int64(k.period)*86400, 0).UTC().Format(time.DateOnly)
	case 'm':
		return fmt.Sprintf("%04d-%02d", k.period/100, k.period%100)
	case 'a':
		return ""
	}
	return fmt.Sprintf("%04d", k.period)
}

var sideNames = map[byte]string{0: "", 's': string(analytics.Sent), 'r': string(analytics.Received)}

// rollupSource yields one table's rows from the aggregate, one at a time
// (pgx.CopyFromSource), so the rows are never all in memory as values.
type rollupSource struct {
	keys []aggKey
	i    int
	row  func(k aggKey, dst []any) []any
	buf  []any
}

func (r *rollupSource) Next() bool { r.i++; return r.i <= len(r.keys) }
func (r *rollupSource) Values() ([]any, error) {
	r.buf = r.row(r.keys[r.i-1], r.buf[:0])
	return r.buf, nil
}
func (r *rollupSource) Err() error { return nil }

// keysOf lists a map's cells in the order of the table's primary key (by
// interned id): written in that order, a scope's rows for a run of periods
// sit together on disk, and a dashboard query reads a few pages, not one
// page per row.
func keysOf[V any](m map[aggKey]V, flows bool) []aggKey {
	out := make([]aggKey, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b aggKey) int {
		if flows {
			return cmp.Or(cmp.Compare(a.grain, b.grain), cmp.Compare(a.alliance, b.alliance), cmp.Compare(a.period, b.period),
				cmp.Compare(a.inst, b.inst), cmp.Compare(a.receiver, b.receiver), cmp.Compare(a.dir, b.dir), cmp.Compare(a.urg, b.urg))
		}
		return cmp.Or(cmp.Compare(a.grain, b.grain), cmp.Compare(a.alliance, b.alliance), cmp.Compare(a.inst, b.inst),
			cmp.Compare(a.side, b.side), cmp.Compare(a.period, b.period), cmp.Compare(a.dir, b.dir), cmp.Compare(a.urg, b.urg),
			cmp.Compare(a.kind, b.kind))
	})
	return out
}

// sources returns the three tables' columns and rows.
func (a *rollupAgg) sources() []struct {
	name string
	cols []string
	src  *rollupSource
} {
	keyCols := strings.Split(countKeyColumns, ", ")
	key := func(k aggKey, dst []any) []any {
		return append(dst, string(rune(k.grain)), a.names[k.alliance], a.names[k.inst], sideNames[k.side], a.period(k),
			string(aggDirs[k.dir]), string(aggUrgs[k.urg]))
	}
	return []struct {
		name string
		cols []string
		src  *rollupSource
	}{
		{"analytics_referrals", append(append([]string{}, keyCols...), analytics.CountColumns...),
			&rollupSource{keys: keysOf(a.counts, false), row: func(k aggKey, dst []any) []any {
				dst = key(k, dst)
				for _, n := range a.counts[k] {
					dst = append(dst, int64(n))
				}
				return dst
			}}},
		{"analytics_referral_times", append(append(append([]string{}, keyCols...), "kind"), analytics.BucketColumns...),
			&rollupSource{keys: keysOf(a.times, false), row: func(k aggKey, dst []any) []any {
				dst = append(key(k, dst), string(analytics.TimeKinds[k.kind]))
				for _, n := range a.times[k] {
					dst = append(dst, int64(n))
				}
				return dst
			}}},
		{"analytics_referral_flows", []string{"grain", "alliance_id", "period", "sender_institution_id", "receiver_institution_id",
			"direction", "urgency", "n"},
			&rollupSource{keys: keysOf(a.flows, true), row: func(k aggKey, dst []any) []any {
				return append(dst, string(rune(k.grain)), a.names[k.alliance], a.period(k), a.names[k.inst], a.names[k.receiver],
					string(aggDirs[k.dir]), string(aggUrgs[k.urg]), int64(a.flows[k]))
			}}},
	}
}

// writeRollups writes the rows: COPY on PostgreSQL, INSERTs on SQLite.
func (s *Store) writeRollups(ctx context.Context, conn *sql.Conn, a *rollupAgg) (int64, error) {
	var total int64
	for _, t := range a.sources() {
		if s.dialect == Postgres {
			err := conn.Raw(func(dc any) error {
				c, ok := dc.(*stdlib.Conn)
				if !ok {
					return fmt.Errorf("the connection is a %T, not pgx", dc)
				}
				n, err := c.Conn().CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, t.src)
				total += n
				return err
			})
			if err != nil {
				return total, err
			}
			continue
		}
		const batch = 200
		for t.src.Next() {
			var b strings.Builder
			b.WriteString("INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES ")
			var args []any
			for j := 0; ; j++ {
				row, _ := t.src.Values()
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(placeholders(len(row)))
				args = append(args, row...)
				if j == batch-1 || !t.src.Next() {
					break
				}
			}
			if _, err := conn.ExecContext(ctx, b.String(), args...); err != nil {
				return total, err
			}
			total += int64(len(args) / len(t.cols))
		}
	}
	return total, nil
}
