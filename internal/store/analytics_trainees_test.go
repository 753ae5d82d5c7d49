package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
)

// TestAnyMonthMatchesTheMasks: for people with random training months, the
// SQL condition anyMonth(a, b) selects exactly those with a month in a..b,
// for every range within the first six years of the mask.
func TestAnyMonthMatchesTheMasks(t *testing.T) {
	db, err := gorm.Open(sqlite.Open(":memory:"), &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("CREATE TABLE analytics_trainees (institution_id TEXT, user_id TEXT, first_month INTEGER, " +
		"last_month INTEGER, months TEXT)").Error; err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	const span = 72
	trained := map[string][]int{}
	for p := range 60 {
		id := fmt.Sprintf("u%02d", p)
		m := newMonthMask()
		var months []int
		for range 1 + r.IntN(4) {
			i := r.IntN(span)
			m.set(i)
			months = append(months, i)
		}
		slices.Sort(months)
		trained[id] = months
		if err := db.Create(&traineeRow{InstitutionID: "i", UserID: id, FirstMonth: months[0],
			LastMonth: months[len(months)-1], Months: string(m)}).Error; err != nil {
			t.Fatal(err)
		}
	}
	for a := range span {
		for b := a; b < span; b++ {
			var got []string
			if err := db.Raw("SELECT user_id FROM analytics_trainees WHERE " + anyMonth(a, b) + " ORDER BY user_id").
				Scan(&got).Error; err != nil {
				t.Fatal(err)
			}
			var want []string
			for id, months := range trained {
				if slices.ContainsFunc(months, func(i int) bool { return i >= a && i <= b }) {
					want = append(want, id)
				}
			}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("months %d..%d: got %v, want %v", a, b, got, want)
			}
		}
	}
}
