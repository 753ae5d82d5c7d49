package store

import (
	"context"
	"time"

	"github.com/lianxin-hub/lianxin/internal/analytics"
)

// Consultation figures: eConsults, video consultations and (for all
// institutions or an alliance) ward rounds are read from the activity
// rollups (analytics_activity.go); a member's rounds and the lectures from
// their own rows, which keep their cases and attendees; staff trained from
// the training days and month masks (analytics_trainees.go). With q.Raw every figure is computed
// afresh from the raw tables (consultTotalsRaw), for the agreement test and
// the benchmark. Dates count as referrals do: asked on the day of
// submission, answered on the day of the answer, a video consultation or
// round on its day, staff trained on the day they attended.

const membersOf = "SELECT institution_id FROM memberships WHERE alliance_id = ?"

// instScope is the condition that an institution column belongs to the
// filter's scope: the member itself, a member of the alliance, or anything.
func instScope(f *analytics.Filter, col string) sqlPart {
	switch {
	case f.InstitutionID != "":
		return sqlPart{col + " = ?", []any{f.InstitutionID}}
	case f.AllianceID != "":
		return sqlPart{col + " IN (" + membersOf + ")", []any{f.AllianceID}}
	}
	return sqlPart{"1 = 1", nil}
}

// partyScope is the scope of a two-party record (requester and target):
// a member's sent side is what it asked, its received side what it was
// asked; an alliance's records are those its members asked.
func partyScope(f *analytics.Filter, requester, target string) sqlPart {
	if f.InstitutionID == "" {
		return instScope(f, requester)
	}
	switch f.Side {
	case analytics.Sent:
		return sqlPart{requester + " = ?", []any{f.InstitutionID}}
	case analytics.Received:
		return sqlPart{target + " = ?", []any{f.InstitutionID}}
	}
	return sqlPart{"(" + requester + " = ? OR " + target + " = ?)", []any{f.InstitutionID, f.InstitutionID}}
}

// AnalyticsConsults are the consultation figures: eConsults asked and
// answered, response times and the share resolved without a referral;
// video consultations held, their duration and attendance; ward rounds held,
// cases discussed and attendance; lectures held and attendance; staff
// trained. Referral filters (direction, urgency) do not apply.
func (s *Store) AnalyticsConsults(ctx context.Context, q AnalyticsQuery) (analytics.Consults, error) {
	var out analytics.Consults
	err := s.analyticsRead(ctx, "consults", &q, exactDays, func(ctx context.Context, sup analytics.Suppressor) error {
		totals := s.consultTotals
		if q.Raw {
			totals = s.consultTotalsRaw
		}
		t, err := totals(ctx, &q.Filter)
		if err != nil {
			return err
		}
		out = analytics.BuildConsults(q.Filter, sup, t)
		return nil
	})
	return out, err
}

// scalars runs a query returning one row of integers.
func (s *Store) scalars(ctx context.Context, q string, args []any, dst ...*int64) error {
	return s.conn(ctx).Raw(q, args...).Row().Scan(anyPtrs(dst)...)
}

func anyPtrs(ps []*int64) []any {
	out := make([]any, len(ps))
	for i, p := range ps {
		out[i] = p
	}
	return out
}

// consultTotals reads the consultation figures from the rollups.
func (s *Store) consultTotals(ctx context.Context, f *analytics.Filter) (analytics.ConsultTotals, error) {
	var t analytics.ConsultTotals
	by, err := s.activityBy(ctx, activitySource(scopeOf(f), f))
	if err != nil {
		return t, err
	}
	a := by[""]
	t.Asked, t.Answered, t.Resolved, t.Response = a["asked"], a["answered"], a["resolved"], a.histogram()
	t.VideoBooked, t.VideoHeld, t.VideoCancelled, t.NoShow = a["video_booked"], a["video_held"], a["video_cancelled"], a["video_no_show"]
	t.VideoRooms, t.VideoSeconds, t.VideoAttendees = a["video_rooms"], float64(a["video_seconds"]), a["video_attendees"]
	start, end := f.Bounds()
	t.RoundsHeld, t.RoundCases, t.RoundAttendees = a["rounds_held"], a["round_cases"], a["round_attendees"]
	if scopeOf(f) == scopeMember { // hosted or with a ward in them: from the occurrences
		rs := roundScope(f)
		if err := s.scalars(ctx, "SELECT COUNT(*), COALESCE(SUM(o.cases), 0), COALESCE(SUM(o.attendees), 0) FROM round_occurrences o "+
			"JOIN round_series rs ON rs.id = o.series_id WHERE o.starts_at >= ? AND o.starts_at < ? AND o.status = 'held' AND "+rs.sql,
			append([]any{start, end}, rs.args...), &t.RoundsHeld, &t.RoundCases, &t.RoundAttendees); err != nil {
			return t, err
		}
	}
	ls := lectureScope(f)
	if err := s.scalars(ctx, "SELECT COUNT(*), COALESCE(SUM(l.attendees), 0) FROM lectures l WHERE l.starts_at >= ? AND "+
		"l.starts_at < ? AND l.ends_at <= ? AND "+ls.sql, append([]any{start, end, s.now()}, ls.args...),
		&t.LecturesHeld, &t.LectureAttendees); err != nil {
		return t, err
	}
	t.StaffTrained, err = s.staffTrained(ctx, f, instScope(f, "institution_id"))
	return t, err
}

// consultTotalsRaw computes the consultation figures from the raw tables.
func (s *Store) consultTotalsRaw(ctx context.Context, f *analytics.Filter) (analytics.ConsultTotals, error) {
	var t analytics.ConsultTotals
	start, end := f.Bounds()
	in := func(col string) string { return col + " >= ? AND " + col + " < ?" }
	cs := partyScope(f, "requester_institution_id", "target_institution_id")
	if err := s.scalars(ctx, "SELECT COUNT(*) FROM consults WHERE "+in("submitted_at")+" AND "+cs.sql,
		append([]any{start, end}, cs.args...), &t.Asked); err != nil {
		return t, err
	}
	var err error
	if t.Response, t.Answered, t.Resolved, err = s.responseHistogram(ctx, start, end, cs); err != nil {
		return t, err
	}
	vs := partyScope(f, "v.requester_institution_id", "v.target_institution_id")
	rows, err := s.conn(ctx).Raw("SELECT v.status, COUNT(*) FROM video_consults v WHERE "+in("v.starts_at")+" AND "+vs.sql+
		" GROUP BY v.status", append([]any{start, end}, vs.args...)...).Rows()
	if err != nil {
		return t, err
	}
	for rows.Next() {
		var st string
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			rows.Close()
			return t, err
		}
		t.VideoBooked += n
		switch st {
		case "completed":
			t.VideoHeld = n
		case "cancelled":
			t.VideoCancelled = n
		case "no_show":
			t.NoShow = n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t, err
	}
	var secs int64
	if err := s.scalars(ctx, "SELECT COUNT(*), COALESCE(SUM(secs), 0), COALESCE(SUM(people), 0) FROM (SELECT v.id, "+
		"MAX("+s.epochExpr("ra.left_at")+") - MIN("+s.epochExpr("ra.joined_at")+") AS secs, COUNT(DISTINCT ra.user_id) AS people "+
		"FROM video_consults v JOIN room_attendance ra ON ra.room_id = v.room_id WHERE v.status = 'completed' AND "+
		in("v.starts_at")+" AND "+vs.sql+" GROUP BY v.id HAVING MAX(ra.left_at) IS NOT NULL) x",
		append([]any{start, end}, vs.args...), &t.VideoRooms, &secs, &t.VideoAttendees); err != nil {
		return t, err
	}
	t.VideoSeconds = float64(secs)
	rs := roundScope(f)
	held := " FROM round_occurrences o JOIN round_series rs ON rs.id = o.series_id WHERE o.status = 'held' AND " +
		in("o.starts_at") + " AND " + rs.sql
	args := append([]any{start, end}, rs.args...)
	if err := s.scalars(ctx, "SELECT COUNT(*)"+held, args, &t.RoundsHeld); err != nil {
		return t, err
	}
	if err := s.scalars(ctx, "SELECT COUNT(*) FROM round_cases c WHERE c.occurrence_id IN (SELECT o.id"+held+")", args, &t.RoundCases); err != nil {
		return t, err
	}
	if err := s.scalars(ctx, "SELECT COUNT(*) FROM (SELECT DISTINCT o.id, ra.user_id"+
		" FROM round_occurrences o JOIN round_series rs ON rs.id = o.series_id JOIN room_attendance ra ON ra.room_id = o.room_id"+
		" WHERE o.status = 'held' AND "+in("o.starts_at")+" AND "+rs.sql+") x", args, &t.RoundAttendees); err != nil {
		return t, err
	}
	ls := lectureScope(f)
	lec := " FROM lectures l WHERE " + in("l.starts_at") + " AND l.ends_at <= ? AND " + ls.sql
	largs := append([]any{start, end, s.now()}, ls.args...)
	if err := s.scalars(ctx, "SELECT COUNT(*)"+lec, largs, &t.LecturesHeld); err != nil {
		return t, err
	}
	if err := s.scalars(ctx, "SELECT COUNT(*) FROM (SELECT DISTINCT l.id, ra.user_id FROM lectures l "+
		"JOIN room_attendance ra ON ra.room_id = l.room_id WHERE "+in("l.starts_at")+" AND l.ends_at <= ? AND "+ls.sql+") x",
		largs, &t.LectureAttendees); err != nil {
		return t, err
	}
	us := instScope(f, "u.institution_id")
	if err := s.scalars(ctx, "SELECT COUNT(DISTINCT ra.user_id) FROM users u JOIN room_attendance ra ON ra.user_id = u.id "+
		"WHERE "+in("ra.joined_at")+" AND "+us.sql+" AND ra.room_id IN (SELECT id FROM rooms WHERE kind IN ('ward_round', 'lecture'))",
		append([]any{start, end}, us.args...), &t.StaffTrained); err != nil {
		return t, err
	}
	return t, nil
}

// roundScope: an alliance's rounds are those its members host; a member's
// are those it hosts or sends a ward to.
func roundScope(f *analytics.Filter) sqlPart {
	if f.InstitutionID != "" {
		return sqlPart{"(rs.host_institution_id = ? OR EXISTS (SELECT 1 FROM round_wards w WHERE w.series_id = rs.id AND w.institution_id = ?))",
			[]any{f.InstitutionID, f.InstitutionID}}
	}
	return instScope(f, "rs.host_institution_id")
}

// lectureScope: an alliance's lectures are its own; a member's those it presents.
func lectureScope(f *analytics.Filter) sqlPart {
	switch {
	case f.InstitutionID != "":
		return sqlPart{"l.presenter_institution_id = ?", []any{f.InstitutionID}}
	case f.AllianceID != "":
		return sqlPart{"l.alliance_id = ?", []any{f.AllianceID}}
	}
	return sqlPart{"1 = 1", nil}
}

// responseHistogram reads the eConsults answered in [start, end) within a
// scope: their response-time histogram, how many, and how many were not
// turned into a referral.
func (s *Store) responseHistogram(ctx context.Context, start, end time.Time, sc sqlPart) (analytics.Histogram, int64, int64, error) {
	h := analytics.NewHistogram()
	var answered, resolved int64
	rows, err := s.conn(ctx).Raw("SELECT b, COUNT(*), SUM(r) FROM (SELECT "+bucketExpr("COALESCE(response_seconds, 0)")+" AS b, "+
		"CASE WHEN referral_id = '' THEN 1 ELSE 0 END AS r FROM consults WHERE answered_at >= ? AND answered_at < ? AND "+
		sc.sql+") x GROUP BY b", append([]any{start, end}, sc.args...)...).Rows()
	if err != nil {
		return h, 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var b int
		var n, r int64
		if err := rows.Scan(&b, &n, &r); err != nil {
			return h, 0, 0, err
		}
		h[b] += n
		answered += n
		resolved += r
	}
	return h, answered, resolved, rows.Err()
}

// groupByInstitution runs a query returning (institution id, count) rows.
func (s *Store) groupByInstitution(ctx context.Context, q string, args []any) (map[string]int64, error) {
	rows, err := s.conn(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] += n
	}
	return out, rows.Err()
}

// consultsByMember counts, per member of f's alliance, the eConsults it
// asked and those it answered in f's range (from the raw tables when raw).
func (s *Store) consultsByMember(ctx context.Context, f *analytics.Filter, raw bool) (asked, answered map[string]int64, err error) {
	if !raw {
		sent, received, err := s.activityByMember(ctx, f)
		asked, answered = map[string]int64{}, map[string]int64{}
		for inst, t := range sent {
			asked[inst] = t["asked"]
		}
		for inst, t := range received {
			answered[inst] = t["answered"]
		}
		return asked, answered, err
	}
	start, end := f.Bounds()
	asked, err = s.groupByInstitution(ctx, "SELECT requester_institution_id, COUNT(*) FROM consults WHERE submitted_at >= ? "+
		"AND submitted_at < ? AND requester_institution_id IN ("+membersOf+") GROUP BY requester_institution_id",
		[]any{start, end, f.AllianceID})
	if err != nil {
		return nil, nil, err
	}
	answered, err = s.groupByInstitution(ctx, "SELECT target_institution_id, COUNT(*) FROM consults WHERE answered_at >= ? "+
		"AND answered_at < ? AND target_institution_id IN ("+membersOf+") GROUP BY target_institution_id",
		[]any{start, end, f.AllianceID})
	return asked, answered, err
}
