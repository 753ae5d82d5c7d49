package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Check is what Verify found in the hub's database after a run.
type Check struct {
	Referrals        int // referrals in the database
	Completed        int // of the run's referrals, those completed
	Events           int // timeline events
	Outbox           int // outbox events
	Published        int // outbox events published into inboxes
	AuditTransitions int // audit entries of referral transitions (create and actions)
	Audit            int // audit entries of any kind
	Sealed           int // audit entries chained by the sealer so far
	DrainWait        time.Duration
}

// transitionAudits are the audit actions of the loop's transitions.
var transitionAudits = []string{"referral.create", "referral.accept", "referral.schedule", "referral.arrive", "referral.complete"}

// Verify checks the hub's database after a run that made the referrals ids,
// and only them (a fresh database or schema): every referral is completed,
// and each of its TransitionsPerLoop transitions left a timeline event, an
// audit entry and an outbox event. It waits up to drain for the publisher to
// publish every outbox event. The Check is filled in as far as it got; the
// error lists every mismatch.
func Verify(ctx context.Context, db *sql.DB, ids []string, drain time.Duration) (Check, error) {
	var c Check
	var problems []string
	rows, err := db.QueryContext(ctx, "SELECT id, status FROM referrals")
	if err != nil {
		return c, err
	}
	status := map[string]string{}
	for rows.Next() {
		var id, st string
		if err := rows.Scan(&id, &st); err != nil {
			rows.Close()
			return c, err
		}
		status[id] = st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return c, err
	}
	c.Referrals = len(status)
	for _, id := range ids {
		if status[id] == "completed" {
			c.Completed++
		} else if len(problems) < 5 {
			problems = append(problems, fmt.Sprintf("referral %s is %q, not completed", id, status[id]))
		}
	}
	want := TransitionsPerLoop * len(ids)
	if c.Referrals != len(ids) {
		problems = append(problems, fmt.Sprintf("%d referrals in the database, the run made %d", c.Referrals, len(ids)))
	}
	count := func(dst *int, query string) error {
		return db.QueryRowContext(ctx, query).Scan(dst)
	}
	if err := count(&c.Events, "SELECT COUNT(*) FROM referral_events"); err != nil {
		return c, err
	}
	if c.Events != want {
		problems = append(problems, fmt.Sprintf("%d timeline events, want %d", c.Events, want))
	}
	if err := count(&c.AuditTransitions, "SELECT COUNT(*) FROM audit_log WHERE target_type = 'referral' AND action IN ('"+
		strings.Join(transitionAudits, "', '")+"')"); err != nil {
		return c, err
	}
	if c.AuditTransitions != want {
		problems = append(problems, fmt.Sprintf("%d audit entries of transitions, want %d", c.AuditTransitions, want))
	}
	if err := count(&c.Audit, "SELECT COUNT(*) FROM audit_log"); err != nil {
		return c, err
	}
	if err := count(&c.Sealed, "SELECT COUNT(*) FROM audit_log WHERE seq IS NOT NULL"); err != nil {
		return c, err
	}
	start := time.Now()
	for {
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*), COUNT(published_at) FROM outbox").Scan(&c.Outbox, &c.Published); err != nil {
			return c, err
		}
		if c.Published == c.Outbox || time.Since(start) > drain {
			break
		}
		select {
		case <-ctx.Done():
			return c, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	c.DrainWait = time.Since(start)
	if c.Outbox != want {
		problems = append(problems, fmt.Sprintf("%d outbox events, want %d (%d per loop)", c.Outbox, want, TransitionsPerLoop))
	}
	if c.Published != c.Outbox {
		problems = append(problems, fmt.Sprintf("%d of %d outbox events still unpublished %s after the run", c.Outbox-c.Published,
			c.Outbox, drain))
	}
	if len(problems) > 0 {
		return c, errors.New("the run's results are wrong: " + strings.Join(problems, "; "))
	}
	return c, nil
}
