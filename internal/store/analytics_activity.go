package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/analytics"
)

// The consultation figures' rollups (migration 0012). analytics_activity
// keeps the eConsult and video-consultation measures per day, month and
// year, for all institutions and for each institution's sent and received
// sides (an institution never asks itself: the stores refuse it, so its
// whole is the sum of its two sides), and the ward rounds held, with their
// cases and attendees, for all institutions and on the host's sent side. It
// is kept live by recomputation, not by increments: whatever changes a
// consultation or round (asked, answered, turned into a referral, booked,
// moved, cancelled, held, a case presented, its room's attendance)
// recomputes the day rows of
// the days and institutions it touches from the raw rows — with the very
// query the rebuild runs over all days — and then sums those days' months
// and years afresh. A change need not know what it changed, and a live row
// equals a rebuilt one by construction. On PostgreSQL a transaction takes a
// transaction-scoped advisory lock per institution (and one for the
// all-institution rows) before it recomputes, so two transactions touching
// the same rows recompute one after the other, the second seeing the
// first's committed rows (READ COMMITTED takes a snapshot per statement).
//
// Round occurrences and lectures keep their cases and attendees on their
// own rows (refreshRoomCounts); a member's rounds (hosted, or with a ward in
// them) and the lectures, a few thousand, are read from those rows. Staff
// trained: analytics_trainees.go.

// activityMeasures are analytics_activity's measure columns, then the
// response-time histogram's buckets.
var activityMeasures = append([]string{"asked", "answered", "resolved", "video_booked", "video_held", "video_cancelled",
	"video_no_show", "video_rooms", "video_seconds", "video_attendees", "rounds_held", "round_cases", "round_attendees"},
	analytics.BucketColumns...)

// activityMigration is the migration that creates the activity rollups;
// Migrate fills them when it applies it.
const activityMigration = 12

// activityLockClass is the first key of the advisory locks of the activity
// rows (the second is the institution's hash).
const activityLockClass = 0x6c78_0012

// activityBranch is one kind of raw fact: rows of a table counted on the
// day of one instant, with their measure expressions (others are 0).
type activityBranch struct {
	from     string // FROM clause; the fact's row is aliased x
	at       string // the instant the fact counts on
	measures map[string]string
	sides    []string // the sides it has rows of; nil: all
}

// attended is the condition that a held video consultation's room recorded
// a whole stay, which gives it a duration.
const attended = "x.status = 'completed' AND EXISTS (SELECT 1 FROM room_attendance ra WHERE ra.room_id = x.room_id AND ra.left_at IS NOT NULL)"

func (s *Store) activityBranches() []activityBranch {
	answered := map[string]string{"answered": "1", "resolved": "CASE WHEN x.referral_id = '' THEN 1 ELSE 0 END"}
	for i, c := range analytics.BucketColumns {
		answered[c] = "CASE WHEN x.bucket = " + itoa(i) + " THEN 1 ELSE 0 END"
	}
	return []activityBranch{
		{"consults x", "x.submitted_at", map[string]string{"asked": "1"}, nil},
		{"(SELECT requester_institution_id, target_institution_id, answered_at, referral_id, " +
			bucketExpr("COALESCE(response_seconds, 0)") + " AS bucket FROM consults WHERE answered_at IS NOT NULL) x",
			"x.answered_at", answered, nil},
		{"video_consults x", "x.starts_at", map[string]string{
			"video_booked":    "1",
			"video_held":      "CASE WHEN x.status = 'completed' THEN 1 ELSE 0 END",
			"video_cancelled": "CASE WHEN x.status = 'cancelled' THEN 1 ELSE 0 END",
			"video_no_show":   "CASE WHEN x.status = 'no_show' THEN 1 ELSE 0 END",
			"video_rooms":     "CASE WHEN " + attended + " THEN 1 ELSE 0 END",
			"video_seconds": "CASE WHEN " + attended + " THEN (SELECT MAX(" + s.epochExpr("ra.left_at") + ") - MIN(" +
				s.epochExpr("ra.joined_at") + ") FROM room_attendance ra WHERE ra.room_id = x.room_id) ELSE 0 END",
			"video_attendees": "CASE WHEN " + attended + " THEN (SELECT COUNT(DISTINCT ra.user_id) FROM room_attendance ra " +
				"WHERE ra.room_id = x.room_id) ELSE 0 END",
		}, nil},
		{"(SELECT o.starts_at, o.cases, o.attendees, rs.host_institution_id AS requester_institution_id FROM round_occurrences o " +
			"JOIN round_series rs ON rs.id = o.series_id WHERE o.status = 'held') x", "x.starts_at",
			map[string]string{"rounds_held": "1", "round_cases": "x.cases", "round_attendees": "x.attendees"},
			[]string{"", string(analytics.Sent)}},
	}
}

// activityDays is the query of the activity day rows (institution_id,
// side, period, measures…) computed from the raw rows: of the institutions
// in keys ("" being the all-institution rows; nil: every row) over the
// instants [start, end) (nil: all time).
func (s *Store) activityDays(keys []string, start, end *time.Time) sqlPart {
	var members []string
	global := keys == nil
	for _, k := range keys {
		if k == "" {
			global = true
		} else {
			members = append(members, k)
		}
	}
	type side struct{ name, inst string }
	var sides []side
	if global {
		sides = append(sides, side{"", "''"})
	}
	if keys == nil || len(members) > 0 {
		sides = append(sides, side{"sent", "x.requester_institution_id"}, side{"received", "x.target_institution_id"})
	}
	var parts []sqlPart
	for _, b := range s.activityBranches() {
		cols := make([]string, len(activityMeasures))
		for i, m := range activityMeasures {
			cols[i] = "0"
			if e, ok := b.measures[m]; ok {
				cols[i] = e
			}
			cols[i] += " AS " + m
		}
		for _, sd := range sides {
			if b.sides != nil && !slices.Contains(b.sides, sd.name) {
				continue
			}
			p := sqlPart{sql: "SELECT " + sd.inst + " AS institution_id, '" + sd.name + "' AS side, " + s.dayExpr(b.at) +
				" AS period, " + strings.Join(cols, ", ") + " FROM " + b.from + " WHERE 1 = 1"}
			if start != nil {
				p.sql += " AND " + b.at + " >= ? AND " + b.at + " < ?"
				p.args = append(p.args, *start, *end)
			}
			if sd.name != "" && keys != nil {
				p.sql += " AND " + sd.inst + " IN ?"
				p.args = append(p.args, members)
			}
			parts = append(parts, p)
		}
	}
	u := unionAll(parts)
	return sqlPart{"SELECT institution_id, side, period, " + sums(activityMeasures, "") + " FROM (" + u.sql +
		") f GROUP BY institution_id, side, period", u.args}
}

// writeActivityDays replaces the day rows of keys (nil: all) on the days
// from..to (YYYY-MM-DD; the instants [start, end)) with their recomputation.
// Rows are written in key order (here and in deriveActivity), so that a
// rebuilt table keeps each institution's rows together: a member table
// reads them member by member.
func (s *Store) writeActivityDays(ctx context.Context, keys []string, from, to string, start, end *time.Time) error {
	del := sqlPart{"DELETE FROM analytics_activity WHERE grain = 'd'", nil}
	if keys != nil {
		del.sql += " AND institution_id IN ? AND period >= ? AND period <= ?"
		del.args = []any{keys, from, to}
	}
	if err := s.conn(ctx).Exec(del.sql, del.args...).Error; err != nil {
		return err
	}
	q := s.activityDays(keys, start, end)
	return s.conn(ctx).Exec("INSERT INTO analytics_activity (grain, institution_id, side, period, "+
		strings.Join(activityMeasures, ", ")+") SELECT 'd', x.* FROM ("+q.sql+") x ORDER BY 1, 2, 3, 4", q.args...).Error
}

// deriveActivity replaces the rows of grain g (Month or Year) of keys (nil:
// all) for the periods from..to of that grain with the sums of the next
// finer grain's rows.
func (s *Store) deriveActivity(ctx context.Context, keys []string, g analytics.Grain, from, to string) error {
	finer, n := analytics.Day, 7
	if g == analytics.Year {
		finer, n = analytics.Month, 4
	}
	scope := sqlPart{"", nil}
	if keys != nil {
		scope = sqlPart{" AND institution_id IN ? AND period >= ? AND period <= ?", []any{keys, from, to}}
	}
	if err := s.conn(ctx).Exec("DELETE FROM analytics_activity WHERE grain = ?"+scope.sql,
		append([]any{string(g)}, scope.args...)...).Error; err != nil {
		return err
	}
	inner := scope
	if keys != nil { // the finer periods of from..to
		first, last := from+"-01", to+"-31"
		if g == analytics.Year {
			last = to + "-12"
		}
		inner.args = []any{keys, first, last}
	}
	period := "substr(period, 1, " + itoa(n) + ")"
	return s.conn(ctx).Exec("INSERT INTO analytics_activity (grain, institution_id, side, period, "+strings.Join(activityMeasures, ", ")+
		") SELECT ?, institution_id, side, "+period+", "+sums(activityMeasures, "")+" FROM analytics_activity WHERE grain = ?"+
		inner.sql+" GROUP BY institution_id, side, "+period+" ORDER BY 2, 3, 4", append([]any{string(g), string(finer)}, inner.args...)...).Error
}

// refreshActivity recomputes the activity rows of the China days of the
// instants ats, for the institutions insts and for all institutions, inside
// the caller's transaction.
func (s *Store) refreshActivity(ctx context.Context, ats []time.Time, insts ...string) error {
	keys := []string{""}
	for _, in := range insts {
		if in != "" && !slices.Contains(keys, in) {
			keys = append(keys, in)
		}
	}
	slices.Sort(keys)
	if s.dialect == Postgres {
		for _, k := range keys {
			if err := s.conn(ctx).Exec("SELECT pg_advisory_xact_lock(?, hashtext(?))", activityLockClass, k).Error; err != nil {
				return err
			}
		}
	}
	var days []string
	for _, at := range ats {
		if d := analytics.DayOf(at); !slices.Contains(days, d) {
			days = append(days, d)
		}
	}
	slices.Sort(days)
	for _, d := range days {
		day, _ := time.ParseInLocation(time.DateOnly, d, analytics.Zone)
		start, end := day.UTC(), day.AddDate(0, 0, 1).UTC() // SQLite compares instants as UTC text
		if err := s.writeActivityDays(ctx, keys, d, d, &start, &end); err != nil {
			return err
		}
		if err := s.deriveActivity(ctx, keys, analytics.Month, d[:7], d[:7]); err != nil {
			return err
		}
		if err := s.deriveActivity(ctx, keys, analytics.Year, d[:4], d[:4]); err != nil {
			return err
		}
	}
	return nil
}

// RebuildActivity recomputes the consultation rollups from the raw tables:
// the cases and attendees kept on each round occurrence and lecture, the
// people trained, and every analytics_activity row. It runs in one
// transaction; on PostgreSQL live refreshes wait for it, then recompute
// their rows from what it left.
func (s *Store) RebuildActivity(ctx context.Context) (int64, error) {
	var n int64
	err := s.WithTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		if s.dialect == Postgres {
			if err := db.Exec("LOCK TABLE analytics_activity, analytics_trained, analytics_trainees IN EXCLUSIVE MODE").Error; err != nil {
				return err
			}
		}
		for _, q := range []string{
			"UPDATE round_occurrences SET cases = (SELECT COUNT(*) FROM round_cases c WHERE c.occurrence_id = round_occurrences.id), " +
				"attendees = (SELECT COUNT(DISTINCT ra.user_id) FROM room_attendance ra WHERE ra.room_id = round_occurrences.room_id)",
			"UPDATE lectures SET attendees = (SELECT COUNT(DISTINCT ra.user_id) FROM room_attendance ra WHERE ra.room_id = lectures.room_id)",
			"DELETE FROM analytics_trained",
			"DELETE FROM analytics_trainees",
			"INSERT INTO analytics_trained (institution_id, day, user_id) SELECT DISTINCT u.institution_id, " + s.dayExpr("ra.joined_at") +
				", ra.user_id FROM room_attendance ra JOIN rooms r ON r.id = ra.room_id JOIN users u ON u.id = ra.user_id " +
				"WHERE r.kind IN ('" + RoomWardRound + "', '" + RoomLecture + "')",
		} {
			if err := db.Exec(q).Error; err != nil {
				return err
			}
		}
		if err := s.fillTrainees(ctx); err != nil {
			return err
		}
		if err := s.writeActivityDays(ctx, nil, "", "", nil, nil); err != nil {
			return err
		}
		if err := s.deriveActivity(ctx, nil, analytics.Month, "", ""); err != nil {
			return err
		}
		if err := s.deriveActivity(ctx, nil, analytics.Year, "", ""); err != nil {
			return err
		}
		return db.Raw("SELECT (SELECT COUNT(*) FROM analytics_activity) + (SELECT COUNT(*) FROM analytics_trained) + " +
			"(SELECT COUNT(*) FROM analytics_trainees)").Scan(&n).Error
	})
	return n, err
}

// refreshRoomCounts brings the analytics of a room up to date after its
// attendance changed: a video consultation's activity rows (its duration
// and attendees); after a stay began at *joinedAt (nil: one ended, which
// changes no other figure) also a ward round's or lecture's attendees and the
// person's training day.
func (s *Store) refreshRoomCounts(ctx context.Context, roomID, userID string, joinedAt *time.Time) error {
	var room roomRow
	if err := s.conn(ctx).Where("id = ?", roomID).Take(&room).Error; err != nil {
		return err
	}
	db := s.conn(ctx)
	if room.Kind == RoomVideoConsult {
		var v videoRow
		if err := db.Where("id = ?", room.RefID).Take(&v).Error; err != nil {
			return err
		}
		return s.refreshActivity(ctx, []time.Time{v.StartsAt}, v.RequesterInstitutionID, v.TargetInstitutionID)
	}
	if joinedAt == nil {
		return nil
	}
	count := "(SELECT COUNT(DISTINCT ra.user_id) FROM room_attendance ra WHERE ra.room_id = ?)"
	switch room.Kind {
	case RoomWardRound:
		if err := db.Exec("UPDATE round_occurrences SET attendees = "+count+" WHERE room_id = ?", roomID, roomID).Error; err != nil {
			return err
		}
		if err := s.refreshRound(ctx, room.RefID); err != nil {
			return err
		}
	case RoomLecture:
		if err := db.Exec("UPDATE lectures SET attendees = "+count+" WHERE room_id = ?", roomID, roomID).Error; err != nil {
			return err
		}
	default:
		return nil
	}
	return s.markTrainee(ctx, userID, analytics.DayOf(*joinedAt))
}

// refreshRound recomputes the activity rows of a round occurrence's day
// (held, cases, attendees) for all institutions and its host.
func (s *Store) refreshRound(ctx context.Context, occurrenceID string) error {
	var o struct {
		StartsAt          time.Time
		HostInstitutionID string
	}
	if err := s.conn(ctx).Raw("SELECT o.starts_at, rs.host_institution_id FROM round_occurrences o JOIN round_series rs "+
		"ON rs.id = o.series_id WHERE o.id = ?", occurrenceID).Scan(&o).Error; err != nil {
		return err
	}
	return s.refreshActivity(ctx, []time.Time{o.StartsAt}, o.HostInstitutionID)
}

// activitySource is the filter's activity rows over the covering spans
// (columns side, then the measures), for a scope: all institutions, an
// alliance (its members' sent rows), one member's sides, or every member of
// the alliance (institution_id first).
func activitySource(sk scopeKind, f *analytics.Filter) sqlPart {
	var cond sqlPart
	switch sk {
	case scopeAlliance:
		cond = sqlPart{"institution_id IN (" + membersOf + ") AND side = 'sent'", []any{f.AllianceID}}
	case scopeMember:
		cond = sqlPart{"institution_id = ? AND side IN ?", []any{f.InstitutionID, sidesOf(f)}}
	case scopeMembers:
		cond = sqlPart{"institution_id IN (" + membersOf + ") AND side IN ('sent', 'received')", []any{f.AllianceID}}
	default:
		cond = sqlPart{"institution_id = '' AND side = ''", nil}
	}
	var parts []sqlPart
	for _, sp := range analytics.Cover(f.From, f.To, analytics.Year) {
		parts = append(parts, sqlPart{"SELECT institution_id, side, " + strings.Join(activityMeasures, ", ") +
			" FROM analytics_activity WHERE grain = ? AND period >= ? AND period <= ? AND " + cond.sql,
			append([]any{string(sp.Grain), sp.From, sp.To}, cond.args...)})
	}
	return unionAll(parts)
}

// activityByMember sums the activity rows of every member of f's alliance
// over f's range: by institution, what it asked (sent) and was asked
// (received).
func (s *Store) activityByMember(ctx context.Context, f *analytics.Filter) (sent, received map[string]activityTotals, err error) {
	by, err := s.activityBy(ctx, activitySource(scopeMembers, f), "institution_id", "side")
	if err != nil {
		return nil, nil, err
	}
	sent, received = map[string]activityTotals{}, map[string]activityTotals{}
	for k, t := range by {
		inst, side, _ := strings.Cut(k, "\x00")
		if side == string(analytics.Sent) {
			sent[inst] = t
		} else {
			received[inst] = t
		}
	}
	return sent, received, nil
}

// activityTotals are summed activity measures, by name.
type activityTotals map[string]int64

// histogram is the response-time histogram of t.
func (t activityTotals) histogram() analytics.Histogram {
	h := analytics.NewHistogram()
	for i, c := range analytics.BucketColumns {
		h[i] = t[c]
	}
	return h
}

// activityBy sums an activity source grouped by keys (columns of the
// source); the map is keyed by the keys joined with NUL.
func (s *Store) activityBy(ctx context.Context, src sqlPart, keys ...string) (map[string]activityTotals, error) {
	q := "SELECT " + strings.Join(append(slices.Clone(keys), sums(activityMeasures, "")), ", ") + " FROM (" + src.sql + ") x"
	if len(keys) > 0 {
		q += " GROUP BY " + strings.Join(keys, ", ")
	}
	rows, err := s.conn(ctx).Raw(q, src.args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]activityTotals{}
	for rows.Next() {
		ks := make([]string, len(keys))
		vals := make([]*int64, len(activityMeasures))
		dst := make([]any, 0, len(ks)+len(vals))
		for i := range ks {
			dst = append(dst, &ks[i])
		}
		for i := range vals {
			dst = append(dst, &vals[i])
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		t := activityTotals{}
		for i, m := range activityMeasures {
			if vals[i] != nil {
				t[m] = *vals[i]
			}
		}
		out[strings.Join(ks, "\x00")] = t
	}
	return out, rows.Err()
}
