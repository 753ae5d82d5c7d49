package analytics

import (
	"sort"

	"github.com/lianxin-hub/lianxin/internal/referral"
)

// Scope echoes what a view covers, so an exported chart says what it shows.
type Scope struct {
	AllianceID    string             `json:"allianceId"`
	InstitutionID string             `json:"institutionId"`
	Side          Side               `json:"side"`
	Direction     referral.Direction `json:"direction"`
	Urgency       referral.Urgency   `json:"urgency"`
	From          string             `json:"from"`
	To            string             `json:"to"`
	MinCellSize   int                `json:"minCellSize"`
}

// ScopeOf describes f with the threshold in force.
func ScopeOf(f Filter, s Suppressor) Scope {
	return Scope{AllianceID: f.AllianceID, InstitutionID: f.InstitutionID, Side: f.Side, Direction: f.Direction,
		Urgency: f.Urgency, From: f.From, To: f.To, MinCellSize: s.MinCell}
}

// Volume is the referral volume trend (first submissions), one series per
// direction, for a stacked chart.
type Volume struct {
	Scope    Scope          `json:"scope"`
	Interval Interval       `json:"interval"`
	Periods  []string       `json:"periods"`
	Series   []VolumeSeries `json:"series"`
}

// VolumeSeries is one direction's counts, aligned with Volume.Periods.
type VolumeSeries struct {
	Direction referral.Direction `json:"direction"`
	Counts    []Count            `json:"counts"`
}

// BuildVolume shapes per-direction, per-period counts (keys from TrendKey)
// into the trend of the filter's range.
func BuildVolume(f Filter, iv Interval, s Suppressor, byDir map[referral.Direction]map[string]int64) Volume {
	v := Volume{Scope: ScopeOf(f, s), Interval: iv, Periods: Periods(f.From, f.To, iv)}
	for _, d := range referral.Directions {
		if f.Direction != "" && d != f.Direction {
			continue
		}
		ser := VolumeSeries{Direction: d, Counts: make([]Count, len(v.Periods))}
		for i, p := range v.Periods {
			ser.Counts[i] = s.Count(byDir[d][p])
		}
		v.Series = append(v.Series, ser)
	}
	return v
}

// DirectionCounts is one measure by direction with its total.
type DirectionCounts struct {
	Up      Count `json:"up"`
	Down    Count `json:"down"`
	Lateral Count `json:"lateral"`
	Total   Count `json:"total"`
}

func directionCounts(s Suppressor, byDir map[referral.Direction]Counts, pick func(Counts) int64) DirectionCounts {
	up, down, lat := pick(byDir[referral.Up]), pick(byDir[referral.Down]), pick(byDir[referral.Lateral])
	g := s.Group([]int64{up, down, lat})
	return DirectionCounts{Up: g[0], Down: g[1], Lateral: g[2], Total: s.Count(up + down + lat)}
}

// KPIs are the referral service figures of a filter.
type KPIs struct {
	Scope       Scope                      `json:"scope"`
	Counts      map[string]DirectionCounts `json:"counts"`
	UpDownRatio Value                      `json:"upDownRatio"`
	// Rates of the receivers' decisions (accepted + returned + redirected).
	AcceptanceRate Value `json:"acceptanceRate"`
	ReturnRate     Value `json:"returnRate"`
	RedirectRate   Value `json:"redirectRate"`
	// Cancellations over first submissions; no-shows over arrivals and no-shows.
	CancellationRate Value `json:"cancellationRate"`
	NoShowRate       Value `json:"noShowRate"`
	FastTrack        struct {
		Submitted  Count `json:"submitted"`
		SLAMet     Count `json:"slaMet"`
		SLAMissed  Count `json:"slaMissed"`
		Compliance Value `json:"compliance"`
	} `json:"fastTrack"`
	FollowUp struct {
		OnTime Count `json:"onTime"`
		Late   Count `json:"late"`
		Rate   Value `json:"onTimeRate"`
	} `json:"followUp"`
}

// KPIMeasures names the counts KPIs publishes, with how to read each.
var KPIMeasures = []struct {
	Name string
	Pick func(Counts) int64
}{
	{"created", func(c Counts) int64 { return c.Created }},
	{"submitted", func(c Counts) int64 { return c.Submitted }},
	{"resubmitted", func(c Counts) int64 { return c.Resubmitted }},
	{"accepted", func(c Counts) int64 { return c.Accepted }},
	{"returned", func(c Counts) int64 { return c.Returned }},
	{"redirected", func(c Counts) int64 { return c.Redirected }},
	{"cancelled", func(c Counts) int64 { return c.Cancelled }},
	{"failed", func(c Counts) int64 { return c.Failed }},
	{"scheduled", func(c Counts) int64 { return c.Scheduled }},
	{"admitted", func(c Counts) int64 { return c.Admitted }},
	{"completed", func(c Counts) int64 { return c.Completed }},
}

// BuildKPIs computes the service figures from counts by direction; fast is
// the fast-track cells' counts (zero when the filter selects another urgency).
func BuildKPIs(f Filter, s Suppressor, byDir map[referral.Direction]Counts, fast Counts) KPIs {
	k := KPIs{Scope: ScopeOf(f, s), Counts: map[string]DirectionCounts{}}
	var all Counts
	for _, c := range byDir {
		all.Add(c)
	}
	for _, m := range KPIMeasures {
		k.Counts[m.Name] = directionCounts(s, byDir, m.Pick)
	}
	k.UpDownRatio = s.Ratio(byDir[referral.Up].Submitted, byDir[referral.Down].Submitted)
	k.AcceptanceRate = s.Rate(all.Accepted, all.Triaged())
	k.ReturnRate = s.Rate(all.Returned, all.Triaged())
	k.RedirectRate = s.Rate(all.Redirected, all.Triaged())
	k.CancellationRate = s.Rate(all.Cancelled, all.Submitted)
	k.NoShowRate = s.Rate(all.Failed, all.Admitted+all.Failed)
	k.FastTrack.Submitted = s.Count(fast.Submitted)
	k.FastTrack.SLAMet = s.Count(fast.FTMet)
	k.FastTrack.SLAMissed = s.Count(fast.FTMissed)
	k.FastTrack.Compliance = s.Rate(fast.FTMet, fast.FTMet+fast.FTMissed)
	k.FollowUp.OnTime = s.Count(all.FUOnTime)
	k.FollowUp.Late = s.Count(all.FULate)
	k.FollowUp.Rate = s.Rate(all.FUOnTime, all.FUOnTime+all.FULate)
	return k
}

// Times are the delays of a filter: medians and 90th percentiles with the
// histograms they are read from.
type Times struct {
	Scope        Scope      `json:"scope"`
	BucketsFromM []int64    `json:"bucketLowerBoundsMinutes"`
	Kinds        []TimeView `json:"kinds"`
}

// TimeView is one delay's figures.
type TimeView struct {
	Kind        TimeKind `json:"kind"`
	N           Count    `json:"n"`
	MedianHours Value    `json:"medianHours"`
	P90Hours    Value    `json:"p90Hours"`
	Histogram   []Count  `json:"histogram"`
}

// BuildTimes computes medians and 90th percentiles from histograms.
func BuildTimes(f Filter, s Suppressor, hs map[TimeKind]Histogram) Times {
	t := Times{Scope: ScopeOf(f, s), BucketsFromM: BucketEdges}
	for _, k := range TimeKinds {
		h := hs[k]
		if h == nil {
			h = NewHistogram()
		}
		tv := TimeView{Kind: k, N: s.Count(h.N()), MedianHours: s.Hours(h, 0.5), P90Hours: s.Hours(h, 0.9),
			Histogram: make([]Count, len(h))}
		for i, n := range h {
			tv.Histogram[i] = s.Count(n)
		}
		t.Kinds = append(t.Kinds, tv)
	}
	return t
}

// Institution is what the views show of a member institution: never a person.
type Institution struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Level      string `json:"level"`
	Kind       string `json:"kind"`
	RegionCode string `json:"regionCode"`
}

// Flow is first submissions from one institution to another.
type Flow struct {
	SenderID, ReceiverID string
	Direction            referral.Direction
	N                    int64
}

// Flows is an institution × institution flow for a Sankey diagram: the
// largest links, and what the rest add up to.
type Flows struct {
	Scope      Scope         `json:"scope"`
	Nodes      []Institution `json:"nodes"`
	Links      []FlowLink    `json:"links"`
	OtherLinks int           `json:"otherLinks"` // links beyond the limit
	OtherCount Count         `json:"otherCount"` // their referrals
}

// FlowLink is one sender → receiver link.
type FlowLink struct {
	Source    string             `json:"source"`
	Target    string             `json:"target"`
	Direction referral.Direction `json:"direction"`
	Value     Count              `json:"value"`
}

// BuildFlows keeps the limit largest links (ties by ids) and the nodes they touch.
func BuildFlows(f Filter, s Suppressor, flows []Flow, ins map[string]Institution, limit int) Flows {
	sorted := append([]Flow(nil), flows...)
	sort.Slice(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.N != b.N {
			return a.N > b.N
		}
		if a.SenderID != b.SenderID {
			return a.SenderID < b.SenderID
		}
		if a.ReceiverID != b.ReceiverID {
			return a.ReceiverID < b.ReceiverID
		}
		return a.Direction < b.Direction
	})
	out := Flows{Scope: ScopeOf(f, s), Nodes: []Institution{}, Links: []FlowLink{}}
	seen := map[string]bool{}
	var other int64
	for i, fl := range sorted {
		if fl.N == 0 {
			continue
		}
		if i >= limit {
			out.OtherLinks++
			other += fl.N
			continue
		}
		out.Links = append(out.Links, FlowLink{Source: fl.SenderID, Target: fl.ReceiverID, Direction: fl.Direction,
			Value: s.Count(fl.N)})
		for _, id := range []string{fl.SenderID, fl.ReceiverID} {
			if !seen[id] {
				seen[id] = true
				in := ins[id]
				in.ID = id
				out.Nodes = append(out.Nodes, in)
			}
		}
	}
	out.OtherCount = s.Count(other)
	sort.Slice(out.Nodes, func(i, j int) bool { return out.Nodes[i].ID < out.Nodes[j].ID })
	return out
}

// ConsultTotals are the raw consultation figures of a filter.
type ConsultTotals struct {
	Asked, Answered, Resolved int64 // eConsults asked, answered, answered and not turned into a referral
	Response                  Histogram
	VideoBooked, VideoHeld    int64
	VideoCancelled, NoShow    int64
	VideoRooms                int64   // held consultations whose room recorded attendance
	VideoSeconds              float64 // their rooms' durations, first join to last leave
	VideoAttendees            int64   // people present, per consultation
	RoundsHeld, RoundCases    int64
	RoundAttendees            int64
	LecturesHeld              int64
	LectureAttendees          int64 // people present, per lecture
	StaffTrained              int64 // distinct people present at a lecture or round
}

// Consults are the consultation figures as the dashboard shows them.
type Consults struct {
	Scope     Scope `json:"scope"`
	EConsults struct {
		Asked                 Count   `json:"asked"`
		Answered              Count   `json:"answered"`
		ResolvedNoReferral    Count   `json:"resolvedWithoutReferral"`
		ResolvedShare         Value   `json:"resolvedWithoutReferralShare"`
		MedianResponseHours   Value   `json:"medianResponseHours"`
		P90ResponseHours      Value   `json:"p90ResponseHours"`
		ResponseHistogramBins []Count `json:"responseHistogram"`
	} `json:"econsults"`
	Video struct {
		Booked          Count `json:"booked"`
		Held            Count `json:"held"`
		Cancelled       Count `json:"cancelled"`
		NoShow          Count `json:"noShow"`
		MeanMinutes     Value `json:"meanDurationMinutes"`
		Attendees       Count `json:"attendees"`
		MeanAttendance  Value `json:"meanAttendance"`
		RoomsWithRecord Count `json:"roomsWithAttendance"`
	} `json:"video"`
	Rounds struct {
		Held      Count `json:"held"`
		Cases     Count `json:"cases"`
		Attendees Count `json:"attendees"`
	} `json:"wardRounds"`
	Lectures struct {
		Held         Count `json:"held"`
		Attendees    Count `json:"attendees"`
		StaffTrained Count `json:"staffTrained"`
	} `json:"lectures"`
}

// BuildConsults shapes consultation totals.
func BuildConsults(f Filter, s Suppressor, t ConsultTotals) Consults {
	var c Consults
	c.Scope = ScopeOf(f, s)
	h := t.Response
	if h == nil {
		h = NewHistogram()
	}
	e := &c.EConsults
	e.Asked, e.Answered, e.ResolvedNoReferral = s.Count(t.Asked), s.Count(t.Answered), s.Count(t.Resolved)
	e.ResolvedShare = s.Rate(t.Resolved, t.Answered)
	e.MedianResponseHours, e.P90ResponseHours = s.Hours(h, 0.5), s.Hours(h, 0.9)
	e.ResponseHistogramBins = make([]Count, len(h))
	for i, n := range h {
		e.ResponseHistogramBins[i] = s.Count(n)
	}
	v := &c.Video
	v.Booked, v.Held, v.Cancelled, v.NoShow = s.Count(t.VideoBooked), s.Count(t.VideoHeld), s.Count(t.VideoCancelled), s.Count(t.NoShow)
	v.MeanMinutes = s.Mean(t.VideoSeconds/60, t.VideoRooms)
	v.Attendees, v.RoomsWithRecord = s.Count(t.VideoAttendees), s.Count(t.VideoRooms)
	v.MeanAttendance = s.Mean(float64(t.VideoAttendees), t.VideoRooms)
	c.Rounds.Held, c.Rounds.Cases, c.Rounds.Attendees = s.Count(t.RoundsHeld), s.Count(t.RoundCases), s.Count(t.RoundAttendees)
	c.Lectures.Held, c.Lectures.Attendees, c.Lectures.StaffTrained = s.Count(t.LecturesHeld), s.Count(t.LectureAttendees), s.Count(t.StaffTrained)
	return c
}

// MemberTotals are one member institution's raw figures over a range.
type MemberTotals struct {
	Institution Institution
	Role        string // core or member
	Sent        map[referral.Direction]Counts
	Received    map[referral.Direction]Counts
	Asked       int64 // eConsults asked
	Answered    int64 // eConsults answered (as the asked institution)
}

// MemberRow is one line of the per-member table.
type MemberRow struct {
	Institution         Institution     `json:"institution"`
	Role                string          `json:"role"`
	Sent                DirectionCounts `json:"sent"`
	Received            DirectionCounts `json:"received"`
	AcceptanceRate      Value           `json:"acceptanceRate"`
	FastTrackCompliance Value           `json:"fastTrackCompliance"`
	FollowUpOnTimeRate  Value           `json:"followUpOnTimeRate"`
	EConsultsAsked      Count           `json:"econsultsAsked"`
	EConsultsAnswered   Count           `json:"econsultsAnswered"`
}

// Members is the per-member table.
type Members struct {
	Scope Scope       `json:"scope"`
	Items []MemberRow `json:"items"`
}

// BuildMembers shapes the member table, ordered by region code then name.
func BuildMembers(f Filter, s Suppressor, ms []MemberTotals) Members {
	out := Members{Scope: ScopeOf(f, s), Items: []MemberRow{}}
	sub := func(c Counts) int64 { return c.Submitted }
	for _, m := range ms {
		var recv Counts
		for _, c := range m.Received {
			recv.Add(c)
		}
		out.Items = append(out.Items, MemberRow{Institution: m.Institution, Role: m.Role,
			Sent: directionCounts(s, m.Sent, sub), Received: directionCounts(s, m.Received, sub),
			AcceptanceRate:      s.Rate(recv.Accepted, recv.Triaged()),
			FastTrackCompliance: s.Rate(recv.FTMet, recv.FTMet+recv.FTMissed),
			FollowUpOnTimeRate:  s.Rate(recv.FUOnTime, recv.FUOnTime+recv.FULate),
			EConsultsAsked:      s.Count(m.Asked), EConsultsAnswered: s.Count(m.Answered)})
	}
	sort.SliceStable(out.Items, func(i, j int) bool {
		a, b := out.Items[i].Institution, out.Items[j].Institution
		if a.RegionCode != b.RegionCode {
			return a.RegionCode < b.RegionCode
		}
		return a.Name < b.Name
	})
	return out
}
