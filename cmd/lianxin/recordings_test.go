package main

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/signaling/record"
)

// The retention job deletes what ended more than the configured years ago,
// by an injected clock, and never keeps less than three years.
func TestPruneRecordingsByRetention(t *testing.T) {
	root := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	at := func(ended time.Time) string {
		clock := func() time.Time { return ended }
		r, err := record.Start(root, "lecture-7", clock, log)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		return r.ID()
	}
	old := at(time.Date(2021, 5, 1, 10, 0, 0, 0, time.UTC))
	mid := at(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC))
	recent := at(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC))
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

	// One year configured: raised to three, so the 2024 recording stays.
	if p := pruneRecordings(root, 1, now, log); len(p) != 1 || p[0].RecordingID != old {
		t.Fatalf("pruned %+v, want only the 2021 recording", p)
	}
	// A year later, a retention of five keeps it; of three, it goes.
	later := now.AddDate(1, 0, 0)
	if p := pruneRecordings(root, 5, later, log); len(p) != 0 {
		t.Fatalf("pruned %+v with a five-year retention", p)
	}
	if p := pruneRecordings(root, 3, later, log); len(p) != 1 || p[0].RecordingID != mid {
		t.Fatalf("pruned %+v, want the 2024 recording", p)
	}
	if ms, _ := record.List(root, "lecture-7"); len(ms) != 1 || ms[0].RecordingID != recent {
		t.Fatalf("left %+v, want the 2026 recording", ms)
	}
}
