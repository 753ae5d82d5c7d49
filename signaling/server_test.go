package signaling

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// (d) A join with a bad, forged, expired or unversioned token is refused
// with an error naming the problem, and the server closes the socket with
// 1008 (policy violation) without creating a room.
func TestJoinRefused(t *testing.T) {
	srv, url := startServer(t)
	good := roomToken(t, "r1", "u1", RoleHost)
	expired, err := NewSigner(testKey).Sign(Claims{RoomID: "r1", UserID: "u1", Role: RoleHost, Expires: time.Now().Add(-time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	forged, err := NewSigner([]byte("not-the-hub-key-not-the-hub-key!")).Sign(Claims{RoomID: "r1", UserID: "u1", Role: RoleHost})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		join Join
		code ErrorCode
		text string
	}{
		{"expired", Join{Token: expired, ProtocolVersion: 1}, CodeUnauthorized, "expired"},
		{"forged", Join{Token: forged, ProtocolVersion: 1}, CodeUnauthorized, "signature"},
		{"garbage", Join{Token: "hello", ProtocolVersion: 1}, CodeUnauthorized, "malformed"},
		{"tampered", Join{Token: good[:len(good)-2] + "AA", ProtocolVersion: 1}, CodeUnauthorized, "signature"},
		{"no token", Join{ProtocolVersion: 1}, CodeUnauthorized, "token"},
		{"future protocol", Join{Token: good, ProtocolVersion: 2}, CodeUnsupported, "version 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, url, tc.name, clientConfig{})
			id := c.send(tc.join)
			e := c.waitError(id)
			if e.Code != tc.code || !strings.Contains(e.Message, tc.text) {
				t.Fatalf("error = %+v, want code %s mentioning %q", e, tc.code, tc.text)
			}
			if code := c.waitClosed(); code != websocket.StatusPolicyViolation {
				t.Fatalf("close status = %v, want %v", code, websocket.StatusPolicyViolation)
			}
		})
	}
	if rooms := srv.Rooms(); len(rooms) != 0 {
		t.Fatalf("refused joins created rooms: %+v", rooms)
	}
}

// Requests before join are errors but keep the socket; bad messages are
// reported with the request id; a second join conflicts; an unresumable
// reconnect says so and leaves the socket usable for a fresh join.
func TestSessionErrors(t *testing.T) {
	_, url := startServer(t)
	c := dial(t, url, "c", clientConfig{})
	if e := c.waitError(c.send(Chat{Text: "hi"})); e.Code != CodeInvalid || !strings.Contains(e.Message, "before join") {
		t.Fatalf("chat before join: %+v", e)
	}
	if e := c.waitError(c.send(Reconnect{Token: roomToken(t, "r", "u", RoleHost), SessionID: "gone"})); e.Code != CodeNotFound {
		t.Fatalf("reconnect: %+v", e)
	}
	c.join(roomToken(t, "r", "u", RoleHost))
	if e := c.waitError(c.send(Join{Token: roomToken(t, "r", "u", RoleHost), ProtocolVersion: 1})); e.Code != CodeConflict {
		t.Fatalf("second join: %+v", e)
	}
	for _, tc := range []struct {
		m    Message
		code ErrorCode
	}{
		{Publish{TrackID: "t", Kind: KindAudio, Source: SourceCamera}, CodeInvalid},
		{Subscribe{TrackID: "t", Quality: "ultra"}, CodeInvalid},
		{Mute{TrackID: "nope", Muted: true}, CodeNotFound},
		{Unpublish{TrackID: "nope"}, CodeNotFound},
		{Chat{Text: strings.Repeat("字", MaxChatRunes+1)}, CodeInvalid},
		{Answer{SDP: "v=0"}, CodeInvalid}, // no outstanding offer
		{Candidate{Candidate: "candidate:1", Target: "sideways"}, CodeInvalid},
	} {
		if e := c.waitError(c.send(tc.m)); e.Code != tc.code {
			t.Errorf("%s %+v: error %+v, want %s", tc.m.MessageType(), tc.m, e, tc.code)
		}
	}
	// Raw frames that are not protocol messages.
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	_ = c.ws.Write(ctx, websocket.MessageText, []byte(`{"type":"teleport","id":77}`))
	if e := c.waitError(77); e.Code != CodeInvalid || !strings.Contains(e.Message, "teleport") {
		t.Fatalf("unknown type: %+v", e)
	}
	_ = c.ws.Write(ctx, websocket.MessageText, []byte(`{"type":"chat","id":78,"text":5}`))
	if e := c.waitError(78); e.Code != CodeInvalid {
		t.Fatalf("mistyped field: %+v", e)
	}
	// Chat and hands reach the sender too, stamped by the server.
	c.send(Chat{Text: "血压 120/80"})
	if m := c.waitType("chat").msg.(Chat); m.Text != "血压 120/80" || m.UserID != "u" || m.SentAt == 0 {
		t.Fatalf("chat echo = %+v", m)
	}
	c.send(RaiseHand{Raised: true})
	if h := c.waitType("hand").msg.(Hand); !h.Raised || h.UserID != "u" {
		t.Fatalf("hand = %+v", h)
	}
}

// A message over MaxMessageBytes closes the socket with 1009.
func TestOversizeMessageClosesSocket(t *testing.T) {
	_, url := startServer(t)
	c := dial(t, url, "big", clientConfig{})
	c.send(Chat{Text: strings.Repeat("a", MaxMessageBytes)})
	if code := c.waitClosed(); code != websocket.StatusMessageTooBig {
		t.Fatalf("close status = %v, want %v", code, websocket.StatusMessageTooBig)
	}
}

func TestOriginCheck(t *testing.T) {
	_, url := startServer(t, func(o *Options) { o.AllowedOrigins = []string{"app.lianxin.example"} })
	for origin, ok := range map[string]bool{
		"https://app.lianxin.example": true,
		"https://evil.example":        false,
		"":                            true, // no Origin: not a browser, nothing to forge
	} {
		h := http.Header{}
		if origin != "" {
			h.Set("Origin", origin)
		}
		ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
		ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: h})
		cancel()
		if ok != (err == nil) {
			t.Errorf("origin %q: dial err = %v, want allowed=%v", origin, err, ok)
		}
		if !ok && resp != nil && resp.StatusCode != http.StatusForbidden {
			t.Errorf("origin %q: status %d, want 403", origin, resp.StatusCode)
		}
		if ws != nil {
			_ = ws.CloseNow()
		}
	}
}

// Run serves on a :0 listener, as `lianxin sfu` will; Close tells joined
// clients the server is going away and makes Run return nil.
func TestRunAndClose(t *testing.T) {
	srv, err := New(Options{Signer: NewSigner(testKey), Logger: testLogger(), ConfigureWebRTC: loopbackOnly})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- srv.Run(context.Background(), ln) }()
	base := "http://" + ln.Addr().String()

	resp, err := http.Get(base + PathHealth)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
	if resp, err := http.Get(base + "/rtc/other"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown path: %v %v", resp, err)
	}
	c := dial(t, "ws://"+ln.Addr().String()+PathWebSocket, "c", clientConfig{})
	c.join(roomToken(t, "r", "u", RoleParticipant))

	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if code := c.waitClosed(); code != websocket.StatusGoingAway {
		t.Fatalf("close status = %v, want going away", code)
	}
	select {
	case err := <-ran:
		if err != nil {
			t.Fatalf("Run = %v, want nil after Close", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Run did not return after Close")
	}
	if rooms := srv.Rooms(); len(rooms) != 0 {
		t.Fatalf("rooms after Close: %+v", rooms)
	}
	if err := srv.Close(); err != nil { // idempotent
		t.Fatal(err)
	}
	if _, err := New(Options{}); err == nil {
		t.Fatal("New without a Signer succeeded")
	}
}

// Run also stops when its context ends, and refuses new sockets after.
func TestRunStopsWithContext(t *testing.T) {
	srv, err := New(Options{Signer: NewSigner(testKey), Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	ran := make(chan error, 1)
	go func() { ran <- srv.Run(ctx, ln) }()
	cancel()
	select {
	case err := <-ran:
		if err != nil && !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Run did not return when its context ended")
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, PathWebSocket, nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("websocket after close: %d, want 503", rec.Code)
	}
}
