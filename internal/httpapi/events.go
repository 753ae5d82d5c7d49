package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/store"
)

// broker fans notifications out to the live event streams of their users.
// It is in-process: a stream on another node learns of a notification at its
// next inbox check (eventsPoll) instead, so nothing is lost across nodes.
type broker struct {
	mu   sync.Mutex
	subs map[string]map[chan store.Notification]struct{}
}

func newBroker() *broker { return &broker{subs: map[string]map[chan store.Notification]struct{}{}} }

func (b *broker) subscribe(userID string) chan store.Notification {
	ch := make(chan store.Notification, 64)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs[userID] == nil {
		b.subs[userID] = map[chan store.Notification]struct{}{}
	}
	b.subs[userID][ch] = struct{}{}
	return ch
}

func (b *broker) unsubscribe(userID string, ch chan store.Notification) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.subs[userID], ch)
	if len(b.subs[userID]) == 0 {
		delete(b.subs, userID)
	}
}

// Deliver hands committed notifications to the open streams of their users.
// A stream too slow to keep up drops the live copy; the inbox keeps it.
func (s *Server) Deliver(ns []store.Notification) {
	s.broker.mu.Lock()
	defer s.broker.mu.Unlock()
	for _, n := range ns {
		for ch := range s.broker.subs[n.UserID] {
			select {
			case ch <- n:
			default:
			}
		}
	}
}

// eventsPoll is how often a stream checks the inbox itself, and sends a
// keep-alive comment through proxies.
const eventsPoll = 15 * time.Second

// eventStream is the live event stream (server-sent events) of the calling user:
// each new notification as an event "notification" whose id is the
// notification's. A client that reconnects with Last-Event-ID gets what it
// missed from the inbox first.
func (s *Server) eventStream(c echo.Context) error {
	a, _ := auth.ActorFrom(c.Request().Context())
	ctx := c.Request().Context()
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	ch := s.broker.subscribe(a.UserID)
	defer s.broker.unsubscribe(a.UserID, ch)

	last := c.Request().Header.Get("Last-Event-ID")
	send := func(n store.Notification) error {
		if n.ID <= last {
			return nil
		}
		b, _ := json.Marshal(n)
		if _, err := fmt.Fprintf(w, "id: %s\nevent: notification\ndata: %s\n\n", n.ID, b); err != nil {
			return err
		}
		last = n.ID
		return nil
	}
	catchUp := func() error {
		if last == "" {
			return nil
		}
		ns, _, err := s.store.ListNotifications(ctx, false, "", 100)
		if err != nil {
			return err
		}
		for i := len(ns) - 1; i >= 0; i-- {
			if err := send(ns[i]); err != nil {
				return err
			}
		}
		return nil
	}
	unread, err := s.store.CountUnread(ctx)
	if err != nil {
		return err
	}
	if last == "" {
		// Start from the newest existing notification, so a fresh stream
		// sends only what happens from now on (the inbox has the rest).
		if ns, _, err := s.store.ListNotifications(ctx, false, "", 1); err == nil && len(ns) > 0 {
			last = ns[0].ID
		}
	}
	fmt.Fprintf(w, "retry: 3000\nevent: hello\ndata: {\"unread\":%d}\n\n", unread)
	if err := catchUp(); err != nil {
		return nil
	}
	w.Flush()
	tick := time.NewTicker(eventsPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case n := <-ch:
			if err := send(n); err != nil {
				return nil
			}
		case <-tick.C:
			if err := catchUp(); err != nil {
				return nil
			}
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return nil
			}
		}
		w.Flush()
	}
}

func (s *Server) listNotifications(c echo.Context) error {
	ns, next, err := s.store.ListNotifications(c.Request().Context(), c.QueryParam("unread") == "true",
		c.QueryParam("cursor"), 50)
	if err != nil {
		return err
	}
	if ns == nil {
		ns = []store.Notification{}
	}
	unread, err := s.store.CountUnread(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": ns, "nextCursor": next, "unread": unread})
}

func (s *Server) markNotificationsRead(c echo.Context) error {
	var req struct {
		IDs []string `json:"ids"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	if err := s.store.MarkNotificationsRead(c.Request().Context(), req.IDs); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
