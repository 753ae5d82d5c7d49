package signaling

// Presence while in a room. The presence seam (signaling/presence) knows
// users, their status and their node, not rooms; so while a user has at least
// one session in a room here, this file marks them StatusBusy on this node,
// refreshing the entry well inside its TTL. When their last session leaves,
// the entry they had before joining is put back for what is left of its TTL,
// or the user is removed if they were not online before.
//
// Which room a user is in is not a presence fact yet (Server.Rooms answers
// it on this node). The multi-node slice adds a room→node map beside the
// presence keys, as in LiveKit's router.
//
// Presence may be Redis, so every call happens on one goroutine that owns the
// state, in order, with a timeout: a slow or absent Redis delays the marks,
// never a join.

import (
	"context"
	"log/slog"
	"time"

	"github.com/lianxin-hub/lianxin/signaling/presence"
)

const (
	busyTTL     = 30 * time.Second
	busyRefresh = busyTTL / 3
	busyTimeout = 2 * time.Second // one presence call
	busyQueue   = 1024
)

type busyOp struct {
	userID  string
	enter   bool
	barrier chan struct{} // non-nil: a sync point for tests, no user
}

type busyUser struct {
	sessions int
	prev     presence.Entry
	hadPrev  bool
}

type busyMarks struct {
	p    presence.Presence // nil: presence disabled, every method is a no-op
	node string
	now  func() time.Time
	log  *slog.Logger
	ops  chan busyOp

	users map[string]*busyUser // owned by run
}

func newBusyMarks(p presence.Presence, node string, now func() time.Time, log *slog.Logger) *busyMarks {
	return &busyMarks{p: p, node: node, now: now, log: log, ops: make(chan busyOp, busyQueue), users: map[string]*busyUser{}}
}

func (b *busyMarks) enter(userID string) { b.queue(busyOp{userID: userID, enter: true}) }
func (b *busyMarks) leave(userID string) { b.queue(busyOp{userID: userID}) }

func (b *busyMarks) queue(op busyOp) {
	if b.p == nil {
		return
	}
	select {
	case b.ops <- op:
	default:
		// The TTL heals a missed mark; blocking a join would not.
		b.log.Warn("presence queue full; mark dropped", "user", op.userID, "enter", op.enter)
	}
}

// sync returns once every op queued before it has been applied.
func (b *busyMarks) sync(ctx context.Context) error {
	if b.p == nil {
		return nil
	}
	done := make(chan struct{})
	select {
	case b.ops <- busyOp{barrier: done}:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run applies ops until ctx is done, then applies what is still queued and
// releases every mark.
func (b *busyMarks) run(ctx context.Context) {
	if b.p == nil {
		<-ctx.Done()
		return
	}
	t := time.NewTicker(busyRefresh)
	defer t.Stop()
	for {
		select {
		case op := <-b.ops:
			b.apply(op)
		case <-t.C:
			for id := range b.users {
				b.heartbeat(id)
			}
		case <-ctx.Done():
		drain:
			for {
				select {
				case op := <-b.ops:
					b.apply(op)
				default:
					break drain
				}
			}
			for id, u := range b.users {
				b.release(id, u)
			}
			return
		}
	}
}

func (b *busyMarks) apply(op busyOp) {
	if op.barrier != nil {
		close(op.barrier)
		return
	}
	u := b.users[op.userID]
	if op.enter {
		if u != nil {
			u.sessions++
			return
		}
		u = &busyUser{sessions: 1}
		ctx, cancel := context.WithTimeout(context.Background(), busyTimeout)
		prev, ok, err := b.p.Get(ctx, op.userID)
		cancel()
		if err != nil {
			b.log.Warn("presence get", "user", op.userID, "err", err)
		}
		u.prev, u.hadPrev = prev, ok && err == nil
		b.users[op.userID] = u
		b.heartbeat(op.userID)
		return
	}
	if u == nil {
		return
	}
	if u.sessions--; u.sessions > 0 {
		return
	}
	delete(b.users, op.userID)
	b.release(op.userID, u)
}

func (b *busyMarks) heartbeat(userID string) {
	ctx, cancel := context.WithTimeout(context.Background(), busyTimeout)
	defer cancel()
	e := presence.Entry{UserID: userID, Status: presence.StatusBusy, Node: b.node}
	if err := b.p.Heartbeat(ctx, e, busyTTL); err != nil {
		b.log.Warn("presence heartbeat", "user", userID, "err", err)
	}
}

// release puts back the entry the user had before joining, for the rest of
// its TTL, or takes the user offline.
func (b *busyMarks) release(userID string, u *busyUser) {
	ctx, cancel := context.WithTimeout(context.Background(), busyTimeout)
	defer cancel()
	var err error
	if left := u.prev.Expires.Sub(b.now()); u.hadPrev && left > 0 {
		err = b.p.Heartbeat(ctx, u.prev, left)
	} else {
		err = b.p.Remove(ctx, userID)
	}
	if err != nil {
		b.log.Warn("presence release", "user", userID, "err", err)
	}
}
