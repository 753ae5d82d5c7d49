package schedule

import (
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
)

func cst(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, Zone) }

func TestSlotsFromTemplatesAndExceptions(t *testing.T) {
	ts := []Template{
		{Weekday: time.Tuesday, Start: "09:00", End: "10:30", SlotMinutes: 30, ValidFrom: "2026-01-01"},
		{Weekday: time.Thursday, Start: "14:00", End: "15:00", SlotMinutes: 60, ValidFrom: "2026-01-01", ValidUntil: "2026-01-10"},
	}
	xs := []Exception{
		{Date: "2026-01-13", Start: "09:30", End: "10:00", Kind: Off},                    // a meeting on the second Tuesday
		{Date: "2026-01-17", Start: "08:00", End: "09:00", Kind: Extra, SlotMinutes: 60}, // a Saturday session
	}
	taken := []Slot{{Start: cst(2026, 1, 6, 9, 0).UTC(), End: cst(2026, 1, 6, 9, 30).UTC()}}
	got := Slots(ts, xs, taken, cst(2026, 1, 5, 0, 0).UTC(), cst(2026, 1, 19, 0, 0).UTC())
	want := []time.Time{
		cst(2026, 1, 6, 9, 30), cst(2026, 1, 6, 10, 0), // Tue 6th: 9:00 taken
		cst(2026, 1, 8, 14, 0),                          // Thu 8th (the Thursday template ends on the 10th)
		cst(2026, 1, 13, 9, 0), cst(2026, 1, 13, 10, 0), // Tue 13th: 9:30 off
		cst(2026, 1, 17, 8, 0), // Sat 17th: the extra session
	}
	if len(got) != len(want) {
		t.Fatalf("got %d slots %v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		if !got[i].Start.Equal(w) {
			t.Errorf("slot %d starts %v, want %v", i, got[i].Start.In(Zone), w)
		}
		if got[i].Start.Location() != time.UTC {
			t.Errorf("slot %d is not in UTC", i)
		}
	}
	if !Offers(got, Slot{Start: cst(2026, 1, 8, 14, 0).UTC(), End: cst(2026, 1, 8, 15, 0).UTC()}) {
		t.Error("Offers misses a published slot")
	}
	if Offers(got, Slot{Start: cst(2026, 1, 8, 14, 0).UTC(), End: cst(2026, 1, 8, 14, 30).UTC()}) {
		t.Error("Offers accepts a slot of another length")
	}
}

func TestSlotsWindowIsHalfOpen(t *testing.T) {
	ts := []Template{{Weekday: time.Monday, Start: "09:00", End: "10:00", SlotMinutes: 30, ValidFrom: "2026-01-01"}}
	got := Slots(ts, nil, nil, cst(2026, 1, 5, 9, 30).UTC(), cst(2026, 1, 5, 9, 31).UTC())
	if len(got) != 1 || !got[0].Start.Equal(cst(2026, 1, 5, 9, 30)) {
		t.Fatalf("got %v, want just the 9:30 slot", got)
	}
}

func TestValidate(t *testing.T) {
	bad := []struct {
		tpl   Template
		field string
	}{
		{Template{Weekday: 7, Start: "09:00", End: "10:00", SlotMinutes: 30, ValidFrom: "2026-01-01"}, "weekday"},
		{Template{Start: "9am", End: "10:00", SlotMinutes: 30, ValidFrom: "2026-01-01"}, "start"},
		{Template{Start: "10:00", End: "09:00", SlotMinutes: 30, ValidFrom: "2026-01-01"}, "end"},
		{Template{Start: "09:00", End: "09:20", SlotMinutes: 30, ValidFrom: "2026-01-01"}, "slotMinutes"},
		{Template{Start: "09:00", End: "10:00", SlotMinutes: 5, ValidFrom: "2026-01-01"}, "slotMinutes"},
		{Template{Start: "09:00", End: "10:00", SlotMinutes: 30, ValidFrom: "someday"}, "validFrom"},
		{Template{Start: "09:00", End: "10:00", SlotMinutes: 30, ValidFrom: "2026-02-01", ValidUntil: "2026-01-01"}, "validUntil"},
	}
	for _, b := range bad {
		err := b.tpl.Validate()
		if e, ok := apperr.As(err); !ok || e.Field != b.field {
			t.Errorf("%+v: error %v, want invalid %s", b.tpl, err, b.field)
		}
	}
	x := Exception{Date: "2026-01-01", Start: "09:00", End: "10:00", Kind: Extra}
	if e, ok := apperr.As(x.Validate()); !ok || e.Field != "slotMinutes" {
		t.Errorf("extra without slotMinutes: %v", x.Validate())
	}
	x = Exception{Date: "2026-01-01", Start: "09:00", End: "10:00", Kind: "holiday"}
	if e, ok := apperr.As(x.Validate()); !ok || e.Field != "kind" {
		t.Errorf("unknown kind: %v", x.Validate())
	}
}
