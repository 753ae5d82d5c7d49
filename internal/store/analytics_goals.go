package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/lianxin-hub/lianxin/internal/analytics"
	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/referral"
)

type goalRow struct {
	ID            string `gorm:"primaryKey"`
	AllianceID    string
	InstitutionID string
	Year          int
	Measure       string
	Target        float64
	Weight        float64
	Version       int
	CreatedBy     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (goalRow) TableName() string { return "analytics_goals" }

func (r *goalRow) domain() analytics.Goal {
	return analytics.Goal{ID: r.ID, AllianceID: r.AllianceID, InstitutionID: r.InstitutionID, Year: r.Year,
		Measure: analytics.Measure(r.Measure), Target: r.Target, Weight: r.Weight, Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// ListGoals returns an alliance's goals of a year (0: every year), by
// institution and measure. Administrators of the alliance see them all; a
// convener sees their own institution's. The read is audited. Errors:
// not_found (alliance), forbidden.
func (s *Store) ListGoals(ctx context.Context, allianceID string, year int) ([]analytics.Goal, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var out []analytics.Goal
	err = s.WithTx(ctx, func(ctx context.Context) error {
		f := analytics.Filter{AllianceID: allianceID}
		if err := s.authorizeAnalytics(ctx, a, &f); err != nil {
			return err
		}
		if f.AllianceID == "" {
			return apperr.InvalidField("alliance", "choose the alliance")
		}
		db := s.conn(ctx).Where("alliance_id = ?", f.AllianceID)
		if year != 0 {
			db = db.Where("year = ?", year)
		}
		if f.InstitutionID != "" {
			db = db.Where("institution_id = ?", f.InstitutionID)
		}
		var rows []goalRow
		if err := db.Order("year, institution_id, measure").Find(&rows).Error; err != nil {
			return err
		}
		for i := range rows {
			out = append(out, rows[i].domain())
		}
		return s.record(ctx, Audit{Action: AuditAnalyticsRead, TargetType: "analytics", TargetID: "goals",
			Detail: fmt.Sprintf("alliance=%s year=%d", f.AllianceID, year)})
	})
	return out, err
}

// CreateGoal sets a target for a member of the alliance for a year.
// Errors: invalid, forbidden (not an administrator of the alliance),
// not_found (alliance), conflict (the member already has a goal for that
// measure and year).
func (s *Store) CreateGoal(ctx context.Context, g analytics.Goal) (analytics.Goal, error) {
	a, err := actor(ctx)
	if err != nil {
		return g, err
	}
	if err := g.Validate(); err != nil {
		return g, err
	}
	err = s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.requireAnalyticsAdmin(ctx, g.AllianceID); err != nil {
			return err
		}
		if !s.isMember(ctx, g.AllianceID, g.InstitutionID) {
			return apperr.InvalidField("institutionId", "the institution is not a member of this alliance")
		}
		now := s.now()
		g.ID, g.Version, g.CreatedAt, g.UpdatedAt = newID(), 1, now, now
		row := goalRow{ID: g.ID, AllianceID: g.AllianceID, InstitutionID: g.InstitutionID, Year: g.Year,
			Measure: string(g.Measure), Target: g.Target, Weight: g.Weight, Version: 1, CreatedBy: a.UserID,
			CreatedAt: now, UpdatedAt: now}
		if err := s.conn(ctx).Create(&row).Error; err != nil {
			if isUnique(err) {
				return &apperr.Error{Code: apperr.Conflict, Field: "measure",
					Message: "this member already has a goal for this measure and year"}
			}
			return err
		}
		return s.record(ctx, Audit{Action: audit.Action("analytics.goal_create"), TargetType: "analytics_goal",
			TargetID: g.ID, Detail: fmt.Sprintf("%s %d %s ≥ %g ×%g", g.InstitutionID, g.Year, g.Measure, g.Target, g.Weight)})
	})
	return g, err
}

// GoalPatch changes a goal's target or weight; Version is the version the
// client last saw.
type GoalPatch struct {
	Target  *float64
	Weight  *float64
	Version int
}

func (s *Store) goalForAdmin(ctx context.Context, id string) (goalRow, error) {
	var row goalRow
	if err := s.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return row, notFound(err, "goal")
	}
	a, _ := actor(ctx)
	if ok, err := s.canManageAlliance(ctx, a, row.AllianceID); err != nil || !ok || !a.Can(auth.PermAnalytics) {
		if err != nil {
			return row, err
		}
		return row, apperr.NotFoundf("goal not found")
	}
	return row, nil
}

// UpdateGoal changes a goal's target or weight. Errors: invalid, not_found
// (absent, or of an alliance the actor does not administer), conflict
// (stale version).
func (s *Store) UpdateGoal(ctx context.Context, id string, p GoalPatch) (analytics.Goal, error) {
	if _, err := actor(ctx); err != nil {
		return analytics.Goal{}, err
	}
	var out analytics.Goal
	err := s.WithTx(ctx, func(ctx context.Context) error {
		row, err := s.goalForAdmin(ctx, id)
		if err != nil {
			return err
		}
		if p.Version < 1 {
			return apperr.InvalidField("version", "send the version of the goal you last saw")
		}
		if p.Version != row.Version {
			return apperr.Conflictf("the goal has changed (version %d, you sent %d): reload it", row.Version, p.Version)
		}
		g := row.domain()
		if p.Target != nil {
			g.Target = *p.Target
		}
		if p.Weight != nil {
			g.Weight = *p.Weight
		}
		if err := g.Validate(); err != nil {
			return err
		}
		g.Version++
		g.UpdatedAt = s.now()
		res := s.conn(ctx).Model(&goalRow{}).Where("id = ? AND version = ?", id, row.Version).
			Updates(map[string]any{"target": g.Target, "weight": g.Weight, "version": g.Version, "updated_at": g.UpdatedAt})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return apperr.Conflictf("the goal has changed: reload it")
		}
		out = g
		return s.record(ctx, Audit{Action: audit.Action("analytics.goal_update"), TargetType: "analytics_goal", TargetID: id,
			Detail: fmt.Sprintf("target %g weight %g v%d", g.Target, g.Weight, g.Version)})
	})
	return out, err
}

// DeleteGoal removes a goal. Errors: not_found.
func (s *Store) DeleteGoal(ctx context.Context, id string) error {
	if _, err := actor(ctx); err != nil {
		return err
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		row, err := s.goalForAdmin(ctx, id)
		if err != nil {
			return err
		}
		if err := s.conn(ctx).Where("id = ?", id).Delete(&goalRow{}).Error; err != nil {
			return err
		}
		return s.record(ctx, Audit{Action: audit.Action("analytics.goal_delete"), TargetType: "analytics_goal", TargetID: id,
			Detail: fmt.Sprintf("%s %d %s", row.InstitutionID, row.Year, row.Measure)})
	})
}

// Scoreboard rates every member of the alliance that has goals for the
// year against them, with analytics.DefaultRatingRules, and ranks the
// members. A convener sees their own institution's line only (with its rank
// among all). The read is audited. Errors: invalid (year), not_found,
// forbidden.
func (s *Store) Scoreboard(ctx context.Context, allianceID string, year int) (analytics.Scoreboard, error) {
	out := analytics.Scoreboard{AllianceID: allianceID, Year: year, Rules: analytics.DefaultRatingRules, Items: []analytics.MemberScore{}}
	if year < 2000 || year > 2100 {
		return out, apperr.InvalidField("year", "year must be between 2000 and 2100")
	}
	q := AnalyticsQuery{Filter: analytics.Filter{AllianceID: allianceID, From: strconv.Itoa(year) + "-01-01",
		To: strconv.Itoa(year) + "-12-31"}}
	err := s.analyticsRead(ctx, "scoreboard", &q, monthsForMembers, func(ctx context.Context, sup analytics.Suppressor) error {
		if q.AllianceID == "" {
			return apperr.InvalidField("alliance", "choose the alliance")
		}
		out.AllianceID, out.MinCellSize = q.AllianceID, sup.MinCell
		var rows []goalRow
		if err := s.conn(ctx).Where("alliance_id = ? AND year = ?", q.AllianceID, year).
			Order("institution_id, measure").Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		act, err := s.memberActuals(ctx, &q.Filter, sup)
		if err != nil {
			return err
		}
		byInst := map[string][]analytics.Goal{}
		var ids []string
		for i := range rows {
			if _, ok := byInst[rows[i].InstitutionID]; !ok {
				ids = append(ids, rows[i].InstitutionID)
			}
			byInst[rows[i].InstitutionID] = append(byInst[rows[i].InstitutionID], rows[i].domain())
		}
		ins, err := s.institutionsByID(ctx, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			out.Items = append(out.Items, analytics.DefaultRatingRules.Score(viewInstitutionOf(ins[id]), byInst[id],
				func(g analytics.Goal) analytics.Actual { return act(id, g.Measure) }))
		}
		analytics.Rank(out.Items)
		if q.InstitutionID != "" {
			out.Items = slices.DeleteFunc(out.Items, func(m analytics.MemberScore) bool { return m.Institution.ID != q.InstitutionID })
		}
		return nil
	})
	return out, err
}

// memberActuals reads every figure a goal may target, for every member of
// f's alliance over f's range, and returns the lookup.
func (s *Store) memberActuals(ctx context.Context, f *analytics.Filter, sup analytics.Suppressor) (func(string, analytics.Measure) analytics.Actual, error) {
	all := *f
	all.InstitutionID, all.Side = "", analytics.Both
	rows, err := s.groupCounts(ctx, s.countSource(scopeMembers, &all, analytics.Year, false), &all,
		[]string{"institution_id", "side", "direction"})
	if err != nil {
		return nil, err
	}
	type key struct{ inst, side string }
	counts := map[key]map[referral.Direction]analytics.Counts{}
	for _, r := range rows {
		k := key{r.keys[0], r.keys[1]}
		if counts[k] == nil {
			counts[k] = map[referral.Direction]analytics.Counts{}
		}
		c := counts[k][referral.Direction(r.keys[2])]
		c.Add(r.c)
		counts[k][referral.Direction(r.keys[2])] = c
	}
	hs, err := s.groupHistograms(ctx, s.timeSource(scopeMembers, &all, analytics.Year, false), &all,
		[]string{"kind", "institution_id", "side"})
	if err != nil {
		return nil, err
	}
	act, err := s.memberActivity(ctx, &all)
	if err != nil {
		return nil, err
	}
	total := func(inst, side string) analytics.Counts {
		var c analytics.Counts
		for _, x := range counts[key{inst, side}] {
			c.Add(x)
		}
		return c
	}
	return func(inst string, m analytics.Measure) analytics.Actual {
		sent, recv := counts[key{inst, "sent"}], counts[key{inst, "received"}]
		switch m {
		case analytics.MUpSent:
			return sup.CountActual(sent[referral.Up].Submitted)
		case analytics.MDownSent:
			return sup.CountActual(sent[referral.Down].Submitted)
		case analytics.MReceived:
			return sup.CountActual(total(inst, "received").Submitted)
		case analytics.MDownReceived:
			return sup.CountActual(recv[referral.Down].Submitted)
		case analytics.MAcceptanceRate:
			c := total(inst, "received")
			return sup.PercentActual(c.Accepted, c.Triaged())
		case analytics.MFastTrackSLA:
			c := total(inst, "received")
			return sup.PercentActual(c.FTMet, c.FTMet+c.FTMissed)
		case analytics.MFollowUpOnTime:
			c := total(inst, "received")
			return sup.PercentActual(c.FUOnTime, c.FUOnTime+c.FULate)
		case analytics.MMedianAcceptHours:
			h := analytics.NewHistogram()
			if g := hs["accept\x00"+inst+"\x00received"]; g != nil {
				h = g.h
			}
			return sup.MedianHoursActual(h)
		case analytics.MEConsultHours:
			h := act.response[inst]
			if h == nil {
				h = analytics.NewHistogram()
			}
			return sup.MedianHoursActual(h)
		}
		if n, ok := act.counts[m]; ok {
			return sup.CountActual(n[inst])
		}
		return analytics.Actual{Shown: analytics.Value{NA: true}}
	}, nil
}

// activity is the consultation, round and teaching figures of each member.
type activity struct {
	counts   map[analytics.Measure]map[string]int64
	response map[string]analytics.Histogram // eConsult response times, by answering member
}

// memberActivity counts, per member of f's alliance over f's range: the
// eConsults it asked and answered (and the answers' response times) and the
// video consultations held it took part in (from the activity rollups), the
// ward rounds it hosted, the cases it presented, the lectures it gave and
// its staff trained.
func (s *Store) memberActivity(ctx context.Context, f *analytics.Filter) (activity, error) {
	act := activity{counts: map[analytics.Measure]map[string]int64{}, response: map[string]analytics.Histogram{}}
	start, end := f.Bounds()
	sent, received, err := s.activityByMember(ctx, f)
	if err != nil {
		return act, err
	}
	asked, answered, video := map[string]int64{}, map[string]int64{}, map[string]int64{}
	for inst, t := range sent {
		asked[inst], video[inst] = t["asked"], video[inst]+t["video_held"]
	}
	for inst, t := range received {
		answered[inst], video[inst], act.response[inst] = t["answered"], video[inst]+t["video_held"], t.histogram()
	}
	act.counts[analytics.MEConsultsAsked], act.counts[analytics.MEConsultsAnswered] = asked, answered
	act.counts[analytics.MVideoHeld] = video
	args := []any{start, end, f.AllianceID}
	queries := []struct {
		m analytics.Measure
		q string
		a []any
	}{
		{analytics.MRoundsHeld, "SELECT rs.host_institution_id, COUNT(*) FROM round_occurrences o JOIN round_series rs ON rs.id = o.series_id " +
			"WHERE o.status = 'held' AND o.starts_at >= ? AND o.starts_at < ? AND rs.host_institution_id IN (" + membersOf + ") " +
			"GROUP BY rs.host_institution_id", args},
		{analytics.MRoundCases, "SELECT c.presenter_institution_id, COUNT(*) FROM round_cases c JOIN round_occurrences o ON o.id = c.occurrence_id " +
			"WHERE o.status = 'held' AND o.starts_at >= ? AND o.starts_at < ? AND c.presenter_institution_id IN (" + membersOf + ") " +
			"GROUP BY c.presenter_institution_id", args},
		{analytics.MLecturesHeld, "SELECT presenter_institution_id, COUNT(*) FROM lectures WHERE starts_at >= ? AND starts_at < ? " +
			"AND ends_at <= ? AND alliance_id = ? AND presenter_institution_id IN (" + membersOf + ") GROUP BY presenter_institution_id",
			[]any{start, end, s.now(), f.AllianceID, f.AllianceID}},
		{analytics.MStaffTrained, "SELECT institution_id, COUNT(DISTINCT user_id) FROM analytics_trained WHERE day >= ? AND day <= ? " +
			"AND institution_id IN (" + membersOf + ") GROUP BY institution_id", []any{f.From, f.To, f.AllianceID}},
	}
	for _, x := range queries {
		m, err := s.groupByInstitution(ctx, x.q, x.a)
		if err != nil {
			return act, err
		}
		act.counts[x.m] = m
	}
	return act, nil
}
