package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
	"github.com/lianxin-hub/lianxin/signaling/presence"
)

// newLiveEnv is a refEnv whose server delivers notifications live, wired as
// cmd/lianxin wires it: the outbox publisher runs against the store and
// hands each committed batch to the server's event streams.
func newLiveEnv(t *testing.T, st *store.Store) *refEnv {
	t.Helper()
	e := newRefEnv(t, st)
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv := New(Options{Store: st, Presence: presence.NewMemory(), Logger: log, Version: "test"})
	hs := httptest.NewServer(srv.Handler())
	e.srv = hs // the harness's own server stays up, unused; logins are the store's
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		// A short interval only matters on PostgreSQL, where another test
		// schema's publisher may hold the advisory lock when a commit kicks.
		st.RunPublisher(ctx, 100*time.Millisecond, srv.Deliver)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		hs.Close()
	})
	return e
}

// sseEvent is one server-sent event.
type sseEvent struct {
	id, event, data string
}

// stream is an open event stream, read line by line.
type stream struct {
	t      *testing.T
	body   io.ReadCloser
	lines  *bufio.Reader
	cancel context.CancelFunc
}

// openStream opens GET /api/v1/events as actor. Every read ends by the
// deadline, so a missing event fails the test instead of hanging it.
func (e *refEnv) openStream(t *testing.T, actor, lastEventID string) *stream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	req, err := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/api/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token(t, actor))
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	s := &stream{t: t, body: res.Body, lines: bufio.NewReader(res.Body), cancel: cancel}
	t.Cleanup(s.close)
	return s
}

func (s *stream) close() {
	s.cancel()
	s.body.Close()
}

// next reads the next event, skipping comments (keep-alives).
func (s *stream) next() sseEvent {
	s.t.Helper()
	var ev sseEvent
	for {
		line, err := s.lines.ReadString('\n')
		if err != nil {
			s.t.Fatalf("event stream ended before the expected event: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "":
			if ev.event != "" || ev.data != "" {
				return ev
			}
		case strings.HasPrefix(line, ":"), strings.HasPrefix(line, "retry:"):
		case strings.HasPrefix(line, "id: "):
			ev.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			ev.event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			ev.data = strings.TrimPrefix(line, "data: ")
		default:
			s.t.Fatalf("unexpected line in the event stream: %q", line)
		}
	}
}

// notification reads the next notification event and decodes it.
func (s *stream) notification() (string, store.Notification) {
	s.t.Helper()
	ev := s.next()
	if ev.event != "notification" {
		s.t.Fatalf("event %q (%s), want notification", ev.event, ev.data)
	}
	var n store.Notification
	if err := json.Unmarshal([]byte(ev.data), &n); err != nil {
		s.t.Fatalf("notification data %q: %v", ev.data, err)
	}
	if ev.id == "" || ev.id != n.ID {
		s.t.Errorf("event id %q, notification id %q", ev.id, n.ID)
	}
	return ev.id, n
}

// TestEventStreamAndInbox: the sender's event stream hears at once of the
// receiver's transition; the inbox keeps it, counts it unread and marks it
// read; a stream that reconnects with Last-Event-ID gets what it missed.
func TestEventStreamAndInbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newLiveEnv(t, st)
		id, v := e.referralAt(t, referral.Requested)
		e.set("r", id)

		s := e.openStream(t, "chc-doctor", "")
		if hello := s.next(); hello.event != "hello" || !strings.Contains(hello.data, `"unread":`) {
			t.Fatalf("first event %+v, want hello", hello)
		}
		e.must(t, "specialist", "POST", actionPath(id, referral.Accept), e.actionBody(t, referral.Accept, v), 200)
		first, n := s.notification()
		if n.ReferralID != id || n.Action != "accept" || n.Status != "accepted" || n.Kind != "referral.changed" || n.ReadAt != nil {
			t.Fatalf("notification %+v", n)
		}
		e.set("n1", first)

		// While no stream is open the convener schedules; reconnecting with
		// the last id seen delivers it from the inbox.
		s.close()
		e.must(t, "convener", "POST", actionPath(id, referral.Schedule), e.actionBody(t, referral.Schedule, v+1), 200)
		waitPublished(t, st)
		again := e.openStream(t, "chc-doctor", first)
		if hello := again.next(); hello.event != "hello" {
			t.Fatalf("first event %+v, want hello", hello)
		}
		missed, n2 := again.notification()
		if n2.ReferralID != id || n2.Action != "schedule" || missed <= first {
			t.Errorf("after reconnecting: %s %+v", missed, n2)
		}
		e.set("n2", missed)

		e.run(t, []scenario{
			{name: "the inbox lists both, newest first", actor: "chc-doctor", method: "GET", path: "/api/v1/notifications",
				wantStatus: 200, wantContains: []string{`"unread":2`, `"items":[{"id":"{{n2}}"`, `"id":"{{n1}}"`,
					`"referralId":"{{r}}"`, `"kind":"referral.changed"`, `"nextCursor":""`},
				wantNotContains: []string{"患者", `"patientId"`}},
			{name: "mark one read", actor: "chc-doctor", method: "POST", path: "/api/v1/notifications/read",
				body: `{"ids":["{{n1}}"]}`, wantStatus: 204},
			{name: "the unread list", actor: "chc-doctor", method: "GET", path: "/api/v1/notifications?unread=true",
				wantStatus: 200, wantContains: []string{`"unread":1`, `"id":"{{n2}}"`}, wantNotContains: []string{`"id":"{{n1}}"`}},
			{name: "another user cannot mark them", actor: "specialist", method: "POST", path: "/api/v1/notifications/read",
				body: `{"ids":["{{n2}}"]}`, wantStatus: 204},
			{name: "still unread", actor: "chc-doctor", method: "GET", path: "/api/v1/notifications?unread=true",
				wantStatus: 200, wantContains: []string{`"unread":1`}},
			{name: "mark all read", actor: "chc-doctor", method: "POST", path: "/api/v1/notifications/read", body: `{}`, wantStatus: 204},
			{name: "none unread", actor: "chc-doctor", method: "GET", path: "/api/v1/notifications?unread=true",
				wantStatus: 200, wantContains: []string{`"unread":0`, `"items":[]`}},
			{name: "the receiver's own inbox", actor: "convener", method: "GET", path: "/api/v1/notifications",
				wantStatus: 200, wantContains: []string{`"action":"create"`, `"action":"accept"`},
				wantNotContains: []string{`"action":"schedule"`}}, // the convener made it
			{name: "read: ids of wrong type", actor: "chc-doctor", method: "POST", path: "/api/v1/notifications/read",
				body: `{"ids":"all"}`, wantStatus: 400, wantContains: invalid("ids")},
			{name: "read: unknown field", actor: "chc-doctor", method: "POST", path: "/api/v1/notifications/read",
				body: `{"ids":[],"all":true}`, wantStatus: 400, wantContains: invalid("all")},
			{name: "read: malformed", actor: "chc-doctor", method: "POST", path: "/api/v1/notifications/read",
				body: `{"ids":[`, wantStatus: 400, wantContains: invalid("body")},
			{name: "the stream needs a login", method: "GET", path: "/api/v1/events", wantStatus: 401},
			{name: "the inbox needs a login", method: "GET", path: "/api/v1/notifications", wantStatus: 401},
		})
	})
}

// waitPublished waits, by polling the database and not the clock, until the
// publisher has published every outbox row.
func waitPublished(t *testing.T, st *store.Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for {
		var n int
		if err := st.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM outbox WHERE published_at IS NULL").Scan(&n); err != nil {
			t.Fatalf("outbox never emptied: %v", err)
		}
		if n == 0 {
			return
		}
	}
}
