package store

import (
	"context"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/analytics"
	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/referral"
)

// The dashboard's views. Each checks who may see what (analyticsRead),
// reads the rollups (or, with q.Raw, the raw tables), applies the
// alliance's small-cell rule and audits the read as analytics.read.
// Errors of every view: invalid (filter), forbidden, not_found.

// AnalyticsVolume is the trend of first submissions per direction, by day,
// ISO week or month.
func (s *Store) AnalyticsVolume(ctx context.Context, q AnalyticsQuery) (analytics.Volume, error) {
	var out analytics.Volume
	err := s.analyticsRead(ctx, "volume", &q, monthsForMembers, func(ctx context.Context, sup analytics.Suppressor) error {
		iv := q.Interval
		if iv == "" {
			iv = analytics.Monthly
		}
		if q.InstitutionID != "" && iv != analytics.Monthly {
			return apperr.InvalidField("interval", "a member's figures are kept by month: use interval=month")
		}
		key := "period"
		if iv == analytics.Monthly {
			key = "substr(period, 1, 7)"
		}
		src := s.countSource(scopeOf(&q.Filter), &q.Filter, analytics.TrendGrain(iv), q.Raw)
		rows, err := s.groupCounts(ctx, src, &q.Filter, []string{"direction", key})
		if err != nil {
			return err
		}
		byDir := map[referral.Direction]map[string]int64{}
		for _, r := range rows {
			d := referral.Direction(r.keys[0])
			if byDir[d] == nil {
				byDir[d] = map[string]int64{}
			}
			byDir[d][analytics.TrendKey(r.keys[1], iv)] += r.c.Submitted
		}
		out = analytics.BuildVolume(q.Filter, iv, sup, byDir)
		return nil
	})
	return out, err
}

// AnalyticsKPIs are the referral service figures: counts by direction, the
// up:down ratio, acceptance, return and redirect rates, cancellations and
// no-shows, fast-track SLA compliance and downward follow-ups on time.
func (s *Store) AnalyticsKPIs(ctx context.Context, q AnalyticsQuery) (analytics.KPIs, error) {
	var out analytics.KPIs
	err := s.analyticsRead(ctx, "kpis", &q, monthsForMembers, func(ctx context.Context, sup analytics.Suppressor) error {
		byDir, fast, err := s.countsByDirection(ctx, &q)
		if err != nil {
			return err
		}
		out = analytics.BuildKPIs(q.Filter, sup, byDir, fast)
		return nil
	})
	return out, err
}

func (s *Store) countsByDirection(ctx context.Context, q *AnalyticsQuery) (map[referral.Direction]analytics.Counts, analytics.Counts, error) {
	src := s.countSource(scopeOf(&q.Filter), &q.Filter, analytics.Year, q.Raw)
	rows, err := s.groupCounts(ctx, src, &q.Filter, []string{"direction", "urgency"})
	byDir := map[referral.Direction]analytics.Counts{}
	var fast analytics.Counts
	for _, r := range rows {
		c := byDir[referral.Direction(r.keys[0])]
		c.Add(r.c)
		byDir[referral.Direction(r.keys[0])] = c
		if referral.Urgency(r.keys[1]) == referral.FastTrack {
			fast.Add(r.c)
		}
	}
	return byDir, fast, err
}

// AnalyticsTimes are the medians and 90th percentiles of the delays to
// accept, to schedule and to admit, with their histograms.
func (s *Store) AnalyticsTimes(ctx context.Context, q AnalyticsQuery) (analytics.Times, error) {
	var out analytics.Times
	err := s.analyticsRead(ctx, "times", &q, monthsForMembers, func(ctx context.Context, sup analytics.Suppressor) error {
		src := s.timeSource(scopeOf(&q.Filter), &q.Filter, analytics.Year, q.Raw)
		groups, err := s.groupHistograms(ctx, src, &q.Filter, []string{"kind"})
		if err != nil {
			return err
		}
		hs := map[analytics.TimeKind]analytics.Histogram{}
		for _, g := range groups {
			hs[analytics.TimeKind(g.keys[0])] = g.h
		}
		out = analytics.BuildTimes(q.Filter, sup, hs)
		return nil
	})
	return out, err
}

// AnalyticsFlows is the sender → receiver flow of first submissions, for a
// Sankey diagram: the q.Limit largest links (default 100) and their nodes,
// within one alliance or around one member (all alliances together would
// be thousands of nodes).
func (s *Store) AnalyticsFlows(ctx context.Context, q AnalyticsQuery) (analytics.Flows, error) {
	var out analytics.Flows
	if q.Limit == 0 {
		q.Limit = 100
	}
	if q.Limit < 1 || q.Limit > 500 {
		return out, apperr.InvalidField("limit", "limit must be between 1 and 500")
	}
	err := s.analyticsRead(ctx, "flows", &q, wholeMonths, func(ctx context.Context, sup analytics.Suppressor) error {
		if q.AllianceID == "" && q.InstitutionID == "" {
			return apperr.InvalidField("alliance", "a flow diagram is of one alliance or one member: choose it")
		}
		src := s.flowSource(&q.Filter, q.Raw)
		w := whereDirUrg(&q.Filter)
		rows, err := s.conn(ctx).Raw("SELECT sender, receiver, direction, SUM(n) FROM ("+src.sql+") x"+w.sql+
			" GROUP BY sender, receiver, direction HAVING SUM(n) > 0", append(src.args, w.args...)...).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		var flows []analytics.Flow
		for rows.Next() {
			var fl analytics.Flow
			if err := rows.Scan(&fl.SenderID, &fl.ReceiverID, &fl.Direction, &fl.N); err != nil {
				return err
			}
			flows = append(flows, fl)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		out = analytics.BuildFlows(q.Filter, sup, flows, nil, q.Limit)
		ids := make([]string, len(out.Nodes))
		for i, n := range out.Nodes {
			ids[i] = n.ID
		}
		ins, err := s.institutionsByID(ctx, ids)
		if err != nil {
			return err
		}
		for i, n := range out.Nodes {
			out.Nodes[i] = viewInstitutionOf(ins[n.ID])
		}
		return nil
	})
	return out, err
}

func viewInstitutionOf(in alliance.Institution) analytics.Institution {
	return analytics.Institution{ID: in.ID, Name: in.Name, Level: string(in.Level), Kind: string(in.Kind), RegionCode: in.RegionCode}
}

// AnalyticsMembers is the per-member table of an alliance: each member's
// referrals sent and received by direction, the rates of what it received,
// and its eConsults. The alliance is required; for a convener the table has
// their own institution's line only.
func (s *Store) AnalyticsMembers(ctx context.Context, q AnalyticsQuery) (analytics.Members, error) {
	var out analytics.Members
	err := s.analyticsRead(ctx, "members", &q, wholeMonths, func(ctx context.Context, sup analytics.Suppressor) error {
		if q.AllianceID == "" {
			return apperr.InvalidField("alliance", "choose the alliance")
		}
		totals, err := s.memberTotals(ctx, &q)
		if err != nil {
			return err
		}
		out = analytics.BuildMembers(q.Filter, sup, totals)
		return nil
	})
	return out, err
}

// memberTotals reads each member's counts by side and direction and its
// eConsults, for the members of q's alliance (or q's institution only).
func (s *Store) memberTotals(ctx context.Context, q *AnalyticsQuery) ([]analytics.MemberTotals, error) {
	ms, err := s.ListMembers(ctx, q.AllianceID)
	if err != nil {
		return nil, err
	}
	f := q.Filter
	f.InstitutionID, f.Side = "", analytics.Both
	rows, err := s.groupCounts(ctx, s.countSource(scopeMembers, &f, analytics.Year, q.Raw), &f,
		[]string{"institution_id", "side", "direction"})
	if err != nil {
		return nil, err
	}
	type side = map[referral.Direction]analytics.Counts
	byInst := map[string]map[string]side{}
	for _, r := range rows {
		if byInst[r.keys[0]] == nil {
			byInst[r.keys[0]] = map[string]side{string(analytics.Sent): {}, string(analytics.Received): {}}
		}
		sd := byInst[r.keys[0]][r.keys[1]]
		c := sd[referral.Direction(r.keys[2])]
		c.Add(r.c)
		sd[referral.Direction(r.keys[2])] = c
	}
	asked, answered, err := s.consultsByMember(ctx, &f, q.Raw)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, m := range ms {
		if q.InstitutionID == "" || m.InstitutionID == q.InstitutionID {
			ids = append(ids, m.InstitutionID)
		}
	}
	ins, err := s.institutionsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	initiator, _ := s.allianceInitiator(ctx, q.AllianceID)
	var out []analytics.MemberTotals
	for _, m := range ms {
		if q.InstitutionID != "" && m.InstitutionID != q.InstitutionID {
			continue
		}
		mt := analytics.MemberTotals{Institution: viewInstitutionOf(ins[m.InstitutionID]), Role: string(m.Role),
			Sent: side{}, Received: side{}, Asked: asked[m.InstitutionID], Answered: answered[m.InstitutionID]}
		if initiator == m.InstitutionID {
			mt.Role = "initiator"
		}
		if b := byInst[m.InstitutionID]; b != nil {
			mt.Sent, mt.Received = b[string(analytics.Sent)], b[string(analytics.Received)]
		}
		out = append(out, mt)
	}
	return out, nil
}

func (s *Store) allianceInitiator(ctx context.Context, allianceID string) (string, bool) {
	a, err := s.GetAlliance(ctx, allianceID)
	return a.InitiatorID, err == nil
}
