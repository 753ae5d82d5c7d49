package store

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/analytics"
	"github.com/lianxin-hub/lianxin/internal/consult"
)

// activityStage writes the video consultations (with their consents, rooms
// and attendance), the weekly ward rounds of each psychiatric hospital (with
// wards, cases and attendance) and each alliance's lectures.
func (g *seedGen) activityStage(ctx context.Context) error {
	var cs []*copier
	var err error
	open := func(table string, cols ...string) *copier {
		if err != nil {
			return nil
		}
		var c *copier
		c, err = g.copy(ctx, table, cols...)
		cs = append(cs, c)
		return c
	}
	a := &activityWriter{g: g}
	a.consents = open("consents", "id", "patient_id", "scope", "signed_by", "signer_name", "signed_on", "recorded_by",
		"institution_id", "created_at")
	a.videos = open("video_consults", "id", "patient_id", "status", "version", "requester_institution_id", "requester_user_id",
		"booked_by_user_id", "target_institution_id", "specialist_user_id", "starts_at", "ends_at", "purpose", "record_summary",
		"invited_specialty", "invited_title", "consent_id", "observers", "room_id", "opinion", "note", "created_at", "updated_at")
	a.rooms = open("rooms", "id", "kind", "ref_id", "title", "created_at")
	a.attend = open("room_attendance", "id", "room_id", "user_id", "joined_at", "left_at")
	a.series = open("round_series", "id", "title", "host_institution_id", "host_user_id", "weekday", "start_time",
		"duration_minutes", "from_date", "until_date", "version", "created_by", "created_at", "updated_at")
	a.wards = open("round_wards", "series_id", "institution_id")
	a.occs = open("round_occurrences", "id", "series_id", "starts_at", "ends_at", "duration_minutes", "status", "room_id",
		"note", "version", "created_at", "updated_at")
	a.cases = open("round_cases", "id", "occurrence_id", "series_id", "patient_id", "presenter_user_id",
		"presenter_institution_id", "question", "notes", "recommendations", "notes_by_user_id", "notes_at", "version",
		"created_at", "updated_at")
	a.lectures = open("lectures", "id", "alliance_id", "kind", "title", "description", "presenter_user_id",
		"presenter_institution_id", "starts_at", "ends_at", "duration_minutes", "recording_enabled", "room_id", "version",
		"created_by", "created_at", "updated_at")
	if err != nil {
		g.closeAll(cs...)
		return err
	}
	g.prog.setTotal(int64(g.o.Scale.Videos + len(g.prov)))
	werr := a.videosAll()
	if werr == nil {
		werr = a.roundsAll()
	}
	if werr != nil {
		return g.closeAllWith(werr, cs...)
	}
	return g.closeAll(cs...)
}

type activityWriter struct {
	g                                    *seedGen
	consents, videos, rooms, attend      *copier
	series, wards, occs, cases, lectures *copier
}

func (a *activityWriter) room(id [16]byte, kind string, ref [16]byte, title string, at time.Time) error {
	a.rooms.id(id).str(kind).id(ref).str(title).ts(at)
	return a.rooms.end()
}

func (a *activityWriter) present(room [16]byte, user int, from, to time.Time) error {
	a.attend.id(a.g.uuid(from)).id(room).id(a.g.users[user].id).ts(from).ts(to)
	return a.attend.end()
}

func (a *activityWriter) videosAll() error {
	g := a.g
	cum := make([]float64, len(g.prov))
	var acc float64
	for i, p := range g.prov {
		acc += p.pop
		cum[i] = acc
	}
	span := g.end.Sub(g.start)
	slots := map[[2]int]int{} // (specialist, day) → slots taken
	for n := 0; n < g.o.Scale.Videos; n++ {
		p := g.provinceByPop(cum)
		pr := &g.prov[p]
		req := g.pick(pr.byLevel[alliance.LevelCHC])
		if g.f() < 0.3 {
			req = g.pick(pr.byLevel[alliance.LevelSecondGrade])
		}
		target := g.inst[req].pref
		spec := g.pick(g.inst[target].clinicians)
		// Later years hold more consultations (the service grows).
		day := g.start.Add(time.Duration(math.Sqrt(g.f()) * float64(span))).In(chinaZone)
		day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, chinaZone)
		key := [2]int{spec, int(day.Unix() / 86400)}
		k := slots[key]
		slots[key] = k + 1
		start := day.Add(9*time.Hour + time.Duration(k)*30*time.Minute).UTC()
		end := start.Add(30 * time.Minute)
		booked := start.Add(-g.dur(4*24*time.Hour, 0.6))
		if booked.Before(g.start) {
			booked = g.start
		}
		if booked.After(g.end) {
			continue
		}
		status := consult.Booked
		if !end.After(g.end) {
			switch x := g.f(); {
			case x < 0.87:
				status = consult.Completed
			case x < 0.94:
				status = consult.VideoOff
			case x < 0.98:
				status = consult.NoShow
			}
		}
		requester := g.pick(g.inst[req].clinicians)
		pat := g.patientOf(req)
		consentID, id, roomID := g.uuid(booked), g.uuid(booked), g.uuid(booked)
		a.consents.id(consentID).id(g.patients[pat]).str("teleconsult").str("patient").str(seedPersonName(g.rng)).
			str(booked.In(chinaZone).Format(time.DateOnly)).id(g.users[requester].id).id(g.inst[req].id).ts(booked)
		if err := a.consents.end(); err != nil {
			return err
		}
		version, updated, opinion := 1, booked, ""
		if status != consult.Booked {
			version, updated = 2, end.Add(10*time.Minute)
		}
		if status == consult.Completed {
			opinion = jsonString(consult.Opinion{Impression: "症状部分缓解", Recommendations: "维持治疗，一月后复诊",
				Disclaimer: consult.NoPrescription, AuthorUserID: uuidString(g.users[spec].id), At: updated})
		}
		a.videos.id(id).id(g.patients[pat]).str(string(status)).int(int64(version)).id(g.inst[req].id).id(g.users[requester].id).
			id(g.users[requester].id).id(g.inst[target].id).id(g.users[spec].id).ts(start).ts(end).str("疑难病例远程会诊").
			str("反复住院，近期病情波动").str("general_adult").str("chief").id(consentID).str("[]").id(roomID).str(opinion).
			str("").ts(booked).ts(updated)
		if err := a.videos.end(); err != nil {
			return err
		}
		if err := a.room(roomID, RoomVideoConsult, id, "远程会诊", booked); err != nil {
			return err
		}
		if status == consult.Completed {
			length := g.dur(25*time.Minute, 0.35)
			if err := a.present(roomID, spec, start.Add(-2*time.Minute), start.Add(length)); err != nil {
				return err
			}
			if err := a.present(roomID, requester, start.Add(time.Minute), start.Add(length)); err != nil {
				return err
			}
			if g.f() < 0.2 && len(g.inst[req].clinicians) > 1 {
				if obs := g.pick(g.inst[req].clinicians); obs != requester {
					if err := a.present(roomID, obs, start.Add(3*time.Minute), start.Add(length-time.Minute)); err != nil {
						return err
					}
				}
			}
		}
		if n%1024 == 0 {
			g.prog.add(1024)
		}
	}
	return nil
}

func (a *activityWriter) roundsAll() error {
	g := a.g
	for _, pr := range g.prov {
		var wardsAll []int
		for _, l := range []alliance.Level{alliance.LevelSecondGrade, alliance.LevelCHC, alliance.LevelTownship} {
			wardsAll = append(wardsAll, pr.byLevel[l]...)
		}
		for _, host := range pr.tertiary {
			if g.inst[host].kind != "psychiatric_hospital" {
				continue
			}
			if err := a.roundSeries(host, wardsAll); err != nil {
				return err
			}
		}
		if err := a.lecturesOf(pr); err != nil {
			return err
		}
		g.prog.add(1)
	}
	return nil
}

// roundSeries writes a weekly Tuesday 09:00 round of host for four wards,
// from the start of the data set to four weeks past its end.
func (a *activityWriter) roundSeries(host int, wardsAll []int) error {
	g := a.g
	hostUser := g.pick(g.inst[host].clinicians)
	id := g.uuid(g.start)
	from := g.start.In(chinaZone)
	first := time.Date(from.Year(), from.Month(), from.Day(), 9, 0, 0, 0, chinaZone)
	for first.Weekday() != time.Tuesday {
		first = first.AddDate(0, 0, 1)
	}
	a.series.id(id).str(g.inst[host].name + "远程查房").id(g.inst[host].id).id(g.users[hostUser].id).str("tuesday").
		str("09:00").int(90).str(first.Format(time.DateOnly)).str("").int(1).id(g.users[hostUser].id).ts(g.start).ts(g.start)
	if err := a.series.end(); err != nil {
		return err
	}
	var wards []int
	seen := map[int]bool{}
	for len(wards) < min(4, len(wardsAll)) {
		w := g.pick(wardsAll)
		if !seen[w] {
			seen[w] = true
			wards = append(wards, w)
			a.wards.id(id).id(g.inst[w].id)
			if err := a.wards.end(); err != nil {
				return err
			}
		}
	}
	for day := first; day.Before(g.end.AddDate(0, 0, 28)); day = day.AddDate(0, 0, 7) {
		start, end := day.UTC(), day.Add(90*time.Minute).UTC()
		status := "scheduled"
		if !end.After(g.end) {
			status = "held"
			if g.f() < 0.05 {
				status = "cancelled"
			}
		}
		occ, roomID := g.uuid(start), g.uuid(start)
		created := start.AddDate(0, 0, -14)
		a.occs.id(occ).id(id).ts(start).ts(end).int(90).str(status).id(roomID).str("").int(1).ts(created).ts(created)
		if err := a.occs.end(); err != nil {
			return err
		}
		if err := a.room(roomID, RoomWardRound, occ, g.inst[host].name+"远程查房", created); err != nil {
			return err
		}
		if status != "held" {
			continue
		}
		present := map[int]bool{hostUser: true}
		if err := a.present(roomID, hostUser, start.Add(-5*time.Minute), end); err != nil {
			return err
		}
		cases := map[int]bool{}
		for range g.n(4) {
			w := wards[g.n(len(wards))]
			pat := g.patientOf(w)
			if cases[pat] {
				continue
			}
			cases[pat] = true
			presenter := g.pick(g.inst[w].clinicians)
			a.cases.id(g.uuid(created)).id(occ).id(id).id(g.patients[pat]).id(g.users[presenter].id).id(g.inst[w].id).
				str("出院后症状反复，是否调整方案？").str("讨论用药").str("逐步减量，两周后复评").id(g.users[hostUser].id).
				ts(end).int(2).ts(created).ts(end)
			if err := a.cases.end(); err != nil {
				return err
			}
			present[presenter] = true
		}
		for range 2 + g.n(5) {
			present[g.pick(g.inst[wards[g.n(len(wards))]].clinicians)] = true
		}
		for _, u := range sortedSet(present) {
			if u == hostUser {
				continue
			}
			if err := a.present(roomID, u, start.Add(time.Duration(g.n(10))*time.Minute), end.Add(-time.Duration(g.n(15))*time.Minute)); err != nil {
				return err
			}
		}
	}
	return nil
}

// lecturesOf writes two lectures a month by the alliance's psychiatric
// hospitals, attended by the members' clinicians.
func (a *activityWriter) lecturesOf(pr seedProv) error {
	g := a.g
	from := g.start.In(chinaZone)
	for m := time.Date(from.Year(), from.Month(), 1, 14, 0, 0, 0, chinaZone); m.Before(g.end); m = m.AddDate(0, 1, 0) {
		for _, d := range []int{8, 22} {
			start := m.AddDate(0, 0, d-1)
			if start.Before(g.start) {
				continue
			}
			host := g.pick(pr.tertiary)
			presenter := g.pick(g.inst[host].clinicians)
			id, roomID := g.uuid(start), g.uuid(start)
			end := start.Add(time.Hour)
			created := start.AddDate(0, 0, -10)
			a.lectures.id(id).id(pr.alliance).str("lecture").str(fmt.Sprintf("%s精神专科继续教育讲座 %s", pr.short, start.Format("2006-01"))).
				str("严重精神障碍规范化管理").id(g.users[presenter].id).id(g.inst[host].id).ts(start.UTC()).ts(end.UTC()).int(60).
				bool(false).id(roomID).int(1).id(g.users[presenter].id).ts(created).ts(created)
			if err := a.lectures.end(); err != nil {
				return err
			}
			if err := a.room(roomID, RoomLecture, id, "讲座", created); err != nil {
				return err
			}
			if end.After(g.end) {
				continue
			}
			present := map[int]bool{presenter: true}
			for range 15 + g.n(25) {
				present[g.pick(g.inst[g.pick(pr.inst)].clinicians)] = true
			}
			for _, u := range sortedSet(present) {
				if err := a.present(roomID, u, start.Add(time.Duration(g.n(10)-5)*time.Minute).UTC(), end.UTC()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// goalsStage sets each member's annual goals for the data set's last two
// years, with targets near what the generator is expected to produce, so
// that the scoreboard rates members all three ways.
func (g *seedGen) goalsStage(ctx context.Context) error {
	gs, err := g.copy(ctx, "analytics_goals", "id", "alliance_id", "institution_id", "year", "measure", "target", "weight",
		"version", "created_by", "created_at", "updated_at")
	if err != nil {
		return err
	}
	var popSum float64
	for _, p := range g.prov {
		popSum += p.pop
	}
	yearly := 1.3 * float64(g.o.Scale.Referrals) / float64(g.o.Scale.Years)
	for _, p := range g.prov {
		refs := yearly * p.pop / popSum
		perLevel := func(l alliance.Level) float64 { return float64(max(1, len(p.byLevel[l]))) }
		primary := perLevel(alliance.LevelCHC) + perLevel(alliance.LevelTownship)
		expect := map[alliance.Level]map[analytics.Measure]float64{
			alliance.LevelCHC: {analytics.MUpSent: refs * 0.62 * 0.75 / primary, analytics.MFollowUpOnTime: 85,
				analytics.MStaffTrained: 3},
			alliance.LevelTownship: {analytics.MUpSent: refs * 0.62 * 0.75 / primary, analytics.MFollowUpOnTime: 80},
			alliance.LevelSecondGrade: {analytics.MUpSent: refs * 0.62 * 0.25 / perLevel(alliance.LevelSecondGrade),
				analytics.MAcceptanceRate: 85},
			alliance.LevelTertiary: {analytics.MDownSent: refs * 0.30 * 0.8 / float64(len(p.tertiary)),
				analytics.MFastTrackSLA: 90, analytics.MMedianAcceptHours: 24},
		}
		for _, i := range p.inst {
			in := g.inst[i]
			for _, year := range []int{g.end.In(chinaZone).Year() - 1, g.end.In(chinaZone).Year()} {
				measures := expect[in.level]
				for _, m := range sortedMeasures(measures) {
					target := measures[m]
					info, _ := analytics.MeasureOf(m)
					if info.Kind == analytics.KindCount {
						target = math.Round(target * (0.8 + 0.4*g.f()))
					}
					if in.kind == "psychiatric_hospital" && m == analytics.MMedianAcceptHours {
						if err := g.goal(gs, p, in, year, analytics.MRoundsHeld, 45, 1); err != nil {
							return err
						}
					}
					if err := g.goal(gs, p, in, year, m, target, float64(1+g.n(3))); err != nil {
						return err
					}
				}
			}
		}
	}
	return g.closeAll(gs)
}

func (g *seedGen) goal(c *copier, p seedProv, in seedInst, year int, m analytics.Measure, target, weight float64) error {
	c.id(g.uuid(g.start)).id(p.alliance).id(in.id).int(int64(year)).str(string(m)).float(target).float(weight).int(1).
		str("seed").ts(g.start).ts(g.start)
	return c.end()
}

func sortedMeasures(m map[analytics.Measure]float64) []analytics.Measure {
	out := make([]analytics.Measure, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
