package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/lianxin-hub/lianxin/signaling/record"
)

// MinRecordingRetentionYears is the floor the domain brief sets for
// audio/video process records; a shorter configured retention is raised to
// it (and logged), never applied.
const MinRecordingRetentionYears = 3

// recordingDir is where the embedded SFU records rooms: <data dir>/recordings.
func (m *Main) recordingDir() string {
	return filepath.Join(m.Config.DataDir, "recordings")
}

// pruneRecordings deletes the recordings under root that ended more than
// years before now and logs each deletion (the audit trail of a retention
// deletion; the hub's audit chain records user actions, not this job).
func pruneRecordings(root string, years int, now time.Time, log *slog.Logger) []record.Pruned {
	if years == 0 { // unset (a Main built without flags)
		years = MinRecordingRetentionYears
	}
	if years < MinRecordingRetentionYears {
		log.Warn("recording retention below the 3-year minimum; using 3 years", "configured", years)
		years = MinRecordingRetentionYears
	}
	pruned, err := record.Prune(root, now.AddDate(-years, 0, 0))
	for _, p := range pruned {
		log.Info("recording deleted after its retention", "room", p.Room, "recording", p.RecordingID,
			"ended", p.EndedAt, "retention_years", years)
	}
	if err != nil {
		log.Error("pruning recordings", "err", err)
	}
	return pruned
}

// listRecording lists a recording the SFU finished with its lecture.
func (m *Main) listRecording(rec record.Manifest) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.Store.AddRoomRecording(ctx, rec.Room, rec.RecordingID, rec.StartedAt); err != nil {
		m.Logger.Error("recording not listed with its lecture", "room", rec.Room, "recording", rec.RecordingID, "err", err.Error())
	}
}

// pruneRecordingsDaily prunes at start and then every 24 hours until ctx ends.
func (m *Main) pruneRecordingsDaily(ctx context.Context) {
	now := m.Clock
	if now == nil {
		now = time.Now
	}
	t := time.NewTicker(24 * time.Hour)
	defer t.Stop()
	for {
		pruneRecordings(m.recordingDir(), m.Config.RecordingRetentionYears, now(), m.Logger)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
