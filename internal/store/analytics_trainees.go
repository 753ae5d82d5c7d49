package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"github.com/lianxin-hub/lianxin/internal/analytics"
)

// Staff trained are distinct people, which no sum of rollup rows gives. The
// day rows of analytics_trained answer short ranges; for whole months each
// person's row in analytics_trainees holds a mask of the months they
// trained in (migration 0012), so a ten-year count reads one short row per
// person.

// The months of a mask: month n counts from January 2010 (n = 0); 480 months
// reach December 2049. Four months to a hexadecimal digit, the lowest bit
// the earliest.
const (
	traineeEpoch  = 2010
	traineeMonths = 480
)

// monthIndex is the mask position of day's (YYYY-MM-DD) month, or -1
// outside the mask.
func monthIndex(day string) int {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return -1
	}
	i := (t.Year()-traineeEpoch)*12 + int(t.Month()) - 1
	if i < 0 || i >= traineeMonths {
		return -1
	}
	return i
}

// monthMask is a months mask being built.
type monthMask []byte

func newMonthMask() monthMask { return monthMask(strings.Repeat("0", traineeMonths/4)) }

const hexDigits = "0123456789abcdef"

func (m monthMask) set(i int) {
	d := strings.IndexByte(hexDigits, m[i/4])
	m[i/4] = hexDigits[d|1<<(i%4)]
}

// digitsWith lists, as a SQL list, the hexadecimal digits with any of the
// bits lo..hi (0–3) set.
func digitsWith(lo, hi int) string {
	var ds []string
	for d := 1; d < 16; d++ {
		for b := lo; b <= hi; b++ {
			if d&(1<<b) != 0 {
				ds = append(ds, "'"+hexDigits[d:d+1]+"'")
				break
			}
		}
	}
	return "(" + strings.Join(ds, ", ") + ")"
}

// anyMonth is the SQL condition that a trainees row has a month in a..b.
func anyMonth(a, b int) string {
	digit := func(j int) string { return "substr(months, " + itoa(j+1) + ", 1)" }
	ja, jb := a/4, b/4
	var spans string
	if ja == jb {
		spans = digit(ja) + " IN " + digitsWith(a%4, b%4)
	} else {
		spans = digit(ja) + " IN " + digitsWith(a%4, 3) + " OR " + digit(jb) + " IN " + digitsWith(0, b%4)
		if n := jb - ja - 1; n > 0 {
			spans += " OR substr(months, " + itoa(ja+2) + ", " + itoa(n) + ") <> '" + strings.Repeat("0", n) + "'"
		}
	}
	return "(first_month BETWEEN " + itoa(a) + " AND " + itoa(b) + " OR last_month BETWEEN " + itoa(a) + " AND " + itoa(b) +
		" OR (first_month < " + itoa(a) + " AND last_month > " + itoa(b) + " AND (" + spans + ")))"
}

type traineeRow struct {
	InstitutionID string `gorm:"primaryKey"`
	UserID        string `gorm:"primaryKey"`
	FirstMonth    int
	LastMonth     int
	Months        string
}

func (traineeRow) TableName() string { return "analytics_trainees" }

// markTrainee records that a person trained on day, under the institution
// they belong to now, in the caller's transaction.
func (s *Store) markTrainee(ctx context.Context, userID, day string) error {
	db := s.conn(ctx)
	if err := db.Exec("INSERT INTO analytics_trained (institution_id, day, user_id) SELECT institution_id, ?, id FROM users "+
		"WHERE id = ? ON CONFLICT DO NOTHING", day, userID).Error; err != nil {
		return err
	}
	i := monthIndex(day)
	if i < 0 {
		return nil
	}
	var u userRow
	if err := db.Select("institution_id").Where("id = ?", userID).Take(&u).Error; err != nil {
		return err
	}
	// Create the row, then lock and update it: two stays of one person at
	// once take turns (SQLite has one writer anyway).
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&traineeRow{InstitutionID: u.InstitutionID,
		UserID: userID, FirstMonth: i, LastMonth: i, Months: string(newMonthMask())}).Error; err != nil {
		return err
	}
	var row traineeRow
	q := db.Where("institution_id = ? AND user_id = ?", u.InstitutionID, userID)
	if s.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Take(&row).Error; err != nil {
		return err
	}
	m := monthMask(row.Months)
	m.set(i)
	return db.Model(&traineeRow{}).Where("institution_id = ? AND user_id = ?", u.InstitutionID, userID).
		Updates(map[string]any{"first_month": min(row.FirstMonth, i), "last_month": max(row.LastMonth, i), "months": string(m)}).Error
}

// fillTrainees writes analytics_trainees afresh from analytics_trained.
func (s *Store) fillTrainees(ctx context.Context) error {
	rows, err := s.conn(ctx).Raw("SELECT institution_id, user_id, day FROM analytics_trained ORDER BY institution_id, user_id").Rows()
	if err != nil {
		return err
	}
	var out []traineeRow
	var cur monthMask
	flush := func() {
		if n := len(out); n > 0 {
			out[n-1].Months = string(cur)
		}
	}
	for rows.Next() {
		var inst, user, day string
		if err := rows.Scan(&inst, &user, &day); err != nil {
			rows.Close()
			return err
		}
		i := monthIndex(day)
		if i < 0 {
			continue
		}
		if n := len(out); n == 0 || out[n-1].InstitutionID != inst || out[n-1].UserID != user {
			flush()
			out, cur = append(out, traineeRow{InstitutionID: inst, UserID: user, FirstMonth: i, LastMonth: i}), newMonthMask()
		}
		r := &out[len(out)-1]
		r.FirstMonth, r.LastMonth = min(r.FirstMonth, i), max(r.LastMonth, i)
		cur.set(i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	flush()
	if len(out) == 0 {
		return nil
	}
	return s.conn(ctx).CreateInBatches(out, 500).Error
}

// staffTrained counts the distinct people trained in f's range within an
// institution scope (a condition on institution_id): whole months from the
// month masks, the days at the edges from the day rows.
func (s *Store) staffTrained(ctx context.Context, f *analytics.Filter, scope sqlPart) (int64, error) {
	var parts []sqlPart
	days := func(from, to string) {
		parts = append(parts, sqlPart{"SELECT user_id FROM analytics_trained WHERE day >= ? AND day <= ? AND " + scope.sql,
			append([]any{from, to}, scope.args...)})
	}
	for _, sp := range analytics.Cover(f.From, f.To, analytics.Month) {
		a, b := monthIndex(sp.From+"-01"), monthIndex(sp.To+"-01")
		switch {
		case sp.Grain == analytics.Day:
			days(sp.From, sp.To)
		case a < 0 || b < 0: // outside the masks: the day rows
			days(sp.From+"-01", sp.To+"-31")
		default:
			parts = append(parts, sqlPart{"SELECT user_id FROM analytics_trainees WHERE " + anyMonth(a, b) + " AND " + scope.sql,
				scope.args})
		}
	}
	if len(parts) == 0 {
		return 0, nil
	}
	u := unionAll(parts)
	var n int64
	err := s.scalars(ctx, "SELECT COUNT(DISTINCT user_id) FROM ("+u.sql+") x", u.args, &n)
	return n, err
}
