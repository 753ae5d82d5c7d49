package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lianxin-hub/lianxin/internal/analytics"
	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/auth"
)

// AnalyticsQuery is one dashboard request.
type AnalyticsQuery struct {
	analytics.Filter
	Interval analytics.Interval // Volume: the trend's step
	Limit    int                // Flows: the largest links kept (default 100, at most 500)
	// Raw computes the figures straight from the raw tables instead of the
	// rollups: slow, and exactly equal. For the agreement tests and the
	// benchmark; the API never sets it.
	Raw bool
}

// AuditAnalyticsRead is the audit action of every analytics query. Its
// entries never carry a patient id: the figures are aggregates.
const AuditAnalyticsRead = audit.Action("analytics.read")

// scopeKind is which rollup scope a query reads.
type scopeKind int

const (
	scopeGlobal   scopeKind = iota // every alliance
	scopeAlliance                  // one alliance's totals
	scopeMember                    // one member institution (in one alliance, or in all)
	scopeMembers                   // every member of one alliance, row by row
)

func scopeOf(f *analytics.Filter) scopeKind {
	switch {
	case f.InstitutionID != "":
		return scopeMember
	case f.AllianceID != "":
		return scopeAlliance
	}
	return scopeGlobal
}

// sidesOf lists the member sides a filter counts.
func sidesOf(f *analytics.Filter) []string {
	if f.Side != analytics.Both {
		return []string{string(f.Side)}
	}
	return []string{string(analytics.Sent), string(analytics.Received)}
}

// rounding says when a view's range is widened to whole months.
type rounding int

const (
	exactDays        rounding = iota // figures read from the raw tables by day
	monthsForMembers                 // referral rollups: a member's rows are kept by month
	wholeMonths                      // flows and the member table: kept by month
)

// analyticsRead checks who may see the figures the filter asks for,
// narrows the filter to what they may see (and widens its range to whole
// months where the rollups keep months only), runs fn inside one
// transaction with the small-cell rule of the alliance, and audits the read.
// Errors: invalid (filter), forbidden, not_found (alliance or institution).
func (s *Store) analyticsRead(ctx context.Context, view string, q *AnalyticsQuery, rule rounding,
	fn func(ctx context.Context, sup analytics.Suppressor) error) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := q.Filter.Normalize(s.now()); err != nil {
		return err
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		if s.dialect == Postgres {
			// A dashboard read is a few hundred index probes into the
			// rollups: starting parallel workers for it costs more than the
			// probes (one alliance's year of consultation figures: 95 ms with
			// two workers, 9 ms without, on two cores).
			if err := s.conn(ctx).Exec("SET LOCAL max_parallel_workers_per_gather = 0").Error; err != nil {
				return err
			}
		}
		if err := s.authorizeAnalytics(ctx, a, &q.Filter); err != nil {
			return err
		}
		if rule == wholeMonths || (rule == monthsForMembers && q.InstitutionID != "") {
			q.RoundToMonths()
		}
		sup, err := s.suppressor(ctx, q.AllianceID)
		if err != nil {
			return err
		}
		if err := fn(ctx, sup); err != nil {
			return err
		}
		return s.record(ctx, Audit{Action: AuditAnalyticsRead, TargetType: "analytics", TargetID: view,
			Detail: describeFilter(&q.Filter, q.Raw)})
	})
}

func describeFilter(f *analytics.Filter, raw bool) string {
	parts := []string{f.From + ".." + f.To}
	for _, kv := range [][2]string{{"alliance", f.AllianceID}, {"institution", f.InstitutionID}, {"side", string(f.Side)},
		{"direction", string(f.Direction)}, {"urgency", string(f.Urgency)}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	if raw {
		parts = append(parts, "raw")
	}
	return strings.Join(parts, " ")
}

// authorizeAnalytics decides what the actor may see. Holders of
// PermAnalytics see the alliances they administer (a sysadmin every
// alliance, and all alliances together); holders of PermAnalyticsOwn see
// their own institution only, which the filter is then pinned to. An empty
// alliance defaults to the actor's institution's only alliance.
func (s *Store) authorizeAnalytics(ctx context.Context, a auth.Actor, f *analytics.Filter) error {
	full := a.Can(auth.PermAnalytics)
	if !full && !a.Can(auth.PermAnalyticsOwn) {
		return apperr.Forbiddenf("your role may not see analytics")
	}
	if !full {
		if f.InstitutionID != "" && f.InstitutionID != a.InstitutionID {
			return apperr.Forbiddenf("you may see your own institution's figures only")
		}
		f.InstitutionID = a.InstitutionID
	}
	if f.AllianceID == "" && !(full && a.Has(auth.RoleSysadmin)) {
		as, err := s.AlliancesOf(ctx, a.InstitutionID)
		if err != nil {
			return err
		}
		if len(as) != 1 {
			return apperr.InvalidField("alliance", "choose the alliance")
		}
		f.AllianceID = as[0].ID
	}
	if f.AllianceID != "" {
		if _, err := s.GetAlliance(ctx, f.AllianceID); err != nil {
			return err
		}
		if full {
			ok, err := s.canManageAlliance(ctx, a, f.AllianceID)
			if err != nil {
				return err
			}
			if !ok {
				return apperr.Forbiddenf("you may see the figures of the alliances you administer only")
			}
		} else if !s.isMember(ctx, f.AllianceID, a.InstitutionID) {
			return apperr.Forbiddenf("your institution is not a member of this alliance")
		}
	}
	if f.InstitutionID != "" {
		if f.AllianceID != "" {
			if !s.isMember(ctx, f.AllianceID, f.InstitutionID) {
				return apperr.NotFoundf("the institution is not a member of this alliance")
			}
		} else if _, err := s.GetInstitution(ctx, f.InstitutionID); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) isMember(ctx context.Context, allianceID, institutionID string) bool {
	var n int64
	s.conn(ctx).Model(&membershipRow{}).Where("alliance_id = ? AND institution_id = ?", allianceID, institutionID).Count(&n)
	return n > 0
}

type analyticsSettingsRow struct {
	AllianceID  string `gorm:"primaryKey"`
	MinCellSize int
	UpdatedAt   time.Time
}

func (analyticsSettingsRow) TableName() string { return "analytics_settings" }

// suppressor returns the small-cell rule of an alliance (the default for
// all alliances together).
func (s *Store) suppressor(ctx context.Context, allianceID string) (analytics.Suppressor, error) {
	sup := analytics.Suppressor{MinCell: analytics.DefaultMinCell}
	if allianceID == "" {
		return sup, nil
	}
	var row analyticsSettingsRow
	err := s.conn(ctx).Where("alliance_id = ?", allianceID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return sup, nil
	}
	if err != nil {
		return sup, err
	}
	sup.MinCell = row.MinCellSize
	return sup, nil
}

// AnalyticsMinCell returns an alliance's small-cell threshold. Errors:
// not_found, forbidden (not an administrator of the alliance).
func (s *Store) AnalyticsMinCell(ctx context.Context, allianceID string) (int, error) {
	var n int
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.requireAnalyticsAdmin(ctx, allianceID); err != nil {
			return err
		}
		sup, err := s.suppressor(ctx, allianceID)
		n = sup.MinCell
		return err
	})
	return n, err
}

// SetAnalyticsMinCell sets an alliance's small-cell threshold: counts below
// it are shown as "<n". Errors: invalid, not_found, forbidden.
func (s *Store) SetAnalyticsMinCell(ctx context.Context, allianceID string, n int) error {
	if err := analytics.ValidateMinCell(n); err != nil {
		return err
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.requireAnalyticsAdmin(ctx, allianceID); err != nil {
			return err
		}
		row := analyticsSettingsRow{AllianceID: allianceID, MinCellSize: n, UpdatedAt: s.now()}
		if err := s.conn(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error; err != nil {
			return err
		}
		return s.record(ctx, Audit{Action: audit.Action("analytics.settings_update"), TargetType: "alliance",
			TargetID: allianceID, Detail: fmt.Sprintf("minCellSize=%d", n)})
	})
}

// requireAnalyticsAdmin checks that the actor holds PermAnalytics for the
// alliance. Errors: not_found, forbidden.
func (s *Store) requireAnalyticsAdmin(ctx context.Context, allianceID string) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if _, err := s.GetAlliance(ctx, allianceID); err != nil {
		return err
	}
	if !a.Can(auth.PermAnalytics) {
		return apperr.Forbiddenf("only the alliance's administrators may do this")
	}
	ok, err := s.canManageAlliance(ctx, a, allianceID)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Forbiddenf("only the alliance's administrators may do this")
	}
	return nil
}

// sqlPart is a fragment of SQL with its arguments.
type sqlPart struct {
	sql  string
	args []any
}

func unionAll(parts []sqlPart) sqlPart {
	var out sqlPart
	for i, p := range parts {
		if i > 0 {
			out.sql += " UNION ALL "
		}
		out.sql += p.sql
		out.args = append(out.args, p.args...)
	}
	return out
}

// rollupScopeCond is the WHERE condition of a scope on a rollup table.
func rollupScopeCond(sk scopeKind, f *analytics.Filter) sqlPart {
	switch sk {
	case scopeAlliance:
		return sqlPart{"alliance_id = ? AND institution_id = '' AND side = ''", []any{f.AllianceID}}
	case scopeMember:
		p := sqlPart{"institution_id = ? AND side IN ?", []any{f.InstitutionID, sidesOf(f)}}
		if f.AllianceID != "" {
			p.sql = "alliance_id = ? AND " + p.sql
			p.args = append([]any{f.AllianceID}, p.args...)
		}
		return p
	case scopeMembers:
		return sqlPart{"alliance_id = ? AND side IN ('sent', 'received')", []any{f.AllianceID}}
	}
	return sqlPart{"alliance_id = '' AND institution_id = '' AND side = ''", nil}
}

// rawSides expands raw facts (columns period, alliance_id, sender, receiver,
// …rest) into the rollups' columns (period, alliance_id, institution_id,
// side, …rest) for a scope.
func rawSides(sk scopeKind, f *analytics.Filter, facts string, bounds []any, rest string) sqlPart {
	side := func(col, name string, cond string, args ...any) sqlPart {
		return sqlPart{"SELECT period, alliance_id, " + col + " AS institution_id, '" + name + "' AS side, " + rest +
			" FROM (" + facts + ") f" + cond, append(append([]any{}, bounds...), args...)}
	}
	switch sk {
	case scopeAlliance:
		return sqlPart{"SELECT period, alliance_id, '' AS institution_id, '' AS side, " + rest + " FROM (" + facts +
			") f WHERE alliance_id = ?", append(append([]any{}, bounds...), f.AllianceID)}
	case scopeMember, scopeMembers:
		var parts []sqlPart
		for _, sd := range sidesOf(f) {
			col := "sender"
			if sd == string(analytics.Received) {
				col = "receiver"
			}
			cond, args := " WHERE 1 = 1", []any{}
			if sk == scopeMember {
				cond += " AND " + col + " = ?"
				args = append(args, f.InstitutionID)
			}
			if f.AllianceID != "" {
				cond += " AND alliance_id = ?"
				args = append(args, f.AllianceID)
			}
			parts = append(parts, side(col, sd, cond, args...))
		}
		return unionAll(parts)
	}
	return sqlPart{"SELECT period, alliance_id, '' AS institution_id, '' AS side, " + rest + " FROM (" + facts + ") f",
		append([]any{}, bounds...)}
}

func (s *Store) bounds(f *analytics.Filter) []any {
	start, end := f.Bounds()
	return []any{start, end}
}

// countSource is a table with the rollup's columns holding the filter's
// counts: the rollup's rows over the covering spans, or (raw) every event
// classified afresh.
func (s *Store) countSource(sk scopeKind, f *analytics.Filter, coarsest analytics.Grain, raw bool) sqlPart {
	cols := "direction, urgency, " + strings.Join(analytics.CountColumns, ", ")
	if raw {
		return rawSides(sk, f, s.eventFacts(true), s.bounds(f), cols)
	}
	cond := rollupScopeCond(sk, f)
	var parts []sqlPart
	spans := analytics.Cover(f.From, f.To, coarsest)
	if coarsest == analytics.Week {
		spans = analytics.CoverWeeks(f.From, f.To)
	}
	for _, sp := range spans {
		parts = append(parts, sqlPart{"SELECT period, alliance_id, institution_id, side, " + cols +
			" FROM analytics_referrals WHERE grain = ? AND period >= ? AND period <= ? AND " + cond.sql,
			append([]any{string(sp.Grain), sp.From, sp.To}, cond.args...)})
	}
	return unionAll(parts)
}

// timeSource is countSource for the delay histograms (columns … kind,
// b00…b28).
func (s *Store) timeSource(sk scopeKind, f *analytics.Filter, coarsest analytics.Grain, raw bool) sqlPart {
	if raw {
		oneHot := make([]string, len(analytics.BucketColumns))
		for i, c := range analytics.BucketColumns {
			oneHot[i] = "CASE WHEN bucket = " + itoa(i) + " THEN 1 ELSE 0 END AS " + c
		}
		return rawSides(sk, f, s.timeFacts(true), s.bounds(f), "direction, urgency, kind, "+strings.Join(oneHot, ", "))
	}
	cond := rollupScopeCond(sk, f)
	var parts []sqlPart
	for _, sp := range analytics.Cover(f.From, f.To, coarsest) {
		parts = append(parts, sqlPart{"SELECT period, alliance_id, institution_id, side, direction, urgency, kind, " +
			strings.Join(analytics.BucketColumns, ", ") +
			" FROM analytics_referral_times WHERE grain = ? AND period >= ? AND period <= ? AND " + cond.sql,
			append([]any{string(sp.Grain), sp.From, sp.To}, cond.args...)})
	}
	return unionAll(parts)
}

// flowSource is a table (period, alliance_id, sender, receiver, direction,
// urgency, n) of the filter's first submissions.
func (s *Store) flowSource(f *analytics.Filter, raw bool) sqlPart {
	var cond sqlPart
	cond.sql = "1 = 1"
	if f.AllianceID != "" {
		cond.sql += " AND alliance_id = ?"
		cond.args = append(cond.args, f.AllianceID)
	}
	if f.InstitutionID != "" {
		switch f.Side {
		case analytics.Sent:
			cond.sql += " AND sender = ?"
			cond.args = append(cond.args, f.InstitutionID)
		case analytics.Received:
			cond.sql += " AND receiver = ?"
			cond.args = append(cond.args, f.InstitutionID)
		default:
			cond.sql += " AND (sender = ? OR receiver = ?)"
			cond.args = append(cond.args, f.InstitutionID, f.InstitutionID)
		}
	}
	if raw {
		return sqlPart{"SELECT period, alliance_id, sender, receiver, direction, urgency, 1 AS n FROM (" +
			s.flowFacts(true) + ") f WHERE " + cond.sql, append(s.bounds(f), cond.args...)}
	}
	var parts []sqlPart
	for _, sp := range s.flowSpans(f) {
		n := "n"
		if sp.less {
			n = "-n"
		}
		parts = append(parts, sqlPart{"SELECT * FROM (SELECT period, alliance_id, sender_institution_id AS sender, " +
			"receiver_institution_id AS receiver, direction, urgency, " + n + " AS n FROM analytics_referral_flows " +
			"WHERE grain = ? AND period >= ? AND period <= ?) x WHERE " + cond.sql,
			append([]any{string(sp.Grain), sp.From, sp.To}, cond.args...)})
	}
	return unionAll(parts)
}

// flowSpan is a span of flow rows read, added or (less) subtracted.
type flowSpan struct {
	analytics.Span
	less bool
}

// longFlowRange is the length, in days, from which a flows range is read as
// all time less the months and years outside it.
const longFlowRange = 3 * 366

// flowSpans are the spans a flows query of f's whole months reads: the
// years and months covering it (a range that reaches this month reads the
// whole of its last year, whose later months are empty); or, for a range of many years, all time
// less the years and months before it (from 1900) and after it (to the end
// of this month: nothing happens later). The second reads a few rows per
// sender–receiver pair instead of one per pair and year.
func (s *Store) flowSpans(f *analytics.Filter) []flowSpan {
	var out []flowSpan
	add := func(spans []analytics.Span, less bool) {
		for _, sp := range spans {
			out = append(out, flowSpan{sp, less})
		}
	}
	from, err1 := time.Parse(time.DateOnly, f.From)
	to, err2 := time.Parse(time.DateOnly, f.To)
	today, _ := time.Parse(time.DateOnly, analytics.DayOf(s.now()))
	monthEnd := time.Date(today.Year(), today.Month()+1, 0, 0, 0, 0, 0, time.UTC)
	if err1 != nil || err2 != nil || to.Sub(from) < longFlowRange*24*time.Hour {
		last := f.To
		if !to.Before(monthEnd) { // nothing is later: this year's row holds the months to come
			last = f.To[:4] + "-12-31"
		}
		add(analytics.Cover(f.From, last, analytics.Year), false)
		return out
	}
	out = append(out, flowSpan{analytics.Span{Grain: analytics.AllTime}, false})
	add(analytics.Cover("1900-01-01", from.AddDate(0, 0, -1).Format(time.DateOnly), analytics.Year), true)
	if to.Before(monthEnd) {
		add(analytics.Cover(to.AddDate(0, 0, 1).Format(time.DateOnly), monthEnd.Format(time.DateOnly), analytics.Year), true)
	}
	return out
}

// whereDirUrg filters a source on the filter's direction and urgency.
func whereDirUrg(f *analytics.Filter) sqlPart {
	p := sqlPart{sql: " WHERE 1 = 1"}
	if f.Direction != "" {
		p.sql += " AND direction = ?"
		p.args = append(p.args, string(f.Direction))
	}
	if f.Urgency != "" {
		p.sql += " AND urgency = ?"
		p.args = append(p.args, string(f.Urgency))
	}
	return p
}

// countRow is one group of an aggregated count query.
type countRow struct {
	keys []string
	c    analytics.Counts
}

// groupCounts sums a count source's measures grouped by key expressions.
func (s *Store) groupCounts(ctx context.Context, src sqlPart, f *analytics.Filter, keys []string) ([]countRow, error) {
	w := whereDirUrg(f)
	q := "SELECT " + strings.Join(keys, ", ") + ", " + sums(analytics.CountColumns, "") + " FROM (" + src.sql + ") x" +
		w.sql + " GROUP BY " + strings.Join(keys, ", ")
	rows, err := s.conn(ctx).Raw(q, append(src.args, w.args...)...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []countRow
	for rows.Next() {
		r := countRow{keys: make([]string, len(keys))}
		dst := make([]any, 0, len(keys)+len(analytics.CountColumns))
		for i := range r.keys {
			dst = append(dst, &r.keys[i])
		}
		for _, p := range r.c.Fields() {
			dst = append(dst, p)
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// histRow is one group of an aggregated histogram query.
type histRow struct {
	keys []string
	h    analytics.Histogram
}

// groupHistograms sums a time source into histograms grouped by key
// expressions (kind is always the first key); the map is keyed by the keys
// joined with NUL.
func (s *Store) groupHistograms(ctx context.Context, src sqlPart, f *analytics.Filter, keys []string) (map[string]*histRow, error) {
	w := whereDirUrg(f)
	q := "SELECT " + strings.Join(keys, ", ") + ", " + sums(analytics.BucketColumns, "") + " FROM (" + src.sql + ") x" + w.sql +
		" GROUP BY " + strings.Join(keys, ", ")
	rows, err := s.conn(ctx).Raw(q, append(src.args, w.args...)...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*histRow{}
	for rows.Next() {
		hr := &histRow{keys: make([]string, len(keys)), h: analytics.NewHistogram()}
		dst := make([]any, 0, len(keys)+len(hr.h))
		for i := range hr.keys {
			dst = append(dst, &hr.keys[i])
		}
		for i := range hr.h {
			dst = append(dst, &hr.h[i])
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		out[strings.Join(hr.keys, "\x00")] = hr
	}
	return out, rows.Err()
}
