package store

import (
	"context"
	"sort"
	"time"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/consult"
	"github.com/lianxin-hub/lianxin/internal/referral"
)

// seedRef is one generated referral while its lifecycle is simulated.
type seedRef struct {
	id                     [16]byte
	prov, patient          int
	dir                    referral.Direction
	urg                    referral.Urgency
	sender, receiver       int
	senderUser             int
	createdBy              int // who made it: the sender, or the receiver that redirected
	clinical               *seedClinical
	status                 referral.Status
	evs                    []seedEvent
	created                time.Time
	submittedAt, acceptDue *time.Time
	admitDue, followDue    *time.Time
	acceptedAt, arrivedAt  *time.Time
	closedAt, appt         *time.Time
	outcome, followUp      string
	note                   string
	redirectedFrom         [16]byte
	redirectedTo           [16]byte
	consultID              [16]byte
	everSubmitted          bool
}

type seedClinical struct {
	json      string
	risk      int
	suggested bool
	sub       string
	diag      string
}

var zeroID [16]byte

// clinicals are the referral contents the generator draws from, by direction
// (downward ones carry the discharge summary and plans) and urgency.
func seedClinicals() map[string][]*seedClinical {
	out := map[string][]*seedClinical{}
	diags := []string{"F20.0", "F31.1", "F32.1", "F25.0", "F22.0", "F33.1"}
	subs := []string{"general_adult", "mood", "geriatric", "general_adult", "child_adolescent", ""}
	for _, down := range []bool{false, true} {
		for _, u := range referral.Urgencies {
			for i, d := range diags {
				risk := []int{0, 1, 2}[i%3]
				switch u {
				case referral.Urgent:
					risk = 2 + i%2
				case referral.FastTrack:
					risk = 3 + i%2
				}
				c := referral.Clinical{Reason: "病情波动，需上级医院诊治", Summary: "近三周症状加重，睡眠差，服药依从性差",
					Diagnoses: []string{d}, RiskGrade: risk, Unstable: u == referral.FastTrack && i%2 == 0,
					Medication: "利培酮 2mg bid", SubSpecialty: subs[i]}
				key := "up/" + string(u)
				if down {
					c.Reason, c.Summary = "病情稳定，转社区康复随访", "住院治疗后症状缓解，自知力部分恢复"
					c.DischargeSummary, c.MedicationPlan, c.FollowUpPlan = "住院 21 天，阳性症状消失", "利培酮 4mg qn，定期复查血常规", "两周内首次随访，之后每月一次"
					key = "down/" + string(u)
				}
				out[key] = append(out[key], &seedClinical{json: jsonString(c), risk: risk, suggested: c.SuggestsFastTrack(),
					sub: c.SubSpecialty, diag: d})
			}
		}
	}
	return out
}

// parties picks a direction and the sender and receiver of a referral in
// province p: grass roots refer up mostly to "their" core hospital, core
// hospitals refer stable patients down to CHCs and township centres.
func (g *seedGen) parties(p int) (referral.Direction, int, int) {
	pr := &g.prov[p]
	lv := pr.byLevel
	primary := func() int {
		if x := g.f(); x < 0.72 && len(lv[alliance.LevelCHC]) > 0 {
			return g.pick(lv[alliance.LevelCHC])
		}
		return g.pick(lv[alliance.LevelTownship])
	}
	switch x := g.f(); {
	case x < 0.62:
		var s int
		if g.f() < 0.75 {
			s = primary()
		} else {
			s = g.pick(lv[alliance.LevelSecondGrade])
		}
		r := g.inst[s].pref
		if g.inst[s].level != alliance.LevelSecondGrade && g.f() < 0.3 {
			r = g.pick(lv[alliance.LevelSecondGrade])
		} else if g.f() < 0.2 {
			r = g.pick(pr.tertiary)
		}
		return referral.Up, s, r
	case x < 0.92:
		if g.f() < 0.8 {
			s := g.pick(pr.tertiary)
			if g.f() < 0.25 {
				return referral.Down, s, g.pick(lv[alliance.LevelSecondGrade])
			}
			return referral.Down, s, primary()
		}
		return referral.Down, g.pick(lv[alliance.LevelSecondGrade]), primary()
	}
	for _, level := range []alliance.Level{alliance.LevelTertiary, alliance.LevelSecondGrade, alliance.LevelCHC} {
		if xs := lv[level]; len(xs) >= 2 && g.f() < 0.6 {
			a := g.pick(xs)
			b := g.pick(xs)
			for b == a {
				b = g.pick(xs)
			}
			return referral.Lateral, a, b
		}
	}
	s := primary()
	return referral.Up, s, g.inst[s].pref
}

// redirectTarget picks another receiver of the same level as r's, or -1.
func (g *seedGen) redirectTarget(r *seedRef) int {
	xs := g.prov[r.prov].byLevel[g.inst[r.receiver].level]
	for range 4 {
		c := g.pick(xs)
		if c != r.receiver && c != r.sender {
			return c
		}
	}
	return -1
}

// referralsStage generates the referrals day by day with their events,
// the eConsults that preceded some of them and others that stood alone,
// and the care relationships both open.
func (g *seedGen) referralsStage(ctx context.Context) error {
	refs, err := g.copy(ctx, "referrals", "id", "alliance_id", "patient_id", "direction", "urgency", "priority",
		"fast_track_suggested", "status", "version", "sender_institution_id", "sender_user_id", "receiver_institution_id",
		"receiver_department", "receiver_user_id", "sub_specialty", "risk_grade", "clinical", "appointment", "outcome",
		"follow_up", "note", "redirected_from_id", "redirected_to_id", "consult_id", "submitted_at", "accept_due_at",
		"admit_due_at", "follow_up_due_at", "accepted_at", "arrived_at", "closed_at", "due_at", "created_at", "updated_at")
	if err != nil {
		return err
	}
	cs := []*copier{refs}
	open := func(table string, cols ...string) *copier {
		if err != nil {
			return nil
		}
		var c *copier
		c, err = g.copy(ctx, table, cols...)
		cs = append(cs, c)
		return c
	}
	evs := open("referral_events", "id", "referral_id", "version", "action", "from_status", "to_status", "user_id", "username",
		"institution_id", "note", "at")
	cons := open("consults", "id", "patient_id", "status", "urgency", "version", "requester_institution_id", "requester_user_id",
		"target_institution_id", "specialist_user_id", "sub_specialty", "question", "summary", "diagnoses", "opinion",
		"submitted_at", "paused_seconds", "answered_at", "response_seconds", "referral_id", "created_at", "updated_at")
	msgs := open("consult_messages", "id", "consult_id", "version", "action", "user_id", "username", "institution_id", "body", "at")
	care := open("care_relations", "patient_id", "institution_id", "reason", "source_id", "created_at")
	if err != nil {
		g.closeAll(cs...)
		return err
	}
	w := &refWriter{g: g, refs: refs, evs: evs, cons: cons, msgs: msgs, care: care, clinicals: seedClinicals()}
	cum := make([]float64, len(g.prov))
	var acc float64
	for i, p := range g.prov {
		acc += p.pop
		cum[i] = acc
	}
	// eConsults: some precede an upward referral and become it (linked);
	// the rest are answered without a referral (standalone).
	const linked = 0.04
	w.standalone = max(0, float64(g.o.Scale.EConsults)/float64(max(1, g.o.Scale.Referrals))-0.62*0.75*linked)
	w.linked = linked
	days, counts := g.dayWeights()
	g.prog.setTotal(int64(g.o.Scale.Referrals))
	times := make([]time.Time, 0, 64)
	for di, d := range days {
		times = times[:0]
		for range counts[di] {
			times = append(times, g.officeTime(d))
		}
		sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
		for _, t := range times {
			if t.After(g.end) {
				continue
			}
			p := g.provinceByPop(cum)
			dir, s, r := g.parties(p)
			if werr := w.referral(p, dir, s, r, t.UTC()); werr != nil {
				return g.closeAllWith(werr, cs...)
			}
		}
		g.prog.add(int64(counts[di]))
	}
	return g.closeAll(cs...)
}

func (g *seedGen) closeAllWith(err error, cs ...*copier) error {
	if cerr := g.closeAll(cs...); cerr != nil {
		return cerr // the COPY's own error says why the stream broke
	}
	return err
}

type refWriter struct {
	g                           *seedGen
	refs, evs, cons, msgs, care *copier
	clinicals                   map[string][]*seedClinical
	linked, standalone          float64
}

// referral generates one referral made at t and simulates its life.
func (w *refWriter) referral(p int, dir referral.Direction, sender, receiver int, t time.Time) error {
	g := w.g
	urg := referral.Routine
	switch x := g.f(); {
	case dir == referral.Up && x < 0.08:
		urg = referral.FastTrack
	case dir == referral.Up && x < 0.28, dir != referral.Up && x < 0.12:
		urg = referral.Urgent
	}
	pat := g.patientOf(sender)
	if dir == referral.Down {
		pat = g.patientOf(receiver)
	}
	key := "up/" + string(urg)
	if dir == referral.Down {
		key = "down/" + string(urg)
	}
	cl := w.clinicals[key]
	r := &seedRef{id: g.uuid(t), prov: p, patient: pat, dir: dir, urg: urg, sender: sender, receiver: receiver,
		senderUser: g.pick(g.inst[sender].clinicians), clinical: cl[g.n(len(cl))], created: t}
	if dir == referral.Up && g.inst[sender].level != alliance.LevelTertiary && g.f() < w.linked {
		if err := w.econsult(r, true); err != nil {
			return err
		}
	}
	if g.f() < w.standalone {
		if err := w.econsult(&seedRef{prov: p, patient: pat, sender: sender, receiver: g.inst[sender].pref,
			senderUser: r.senderUser, created: t, clinical: r.clinical}, false); err != nil {
			return err
		}
	}
	for r != nil {
		next := g.lifecycle(r)
		if err := w.write(r); err != nil {
			return err
		}
		r = next
	}
	return nil
}

// lifecycle simulates r from creation until it closes or the data set
// ends, and returns the referral a redirect opened (or nil).
func (g *seedGen) lifecycle(r *seedRef) *seedRef {
	conv := g.inst[r.receiver].convener
	clin := func() int { return g.pick(g.inst[r.receiver].clinicians) }
	t := r.created
	emit := func(a referral.Action, to referral.Status, user int, at time.Time, note string) bool {
		if at.After(g.end) {
			return false
		}
		if at.Before(t) {
			at = t
		}
		r.evs = append(r.evs, seedEvent{action: a, from: r.status, to: to, user: user, at: at, note: note})
		r.status, t = to, at
		return true
	}
	closed := func() { c := t; r.closedAt = &c }
	submitted := func() {
		s := t
		r.submittedAt, r.everSubmitted, r.note = &s, true, ""
		c := g.sla.For(r.urg)
		a := s.Add(c.Accept)
		r.acceptDue, r.admitDue, r.followDue = &a, nil, nil
		if c.Admit > 0 {
			ad := s.Add(c.Admit)
			r.admitDue = &ad
		}
		if r.dir == referral.Down {
			f := s.Add(g.sla.FirstFollowUp)
			r.followDue = &f
		}
	}
	var next *seedRef
	if r.redirectedFrom != zeroID {
		emit(referral.Create, referral.Requested, r.createdBy, t, "redirected from "+uuidString(r.redirectedFrom))
		submitted()
	} else if x := g.f(); x < 0.03 {
		emit(referral.Create, referral.Draft, r.senderUser, t, "")
		if x < 0.005 {
			if emit(referral.Cancel, referral.Cancelled, r.senderUser, t.Add(g.dur(6*time.Hour, 1)), "草稿作废") {
				r.note = "草稿作废"
				closed()
			}
			return nil
		}
		if !emit(referral.Submit, referral.Requested, r.senderUser, t.Add(g.dur(3*time.Hour, 1)), "") {
			return nil
		}
		submitted()
	} else {
		emit(referral.Create, referral.Requested, r.senderUser, t, "")
		submitted()
	}
	median := map[referral.Urgency]time.Duration{referral.FastTrack: 50 * time.Minute, referral.Urgent: 6 * time.Hour,
		referral.Routine: 20 * time.Hour}[r.urg]
	for round := 0; ; round++ {
		delay := g.dur(median, 0.9)
		if g.f() < 0.05 {
			if !emit(referral.Hold, referral.OnHold, conv, t.Add(delay/2), "请补充近期血常规结果") {
				return nil
			}
			r.note = "请补充近期血常规结果"
			if !emit(referral.Resume, referral.Requested, r.senderUser, t.Add(g.dur(8*time.Hour, 0.8)), "已上传检查结果") {
				return nil
			}
		}
		switch d := g.f(); {
		case d < 0.03:
			if emit(referral.Cancel, referral.Cancelled, r.senderUser, t.Add(delay/2), "患者拒绝转诊") {
				r.note = "患者拒绝转诊"
				closed()
			}
			return nil
		case d < 0.10 && round == 0:
			if !emit(referral.Return, referral.Returned, clin(), t.Add(delay), "建议先在基层调整药物剂量后观察") {
				return nil
			}
			r.note = "建议先在基层调整药物剂量后观察"
			if g.f() < 0.6 {
				if !emit(referral.Submit, referral.Requested, r.senderUser, t.Add(g.dur(48*time.Hour, 0.7)), "") {
					return nil
				}
				submitted()
				continue
			}
			if g.f() < 0.5 && emit(referral.Cancel, referral.Cancelled, r.senderUser, t.Add(g.dur(5*24*time.Hour, 0.5)), "不再转诊") {
				r.note = "不再转诊"
				closed()
			}
			return nil
		case d < 0.13 && r.redirectedFrom == zeroID:
			to := g.redirectTarget(r)
			if to < 0 {
				break
			}
			if !emit(referral.Redirect, referral.Redirected, clin(), t.Add(delay), "该亚专科床位已满，转至合作医院") {
				return nil
			}
			r.note = "该亚专科床位已满，转至合作医院"
			closed()
			next = &seedRef{id: g.uuid(t), prov: r.prov, patient: r.patient, dir: r.dir, urg: r.urg, sender: r.sender,
				receiver: to, senderUser: r.senderUser, createdBy: r.evs[len(r.evs)-1].user, clinical: r.clinical, created: t,
				redirectedFrom: r.id}
			r.redirectedTo = next.id
			return next
		}
		break
	}
	if !emit(referral.Accept, referral.Accepted, conv, t.Add(g.dur(median, 0.9)), "") {
		return nil
	}
	acc := t
	r.acceptedAt = &acc
	if r.urg == referral.FastTrack {
		if !emit(referral.Arrive, referral.InProgress, conv, t.Add(g.dur(5*time.Hour, 0.8)), "") {
			return nil
		}
	} else {
		switch x := g.f(); {
		case x < 0.03:
			if emit(referral.Cancel, referral.Cancelled, conv, t.Add(g.dur(24*time.Hour, 0.6)), "患者已在当地住院") {
				r.note = "患者已在当地住院"
				closed()
			}
			return nil
		case x < 0.15:
			if !emit(referral.Arrive, referral.InProgress, conv, t.Add(g.dur(24*time.Hour, 0.8)), "") {
				return nil
			}
		default:
			lead := map[referral.Urgency]time.Duration{referral.Urgent: 24 * time.Hour, referral.Routine: 4 * 24 * time.Hour}[r.urg]
			if !emit(referral.Schedule, referral.Scheduled, conv, t.Add(g.dur(4*time.Hour, 1)), "") {
				return nil
			}
			at := t.Add(time.Hour + g.dur(lead, 0.6)).Truncate(30 * time.Minute)
			r.appt = &at
			if g.f() < 0.1 {
				if !emit(referral.Schedule, referral.Scheduled, conv, t.Add(g.dur(12*time.Hour, 0.5)), "") {
					return nil
				}
				moved := at.Add(g.dur(48*time.Hour, 0.4)).Truncate(30 * time.Minute)
				r.appt = &moved
			}
			if g.f() < 0.08 {
				if emit(referral.Fail, referral.Failed, conv, r.appt.Add(2*time.Hour), "患者未按约就诊") {
					r.note = "患者未按约就诊"
					closed()
				}
				return nil
			}
			if !emit(referral.Arrive, referral.InProgress, conv, r.appt.Add(time.Duration(g.n(90)-30)*time.Minute), "") {
				return nil
			}
		}
	}
	arr := t
	r.arrivedAt = &arr
	if r.dir == referral.Down {
		seen := t.Add(g.dur(7*24*time.Hour, 0.55))
		date := seen.In(chinaZone).Format(time.DateOnly)
		onTime := r.followDue == nil || date <= r.followDue.In(chinaZone).Format(time.DateOnly)
		if !emit(referral.Complete, referral.Completed, clin(), seen, "") {
			return nil
		}
		r.followUp = jsonString(referral.FollowUp{Date: date, RiskGrade: g.n(2), Condition: referral.Stable,
			Notes: "按时服药，情绪平稳", OnTime: onTime})
		r.outcome = jsonString(referral.Outcome{Summary: "社区接收，已建立随访档案", Diagnoses: []string{r.clinical.diag}})
	} else {
		if !emit(referral.Complete, referral.Completed, clin(), t.Add(g.dur(15*24*time.Hour, 0.6)), "") {
			return nil
		}
		r.outcome = jsonString(referral.Outcome{Summary: "住院治疗后症状缓解出院", Diagnoses: []string{r.clinical.diag},
			Plan: "维持原剂量，两周后门诊复诊"})
	}
	closed()
	return nil
}

// write writes a simulated referral, its events and its care relation.
func (w *refWriter) write(r *seedRef) error {
	g := w.g
	sender, receiver := &g.inst[r.sender], &g.inst[r.receiver]
	last := r.evs[len(r.evs)-1].at
	rf := w.refs
	rf.id(r.id).id(g.prov[r.prov].alliance).id(g.patients[r.patient]).str(string(r.dir)).str(string(r.urg)).
		int(int64(r.urg.Priority())).bool(r.clinical.suggested).str(string(r.status)).int(int64(len(r.evs))).
		id(sender.id).id(g.users[r.senderUser].id).id(receiver.id).str("").str("").str(r.clinical.sub).
		int(int64(r.clinical.risk)).str(r.clinical.json)
	if r.appt != nil && (r.status == referral.Scheduled || r.status == referral.InProgress || r.status == referral.Completed ||
		r.status == referral.Failed) {
		rf.str(jsonString(referral.Appointment{At: *r.appt, Place: "门诊楼 3 层"}))
	} else {
		rf.str("")
	}
	rf.str(r.outcome).str(r.followUp).str(r.note)
	for _, id := range [][16]byte{r.redirectedFrom, r.redirectedTo, r.consultID} {
		if id == zeroID {
			rf.str("")
		} else {
			rf.id(id)
		}
	}
	rf.tsp(r.submittedAt).tsp(r.acceptDue).tsp(r.admitDue).tsp(r.followDue).tsp(r.acceptedAt).tsp(r.arrivedAt).tsp(r.closedAt)
	var due *time.Time
	switch {
	case r.status == referral.Requested || r.status == referral.OnHold:
		due = r.acceptDue
	case (r.status == referral.Accepted || r.status == referral.Scheduled) && r.admitDue != nil:
		due = r.admitDue
	case r.status == referral.Scheduled && r.appt != nil:
		due = r.appt
	}
	rf.tsp(due).ts(r.created).ts(last)
	if err := rf.end(); err != nil {
		return err
	}
	for i, e := range r.evs {
		u := g.users[e.user]
		w.evs.id(g.uuid(e.at)).id(r.id).int(int64(i + 1)).str(string(e.action)).str(string(e.from)).str(string(e.to)).
			id(u.id).str(u.username).id(g.inst[u.inst].id).str(e.note).ts(e.at)
		if err := w.evs.end(); err != nil {
			return err
		}
	}
	if r.everSubmitted {
		w.care.id(g.patients[r.patient]).id(receiver.id).str(CareReferral).id(r.id).ts(*r.submittedAt)
		return w.care.end()
	}
	return nil
}

// econsult writes an eConsult from r's sender to its "own" core hospital
// about r's patient: linked ones are answered before r is made and become
// r; standalone ones are answered (or still open) without a referral.
func (w *refWriter) econsult(r *seedRef, linked bool) error {
	g := w.g
	target := g.inst[r.sender].pref
	asked := r.created
	if linked {
		asked = r.created.Add(-g.dur(40*time.Hour, 0.6))
	}
	if asked.Before(g.start) {
		return nil
	}
	id := g.uuid(asked)
	spec := g.pick(g.inst[target].clinicians)
	conv := g.inst[target].convener
	status, version := consult.Answered, 3
	answered := asked.Add(g.dur(20*time.Hour, 0.9))
	if linked && !answered.Before(r.created) {
		answered = asked.Add(r.created.Sub(asked) / 2)
	}
	x := g.f()
	switch {
	case !linked && x < 0.03:
		status, version = consult.Cancelled, 2
	case answered.After(g.end):
		status, version = consult.Assigned, 2
	}
	requester := g.users[r.senderUser]
	c := w.cons
	c.id(id).id(g.patients[r.patient]).str(string(status)).str("routine").int(int64(version)).id(g.inst[r.sender].id).
		id(requester.id).id(g.inst[target].id)
	if status == consult.Cancelled {
		c.str("")
	} else {
		c.id(g.users[spec].id)
	}
	c.str(r.clinical.sub).str("是否需要调整治疗方案或转诊？").str("近期病情波动，服药依从性差").str(`["` + r.clinical.diag + `"]`)
	updated := asked
	if status == consult.Answered {
		op := consult.Opinion{Impression: "精神病性症状复燃", Diagnoses: []string{r.clinical.diag},
			Recommendations: "调整抗精神病药剂量，两周后复评", ReferralAdvised: linked, Disclaimer: consult.NoPrescription,
			AuthorUserID: uuidString(g.users[spec].id), At: answered}
		c.str(jsonString(op)).ts(asked).int(0).ts(answered).int(int64(answered.Sub(asked) / time.Second))
		updated = answered
	} else {
		c.str("").ts(asked).int(0).null().null()
	}
	if linked {
		c.id(r.id)
		r.consultID = id
		updated = r.created
	} else {
		c.str("")
	}
	c.ts(asked).ts(updated)
	if err := c.end(); err != nil {
		return err
	}
	msg := func(v int, a consult.Action, u int, body string, at time.Time) error {
		w.msgs.id(g.uuid(at)).id(id).int(int64(v)).str(string(a)).id(g.users[u].id).str(g.users[u].username).
			id(g.inst[g.users[u].inst].id).str(body).ts(at)
		return w.msgs.end()
	}
	if err := msg(1, consult.Create, r.senderUser, "是否需要调整治疗方案或转诊？", asked); err != nil {
		return err
	}
	switch status {
	case consult.Cancelled:
		err := msg(2, consult.Cancel, r.senderUser, "患者已好转", asked.Add(time.Hour))
		if err != nil {
			return err
		}
	default:
		if err := msg(2, consult.Assign, conv, "", asked.Add(10*time.Minute)); err != nil {
			return err
		}
		if status == consult.Answered {
			if err := msg(3, consult.Answer, spec, "精神病性症状复燃", answered); err != nil {
				return err
			}
		}
	}
	w.care.id(g.patients[r.patient]).id(g.inst[target].id).str(CareConsult).id(id).ts(asked)
	return w.care.end()
}
