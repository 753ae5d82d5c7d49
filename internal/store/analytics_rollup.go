package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/lianxin-hub/lianxin/internal/analytics"
	"github.com/lianxin-hub/lianxin/internal/referral"
)

// The referral rollups (migration 0009) are kept live: every transition adds
// its tally (analytics.Tally) to the rows of its cell in the transition's own
// transaction, with one multi-row upsert per table. A cell is written in
// four scopes — all alliances and the alliance (by day, month and year),
// the sender's sent side and the receiver's received side (by month and
// year). Rows are written in primary-key order so that concurrent
// transitions lock shared rows in the same order and cannot deadlock on them.

// countKey is a rollup row's key, in primary-key order.
type countKey struct {
	grain, alliance, institution, side, period, direction, urgency string
}

func (k countKey) less(o countKey) int {
	return slices.Compare([]string{k.grain, k.alliance, k.institution, k.side, k.period, k.direction, k.urgency},
		[]string{o.grain, o.alliance, o.institution, o.side, o.period, o.direction, o.urgency})
}

// rollupKeys returns the rows a referral's event on day counts in.
func rollupKeys(r *referral.Referral, day string) []countKey {
	var keys []countKey
	add := func(grains []analytics.Grain, alliance, inst, side string) {
		for _, g := range grains {
			keys = append(keys, countKey{string(g), alliance, inst, side, analytics.PeriodOf(day, g),
				string(r.Direction), string(r.Urgency)})
		}
	}
	add(analytics.TotalGrains, "", "", "")
	add(analytics.TotalGrains, r.AllianceID, "", "")
	add(analytics.MemberGrains, r.AllianceID, r.SenderInstitutionID, string(analytics.Sent))
	add(analytics.MemberGrains, r.AllianceID, r.ReceiverInstitutionID, string(analytics.Received))
	slices.SortFunc(keys, countKey.less)
	return keys
}

// rollupReferral adds one transition to the live rollups, inside the
// transition's transaction (called by afterTransition).
func (s *Store) rollupReferral(ctx context.Context, r *referral.Referral, ev referral.Event) error {
	c, times := analytics.Tally(r, ev)
	if c.IsZero() && len(times) == 0 {
		return nil // holds and resumes change no figure
	}
	day := analytics.DayOf(ev.At)
	keys := rollupKeys(r, day)
	db := s.conn(ctx)
	if !c.IsZero() {
		// The counts are kept by ISO week too, for all alliances and the
		// alliance (weekly trends).
		counted := slices.Clone(keys)
		for _, al := range []string{"", r.AllianceID} {
			counted = append(counted, countKey{string(analytics.Week), al, "", "", analytics.PeriodOf(day, analytics.Week),
				string(r.Direction), string(r.Urgency)})
		}
		slices.SortFunc(counted, countKey.less)
		q, args := upsertCounts(counted, c)
		if err := db.Exec(q, args...).Error; err != nil {
			return fmt.Errorf("analytics rollup: %w", err)
		}
	}
	for _, t := range times {
		q, args := upsertTimes(keys, t.Kind, analytics.Bucket(t.Seconds))
		if err := db.Exec(q, args...).Error; err != nil {
			return fmt.Errorf("analytics rollup: %w", err)
		}
	}
	if c.Submitted > 0 {
		q, args := upsertFlows(r, day)
		if err := db.Exec(q, args...).Error; err != nil {
			return fmt.Errorf("analytics rollup: %w", err)
		}
	}
	return nil
}

var countKeyColumns = "grain, alliance_id, institution_id, side, period, direction, urgency"

func placeholders(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

// upsertCounts adds c's non-zero counts to the rows of keys.
func upsertCounts(keys []countKey, c analytics.Counts) (string, []any) {
	var cols []string
	var vals []any
	for i, f := range c.Fields() {
		if *f != 0 {
			cols, vals = append(cols, analytics.CountColumns[i]), append(vals, *f)
		}
	}
	return upsert("analytics_referrals", countKeyColumns, keys, nil, cols, vals)
}

// upsertTimes adds one delay to bucket b of the rows of keys.
func upsertTimes(keys []countKey, kind analytics.TimeKind, b int) (string, []any) {
	return upsert("analytics_referral_times", countKeyColumns+", kind", keys, []any{string(kind)},
		[]string{analytics.BucketColumns[b]}, []any{1})
}

// upsert is INSERT … ON CONFLICT DO UPDATE SET col = col + excluded.col for
// the rows of keys (each followed by extra key values) and the columns cols.
func upsert(table, keyCols string, keys []countKey, extra []any, cols []string, vals []any) (string, []any) {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + keyCols + ", " + strings.Join(cols, ", ") + ") VALUES ")
	row := placeholders(7 + len(extra) + len(cols))
	var args []any
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
		args = append(args, k.grain, k.alliance, k.institution, k.side, k.period, k.direction, k.urgency)
		args = append(append(args, extra...), vals...)
	}
	b.WriteString(" ON CONFLICT (" + keyCols + ") DO UPDATE SET ")
	for i, col := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = %s.%s + excluded.%s", col, table, col, col)
	}
	return b.String(), args
}

func upsertFlows(r *referral.Referral, day string) (string, []any) {
	var b strings.Builder
	b.WriteString("INSERT INTO analytics_referral_flows (grain, alliance_id, period, sender_institution_id, " +
		"receiver_institution_id, direction, urgency, n) VALUES ")
	var args []any
	for i, g := range append([]analytics.Grain{analytics.AllTime}, analytics.MemberGrains...) { // key order
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(placeholders(8))
		args = append(args, string(g), r.AllianceID, analytics.PeriodOf(day, g), r.SenderInstitutionID,
			r.ReceiverInstitutionID, string(r.Direction), string(r.Urgency), 1)
	}
	b.WriteString(" ON CONFLICT (grain, alliance_id, period, sender_institution_id, receiver_institution_id, direction, urgency) " +
		"DO UPDATE SET n = analytics_referral_flows.n + excluded.n")
	return b.String(), args
}

// dayExpr is the China Standard Time day (YYYY-MM-DD) of a UTC timestamp column.
func (s *Store) dayExpr(col string) string {
	if s.dialect == Postgres {
		return "to_char(" + col + " + interval '8 hours', 'YYYY-MM-DD')"
	}
	return "date(" + col + ", '+8 hours')"
}

// epochExpr is a UTC timestamp column's whole seconds since 1970 (see analytics.Seconds).
func (s *Store) epochExpr(col string) string {
	if s.dialect == Postgres {
		return "CAST(floor(extract(epoch from " + col + ")) AS BIGINT)"
	}
	return "CAST(strftime('%s', " + col + ") AS INTEGER)"
}

// bucketExpr is analytics.Bucket of a seconds expression, in SQL.
func bucketExpr(secs string) string {
	var b strings.Builder
	b.WriteString("CASE")
	for i := len(analytics.BucketEdges) - 1; i > 0; i-- {
		fmt.Fprintf(&b, " WHEN %s >= %d THEN %d", secs, analytics.BucketEdges[i]*60, i)
	}
	b.WriteString(" ELSE 0 END")
	return b.String()
}

// ftMet is the fast track's "both clocks met" test on a referral row r.
const ftMet = "((r.accept_due_at IS NULL OR (r.accepted_at IS NOT NULL AND r.accepted_at <= r.accept_due_at)) AND " +
	"(r.admit_due_at IS NULL OR (r.arrived_at IS NOT NULL AND r.arrived_at <= r.admit_due_at)))"

// factColumns classify each raw referral event (e) of a referral row (r)
// the way analytics.Tally does, in CountColumns order.
var factColumns = []string{
	"CASE WHEN e.action = 'create' THEN 1 ELSE 0 END",
	"CASE WHEN (e.action = 'create' AND e.to_status = 'requested') OR (e.action = 'submit' AND e.from_status = 'draft') THEN 1 ELSE 0 END",
	"CASE WHEN e.action = 'submit' AND e.from_status <> 'draft' THEN 1 ELSE 0 END",
	"CASE WHEN e.action = 'accept' THEN 1 ELSE 0 END",
	"CASE WHEN e.action = 'return' THEN 1 ELSE 0 END",
	"CASE WHEN e.action = 'redirect' THEN 1 ELSE 0 END",
	"CASE WHEN e.action = 'cancel' AND e.from_status <> 'draft' THEN 1 ELSE 0 END",
	"CASE WHEN e.action = 'fail' THEN 1 ELSE 0 END",
	"CASE WHEN e.action = 'schedule' AND e.from_status = 'accepted' THEN 1 ELSE 0 END",
	"CASE WHEN e.action = 'arrive' THEN 1 ELSE 0 END",
	"CASE WHEN e.action = 'complete' THEN 1 ELSE 0 END",
	"CASE WHEN e.action = 'arrive' AND r.urgency = 'fast_track' AND " + ftMet + " THEN 1 ELSE 0 END",
	"CASE WHEN r.urgency = 'fast_track' AND ((e.action = 'arrive' AND NOT " + ftMet + ") OR " +
		"(e.action IN ('redirect', 'cancel', 'fail') AND e.from_status NOT IN ('returned', 'draft') AND " +
		"r.arrived_at IS NULL AND r.admit_due_at IS NOT NULL AND e.at > r.admit_due_at)) THEN 1 ELSE 0 END",
	`CASE WHEN e.action = 'complete' AND r.direction = 'down' AND r.follow_up LIKE '%"onTime":true}' THEN 1 ELSE 0 END`,
	`CASE WHEN e.action = 'complete' AND r.direction = 'down' AND r.follow_up LIKE '%"onTime":false}' THEN 1 ELSE 0 END`,
}

// eventFacts is the raw source of the count rollups: one row per referral
// event in [start, end) (all events when bounded is false) with its day,
// cell and tally. Columns: period, alliance_id, sender, receiver,
// direction, urgency, then CountColumns.
func (s *Store) eventFacts(bounded bool) string {
	cols := make([]string, len(factColumns))
	for i, c := range factColumns {
		cols[i] = c + " AS " + analytics.CountColumns[i]
	}
	q := "SELECT " + s.dayExpr("e.at") + " AS period, r.alliance_id, r.sender_institution_id AS sender, " +
		"r.receiver_institution_id AS receiver, r.direction, r.urgency, " + strings.Join(cols, ", ") +
		" FROM referral_events e JOIN referrals r ON r.id = e.referral_id"
	if bounded {
		q += " WHERE e.at >= ? AND e.at < ?"
	}
	return q
}

// timeFacts is the raw source of the delay histograms: one row per timed
// event. Columns: period, alliance_id, sender, receiver, direction,
// urgency, kind, bucket.
func (s *Store) timeFacts(bounded bool) string {
	secs := s.epochExpr("e.at") + " - " + s.epochExpr("r.submitted_at")
	q := "SELECT " + s.dayExpr("e.at") + " AS period, r.alliance_id, r.sender_institution_id AS sender, " +
		"r.receiver_institution_id AS receiver, r.direction, r.urgency, " +
		"CASE e.action WHEN 'accept' THEN 'accept' WHEN 'schedule' THEN 'schedule' ELSE 'admit' END AS kind, " +
		bucketExpr(secs) + " AS bucket FROM referral_events e JOIN referrals r ON r.id = e.referral_id " +
		"WHERE (e.action IN ('accept', 'arrive') OR (e.action = 'schedule' AND e.from_status = 'accepted')) " +
		"AND r.submitted_at IS NOT NULL"
	if bounded {
		q += " AND e.at >= ? AND e.at < ?"
	}
	return q
}

// flowFacts is the raw source of the flows: one row per first submission.
// Columns: period, alliance_id, sender, receiver, direction, urgency.
func (s *Store) flowFacts(bounded bool) string {
	q := "SELECT " + s.dayExpr("e.at") + " AS period, r.alliance_id, r.sender_institution_id AS sender, " +
		"r.receiver_institution_id AS receiver, r.direction, r.urgency FROM referral_events e " +
		"JOIN referrals r ON r.id = e.referral_id WHERE ((e.action = 'create' AND e.to_status = 'requested') OR " +
		"(e.action = 'submit' AND e.from_status = 'draft'))"
	if bounded {
		q += " AND e.at >= ? AND e.at < ?"
	}
	return q
}

func sums(cols []string, prefix string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = "SUM(" + prefix + c + ")"
	}
	return strings.Join(out, ", ")
}

// itoa is strconv.Itoa, for building SQL of integers.
func itoa(n int) string { return strconv.Itoa(n) }
