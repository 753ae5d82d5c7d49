package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/region"
)

// seedProvinces are the 30 province-level divisions the national data set
// covers (mainland China less Tibet), with their 2020 census population in
// millions, which weighs institutions and referrals. Anhui comes first, so
// the smallest scales are the demo's province.
var seedProvinces = []struct {
	code  string
	short string
	pop   float64
}{
	{"340000", "安徽", 61.0}, {"110000", "北京", 21.9}, {"120000", "天津", 13.9}, {"130000", "河北", 74.6},
	{"140000", "山西", 34.9}, {"150000", "内蒙古", 24.0}, {"210000", "辽宁", 42.6}, {"220000", "吉林", 24.1},
	{"230000", "黑龙江", 31.9}, {"310000", "上海", 24.9}, {"320000", "江苏", 84.7}, {"330000", "浙江", 64.6},
	{"350000", "福建", 41.5}, {"360000", "江西", 45.2}, {"370000", "山东", 101.5}, {"410000", "河南", 99.4},
	{"420000", "湖北", 57.8}, {"430000", "湖南", 66.4}, {"440000", "广东", 126.0}, {"450000", "广西", 50.1},
	{"460000", "海南", 10.1}, {"500000", "重庆", 32.1}, {"510000", "四川", 83.7}, {"520000", "贵州", 38.6},
	{"530000", "云南", 47.2}, {"610000", "陕西", 39.5}, {"620000", "甘肃", 25.0}, {"630000", "青海", 5.9},
	{"640000", "宁夏", 7.2}, {"650000", "新疆", 25.9},
}

// Month and weekday factors of referral volume: fewer around the Spring
// Festival (January–February) and the October Golden Week, more in spring;
// few on weekends.
var (
	seedMonthFactor   = [12]float64{0.85, 0.72, 1.1, 1.12, 1.08, 1.0, 0.95, 0.95, 1.05, 0.88, 1.05, 1.02}
	seedWeekdayFactor = [7]float64{0.35, 1.15, 1.1, 1.05, 1.05, 1.0, 0.45} // Sunday first
)

type seedProv struct {
	code, short string
	pop         float64
	alliance    [16]byte
	inst        []int
	byLevel     map[alliance.Level][]int
	tertiary    []int // psychiatric hospitals and general hospitals' departments
	initiator   int
	patients    [2]int // patient index range
}

type seedInst struct {
	id         [16]byte
	name       string
	level      alliance.Level
	kind       alliance.Kind
	region     string
	prov       int
	clinicians []int // user indexes
	convener   int
	patLo      int
	patHi      int
	pref       int // the tertiary institution it refers to most
}

type seedUser struct {
	id       [16]byte
	username string
	inst     int
}

type seedEvent struct {
	action   referral.Action
	from, to referral.Status
	user     int
	at       time.Time
	note     string
}

// seedGen generates the data set deterministically from its seed (only the
// AES-GCM nonces of the national IDs come from crypto/rand).
type seedGen struct {
	s          *Store
	o          SeedOptions
	prog       *progress
	super      bool
	rng        *rand.Rand
	start, end time.Time
	prov       []seedProv
	inst       []seedInst
	users      []seedUser
	patients   [][16]byte
	patInst    []int32
	rows       map[string]int64
	pwHash     string
	adminUser  string
	sysadminID string
	sla        referral.SLA
}

func newSeedGen(s *Store, o SeedOptions, prog *progress, super bool) *seedGen {
	if o.End.IsZero() {
		o.End = time.Now()
	}
	g := &seedGen{s: s, o: o, prog: prog, super: super, rng: rand.New(rand.NewPCG(o.Seed, 0x6c69616e78696e)),
		end: o.End.UTC().Truncate(time.Second), rows: map[string]int64{}, sla: referral.DefaultSLA}
	g.start = g.end.AddDate(-o.Scale.Years, 0, 0)
	return g
}

func (g *seedGen) f() float64        { return g.rng.Float64() }
func (g *seedGen) n(k int) int       { return g.rng.IntN(k) }
func (g *seedGen) pick(xs []int) int { return xs[g.rng.IntN(len(xs))] }

// dur is a log-normal duration with the given median and spread (sigma).
func (g *seedGen) dur(median time.Duration, sigma float64) time.Duration {
	return time.Duration(float64(median) * math.Exp(sigma*g.rng.NormFloat64())).Truncate(time.Second)
}

// uuid is a UUIDv7 of instant t with generated random bits.
func (g *seedGen) uuid(t time.Time) [16]byte {
	var u [16]byte
	ms := uint64(t.UnixMilli())
	binary.BigEndian.PutUint64(u[8:], g.rng.Uint64())
	r := g.rng.Uint64()
	u[0], u[1], u[2], u[3], u[4], u[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	u[6], u[7] = 0x70|byte(r&0x0f), byte(r>>8)
	u[8] = 0x80 | u[8]&0x3f
	return u
}

func (g *seedGen) copy(ctx context.Context, table string, cols ...string) (*copier, error) {
	return g.s.startCopy(ctx, table, cols, g.super)
}

// closeAll closes the copiers and counts their rows.
func (g *seedGen) closeAll(cs ...*copier) error {
	var first error
	for _, c := range cs {
		if c == nil {
			continue
		}
		if err := c.close(); err != nil && first == nil {
			first = err
		}
		g.rows[c.table] += c.rows
	}
	return first
}

func (g *seedGen) run(ctx context.Context, stage func(string, func() error) error) error {
	hash, err := auth.HashPassword(uuidString(g.uuid(time.Now())) + "-unusable")
	if err != nil {
		return err
	}
	g.pwHash = hash
	for _, st := range []struct {
		name string
		fn   func(context.Context) error
	}{
		{"directory", g.directory}, {"goals", g.goalsStage}, {"patients", g.patientsStage},
		{"referrals", g.referralsStage}, {"video, rounds", g.activityStage},
	} {
		if err := stage(st.name, func() error { return st.fn(ctx) }); err != nil {
			return err
		}
	}
	return nil
}

// directory writes the institutions, users, alliances and memberships.
func (g *seedGen) directory(ctx context.Context) error {
	sc := g.o.Scale
	np := min(sc.Provinces, len(seedProvinces))
	var popSum float64
	for _, p := range seedProvinces[:np] {
		popSum += p.pop
	}
	for i, p := range seedProvinces[:np] {
		g.prov = append(g.prov, seedProv{code: p.code, short: p.short, pop: p.pop, alliance: g.uuid(g.start),
			byLevel: map[alliance.Level][]int{}})
		n := max(8, int(math.Round(float64(sc.Institutions)*p.pop/popSum)))
		g.addInstitutions(i, n)
	}
	// Clinicians by level, at least a convener and one clinician each.
	weight := map[alliance.Level]float64{alliance.LevelTertiary: 30, alliance.LevelSecondGrade: 12, alliance.LevelCHC: 4, alliance.LevelTownship: 2}
	var wsum float64
	for _, in := range g.inst {
		wsum += weight[in.level]
	}
	for i := range g.inst {
		k := max(2, int(math.Round(float64(sc.Clinicians)*weight[g.inst[i].level]/wsum)))
		for j := 0; j < k; j++ {
			g.users = append(g.users, seedUser{id: g.uuid(g.start), username: fmt.Sprintf("u%06d", len(g.users)), inst: i})
			if j == 0 {
				g.inst[i].convener = len(g.users) - 1
			} else {
				g.inst[i].clinicians = append(g.inst[i].clinicians, len(g.users)-1)
			}
		}
	}
	ins, err := g.copy(ctx, "institutions", "id", "name", "level", "kind", "region_code", "sub_specialties", "beds", "created_at", "updated_at")
	if err != nil {
		return err
	}
	for _, in := range g.inst {
		subs, beds := "", 0
		if in.level == alliance.LevelTertiary {
			subs, beds = "general_adult,child_adolescent,geriatric,mood,addiction,sleep,psychosomatic", 300+g.n(900)
		} else if in.level == alliance.LevelSecondGrade {
			subs, beds = "general_adult,geriatric", 80+g.n(300)
		}
		ins.id(in.id).str(in.name).str(string(in.level)).str(string(in.kind)).str(in.region).str(subs).int(int64(beds)).
			ts(g.start.AddDate(-1, 0, 0)).ts(g.start.AddDate(-1, 0, 0))
		if err := ins.end(); err != nil {
			break
		}
	}
	if err := g.closeAll(ins); err != nil {
		return err
	}
	us, err := g.copy(ctx, "users", "id", "username", "display_name", "password_hash", "roles", "title", "practice_years",
		"phone", "institution_id", "created_at", "updated_at")
	if err != nil {
		return err
	}
	titles := []auth.Title{"resident", "attending", "attending", "associate_chief", "chief"}
	writeUser := func(u seedUser, roles []auth.Role, name string) error {
		us.id(u.id).str(u.username).str(name).str(g.pwHash).str(auth.JoinRoles(roles)).str(string(titles[g.n(len(titles))])).
			int(int64(3 + g.n(28))).str("").id(g.inst[u.inst].id).ts(g.start).ts(g.start)
		return us.end()
	}
	for i, u := range g.users {
		in := g.inst[u.inst]
		role := auth.RoleDoctor
		if in.level == alliance.LevelTertiary {
			role = auth.RoleSpecialist
		}
		if in.convener == i {
			role = auth.RoleConvener
		}
		if err := writeUser(u, []auth.Role{role}, seedPersonName(g.rng)); err != nil {
			break
		}
	}
	admins := make([]seedUser, len(g.prov))
	for i, p := range g.prov {
		admins[i] = seedUser{id: g.uuid(g.start), username: "admin-" + p.code, inst: p.initiator}
		writeUser(admins[i], []auth.Role{auth.RoleAllianceAdmin}, p.short+"联盟办公室")
	}
	sys := seedUser{id: g.uuid(g.start), username: "sysadmin", inst: g.prov[0].initiator}
	writeUser(sys, []auth.Role{auth.RoleSysadmin, auth.RoleAllianceAdmin}, "系统管理员")
	g.adminUser, g.sysadminID = admins[0].username, uuidString(sys.id)
	if err := g.closeAll(us); err != nil {
		return err
	}
	as, err := g.copy(ctx, "alliances", "id", "name", "model", "initiator_id", "region_code", "established_on", "created_at")
	if err != nil {
		return err
	}
	est := g.start.AddDate(0, -1, 0)
	for _, p := range g.prov {
		as.id(p.alliance).str(p.short + "精神卫生专科医联体").str("vertical").id(g.inst[p.initiator].id).str(p.code).
			str(est.In(chinaZone).Format(time.DateOnly)).ts(est)
		as.end()
	}
	if err := g.closeAll(as); err != nil {
		return err
	}
	ms, err := g.copy(ctx, "memberships", "alliance_id", "institution_id", "role", "joined_on", "convener_user_id",
		"sub_regional_expert_user_id", "created_at")
	if err != nil {
		return err
	}
	for _, p := range g.prov {
		expert := g.pick(g.inst[p.initiator].clinicians)
		for _, i := range p.inst {
			in := g.inst[i]
			role := alliance.MemberMember
			if in.level == alliance.LevelTertiary {
				role = alliance.MemberCore
			}
			ms.id(p.alliance).id(in.id).str(string(role)).str(est.AddDate(0, 0, g.n(20)).In(chinaZone).Format(time.DateOnly)).
				id(g.users[in.convener].id)
			if in.level == alliance.LevelCHC || in.level == alliance.LevelTownship {
				ms.id(g.users[expert].id)
			} else {
				ms.null()
			}
			ms.ts(est)
			ms.end()
		}
	}
	return g.closeAll(ms)
}

// addInstitutions adds n institutions of province p: psychiatric hospitals
// (the first is the alliance's initiator), general hospitals' psychiatric
// departments, county hospitals, CHCs and township health centres.
func (g *seedGen) addInstitutions(p, n int) {
	pr := &g.prov[p]
	psych, general := max(1, int(math.Round(float64(n)*0.04))), max(1, int(math.Round(float64(n)*0.04)))
	second, township := max(1, int(math.Round(float64(n)*0.22))), max(1, int(math.Round(float64(n)*0.18)))
	chc := max(1, n-psych-general-second-township)
	pp := pr.code[:2]
	add := func(level alliance.Level, kind alliance.Kind, name, reg string) {
		g.inst = append(g.inst, seedInst{id: g.uuid(g.start), name: name, level: level, kind: kind, region: reg, prov: p})
		i := len(g.inst) - 1
		pr.inst = append(pr.inst, i)
		pr.byLevel[level] = append(pr.byLevel[level], i)
		if level == alliance.LevelTertiary {
			pr.tertiary = append(pr.tertiary, i)
		}
	}
	county := func() string { return fmt.Sprintf("%s%02d%02d", pp, 1+g.n(12), 1+g.n(20)) }
	for k := 1; k <= psych; k++ {
		name := pr.short + "省精神卫生中心"
		if k > 1 {
			name = fmt.Sprintf("%s第%d精神病医院", pr.short, k)
		}
		add(alliance.LevelTertiary, "psychiatric_hospital", name, pp+"0102")
	}
	pr.initiator = pr.tertiary[0]
	for k := 1; k <= general; k++ {
		add(alliance.LevelTertiary, "general_hospital_psych_dept", fmt.Sprintf("%s第%d人民医院精神科", pr.short, k), pp+"0103")
	}
	for k := 1; k <= second; k++ {
		add(alliance.LevelSecondGrade, "psychiatric_hospital", fmt.Sprintf("%s第%d县精神病医院", pr.short, k), county())
	}
	for k := 1; k <= chc; k++ {
		add(alliance.LevelCHC, "chc", fmt.Sprintf("%s第%d街道社区卫生服务中心", pr.short, k), county())
	}
	for k := 1; k <= township; k++ {
		add(alliance.LevelTownship, "township_health_centre", fmt.Sprintf("%s第%d镇卫生院", pr.short, k), county())
	}
	for _, i := range pr.inst {
		g.inst[i].pref = pr.tertiary[i%len(pr.tertiary)]
	}
	for _, code := range []string{pr.code} {
		if _, ok := region.Lookup(code); !ok {
			panic("seed: unknown province " + code)
		}
	}
}

var (
	seedSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	seedGiven    = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽")
)

func seedPersonName(r *rand.Rand) string {
	name := []rune{seedSurnames[r.IntN(len(seedSurnames))], seedGiven[r.IntN(len(seedGiven))]}
	if r.IntN(3) > 0 {
		name = append(name, seedGiven[r.IntN(len(seedGiven))])
	}
	return string(name)
}

// patientsStage registers the patients at their home institutions, each
// with a valid national ID of the institution's region, encrypted and
// hashed with the store's keys.
func (g *seedGen) patientsStage(ctx context.Context) error {
	weight := map[alliance.Kind]float64{"psychiatric_hospital": 3, "general_hospital_psych_dept": 1, "chc": 2, "township_health_centre": 1.5}
	var wsum float64
	for _, in := range g.inst {
		wsum += weight[in.kind]
	}
	total := g.o.Scale.Patients
	g.patients = make([][16]byte, 0, total)
	g.patInst = make([]int32, 0, total)
	g.prog.setTotal(int64(total))
	ps, err := g.copy(ctx, "patients", "id", "name", "sex", "birth_date", "phone", "national_id_enc", "national_id_hash",
		"national_id_masked", "home_institution_id", "severe_disorder", "diagnosis_code", "created_by", "created_at", "updated_at")
	if err != nil {
		return err
	}
	cr, err := g.copy(ctx, "care_relations", "patient_id", "institution_id", "reason", "source_id", "created_at")
	if err != nil {
		g.closeAll(ps)
		return err
	}
	// Birth dates 1940–2007 and serials are a bijection of the patient's
	// number, so every national ID is distinct.
	const days = 24837
	mult := 2654435761 % (days * 1000)
	for gcd(mult, days*1000) != 1 {
		mult++
	}
	born := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
	diags := []string{"F20.0", "F20.0", "F31.1", "F32.1", "F25.0", "F22.0", "F06.8", "F33.1", "F41.1"}
	var werr error
	for i, in := range g.inst {
		k := int(math.Round(float64(total) * weight[in.kind] / wsum))
		if i == len(g.inst)-1 {
			k = max(0, total-len(g.patients))
		}
		g.inst[i].patLo = len(g.patients)
		for j := 0; j < k && len(g.patients) < total; j++ {
			n := len(g.patients)
			x := (n * mult) % (days * 1000)
			birth := born.AddDate(0, 0, x%days)
			serial := x / days
			first17 := in.region + birth.Format("20060102") + fmt.Sprintf("%03d", serial)
			nid := first17 + string(patient.NationalIDCheckChar(first17))
			sex := "female"
			if serial%2 == 1 {
				sex = "male"
			}
			created := g.start.Add(-time.Duration(g.n(3*365*24)) * time.Hour)
			id := g.uuid(created)
			g.patients = append(g.patients, id)
			g.patInst = append(g.patInst, int32(i))
			diag := diags[g.n(len(diags))]
			ps.id(id).str(seedPersonName(g.rng)).str(sex).str(birth.Format(time.DateOnly)).str("").
				str(g.s.keys.Seal(nid)).str(g.s.keys.Lookup(nid)).str(patient.MaskNationalID(nid)).id(in.id).
				bool(diag < "F30").str(diag).id(g.users[g.pick(in.clinicians)].id).ts(created).ts(created)
			if werr = ps.end(); werr != nil {
				break
			}
			cr.id(id).id(in.id).str(CareHome).str("").ts(created)
			if werr = cr.end(); werr != nil {
				break
			}
			if n%4096 == 0 {
				g.prog.add(4096)
			}
		}
		g.inst[i].patHi = len(g.patients)
		if werr != nil {
			break
		}
	}
	return g.closeAll(ps, cr)
}

// patientOf picks a patient registered at institution i (or anywhere in
// its province when it has none).
func (g *seedGen) patientOf(i int) int {
	in := g.inst[i]
	if in.patHi > in.patLo {
		return in.patLo + g.n(in.patHi-in.patLo)
	}
	other := g.pick(g.prov[in.prov].inst)
	if g.inst[other].patHi > g.inst[other].patLo {
		return g.patientOf(other)
	}
	return g.n(len(g.patients))
}

// dayWeights spreads the referrals over the days: growth as the alliances
// mature (to twice the first year's volume), season and weekday.
func (g *seedGen) dayWeights() ([]time.Time, []int) {
	var days []time.Time
	var ws []float64
	var sum float64
	first := time.Date(g.start.In(chinaZone).Year(), g.start.In(chinaZone).Month(), g.start.In(chinaZone).Day(), 0, 0, 0, 0, chinaZone)
	span := g.end.Sub(first).Hours() / 24
	for d := first; d.Before(g.end); d = d.AddDate(0, 0, 1) {
		x := d.Sub(first).Hours() / 24 / span
		w := (0.5 + 0.5*x) * seedMonthFactor[d.Month()-1] * seedWeekdayFactor[d.Weekday()]
		days, ws = append(days, d), append(ws, w)
		sum += w
	}
	counts := make([]int, len(days))
	carry := 0.0
	for i, w := range ws {
		exact := float64(g.o.Scale.Referrals)*w/sum + carry
		counts[i] = int(exact)
		carry = exact - float64(counts[i])
	}
	return days, counts
}

// officeTime is a time of day d (CST midnight) in clinic hours.
func (g *seedGen) officeTime(d time.Time) time.Time {
	h := 8 + 9.5*math.Pow(g.f(), 1.3)
	return d.Add(time.Duration(h * float64(time.Hour))).Add(time.Duration(g.n(3600)) * time.Second)
}

// provinceByPop picks a province weighted by population.
func (g *seedGen) provinceByPop(cum []float64) int {
	x := g.f() * cum[len(cum)-1]
	return sort.SearchFloat64s(cum, x)
}

// sortedSet lists a set's members in order, so the generator stays
// deterministic.
func sortedSet(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
