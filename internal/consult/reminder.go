package consult

import (
	"context"
	"log/slog"
	"time"
)

// Reminder tells a participant that their video consultation is about to
// start, by some channel outside the hub (SMS, e-mail). The in-app
// notification is always written; a Reminder is the extra channel. It gets
// ids and times only, never patient data.
type Reminder interface {
	Remind(ctx context.Context, userID, videoID string, start time.Time) error
}

// LogReminder is the default Reminder: it only logs that a reminder would
// have gone out, until an SMS or e-mail gateway is configured.
type LogReminder struct{ Log *slog.Logger }

// Remind logs the reminder.
func (l LogReminder) Remind(ctx context.Context, userID, videoID string, start time.Time) error {
	l.Log.InfoContext(ctx, "video consultation reminder", "user", userID, "video", videoID, "start", start)
	return nil
}

// Recipients lists who is reminded of v: the specialist, the requesting
// doctor and the observers, each once.
func (v *Video) Recipients() []string {
	out := []string{v.SpecialistUserID}
	for _, u := range append([]string{v.RequesterUserID}, v.Observers...) {
		seen := false
		for _, o := range out {
			seen = seen || o == u
		}
		if !seen {
			out = append(out, u)
		}
	}
	return out
}
