package signaling

// WebSocket library: github.com/coder/websocket (formerly nhooyr.io/websocket,
// maintained by Coder). Chosen over gorilla/websocket because its API is
// context-first (every read, write and ping takes a deadline-bearing
// context, which is how this server bounds slow clients), it is safe for one
// concurrent writer plus pings without a hand-rolled write lock, it checks
// Origin itself with host patterns, and Ping waits for the matching pong, so
// keepalive is one call. gorilla needs a dedicated writer goroutine, manual
// pong handlers and deadline bookkeeping for the same result.

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/lianxin-hub/lianxin/signaling/cluster"
	"github.com/lianxin-hub/lianxin/signaling/presence"
	"github.com/lianxin-hub/lianxin/signaling/record"
)

// Paths served by Server.ServeHTTP.
const (
	PathWebSocket = "/rtc/ws"      // the signaling WebSocket
	PathHealth    = "/rtc/healthz" // 200 while serving, 503 once closing
)

// Options configure New. Only Signer is required.
type Options struct {
	// Signer verifies room tokens; it must hold the key the hub signs with.
	Signer *Signer
	// ICEServers are handed to clients in joined (STUN/TURN for browsers).
	// The SFU itself needs none: it must have a reachable address.
	ICEServers []ICEServer
	// ICEServersFor, when set, adds servers for the joining user to
	// ICEServers in joined: TURN servers with fresh credentials (see
	// signaling/turn). It must be quick and safe for concurrent use.
	ICEServersFor func(userID string) []ICEServer
	// Presence, when set, marks users busy while they are in a room (see
	// busy.go). The caller owns it and closes it after Close.
	Presence presence.Presence
	// NodeID names this node in presence entries; default the hostname.
	NodeID string
	// Logger receives the server's logs; default slog.Default().
	Logger *slog.Logger
	// AllowedOrigins are extra browser origins allowed to connect, as
	// host patterns ("lianxin.example.cn", "*.example.cn") or with a scheme
	// ("https://app.example.cn"). The request's own host is always allowed;
	// clients that send no Origin (native apps, tests) are not checked. A
	// lone "*" allows every origin: for local development only.
	AllowedOrigins []string
	// ConfigureWebRTC adjusts Pion's SettingEngine before any connection is
	// made: UDP port range, NAT 1:1 addresses, interface filters.
	ConfigureWebRTC func(*webrtc.SettingEngine)
	// Now is the clock for token expiry; default time.Now.
	Now func() time.Time
	// OnPresence, when set, hears every entry to and exit from a room, in
	// order for each session, on the session's goroutine or, for a session
	// whose reconnect grace ran out, on a timer's (so keep it quick). A
	// dropped and resumed session is one stay: no exit, no second entry.
	// The hub records attendance with it; signaling itself keeps no record.
	OnPresence func(RoomPresence)
	// Directory, when set, makes this server one node of a cluster (see
	// nodes.go): it registers as NodeID at PublicURL and takes joins only
	// for the rooms the directory assigns it. The caller owns it and closes
	// it after Close. Nil: a single node that takes every room.
	Directory cluster.Directory
	// PublicURL is where browsers reach this node's PathWebSocket, e.g.
	// "wss://sfu-1.example.cn/rtc/ws"; required with Directory.
	PublicURL string
	// RecordingDir, when set, is where rooms whose token says Record are
	// recorded (recording.go); empty disables recording.
	RecordingDir string
	// OnRecording, when set, hears of each recording once its manifest is
	// final, on the goroutine of the last one to leave (keep it quick). The
	// hub lists it with the lecture with it.
	OnRecording func(record.Manifest)
	// ReconnectGrace is how long a participant whose socket dropped (no
	// leave, no close frame) stays in its room, unseen by the others, for a
	// reconnect to resume it (resume.go); it also bounds how long a failed
	// media connection may take to recover by ICE restart. 0 means
	// DefaultReconnectGrace; a negative value disables resuming.
	ReconnectGrace time.Duration

	// onParked, for tests, hears each session parked after a drop.
	onParked func(sessionID string)
}

// RoomPresence is one entry to (Joined) or exit from a room.
type RoomPresence struct {
	RoomID string
	UserID string
	Joined bool
	At     time.Time
}

// Server is the signaling endpoint and the SFU behind it: an http.Handler
// for PathWebSocket and PathHealth. Mount it inside the hub's router, or run
// it alone with Run. It is safe for concurrent use.
type Server struct {
	signer      *Signer
	onPresence  func(RoomPresence)
	iceServers  []ICEServer
	iceFor      func(userID string) []ICEServer
	log         *slog.Logger
	api         apis
	now         func() time.Time
	origins     []string
	anyOrigin   bool
	busy        *busyMarks
	grace       time.Duration
	onParked    func(sessionID string)
	ctx         context.Context // parent of every session; cancelled by Close
	cancel      context.CancelFunc
	sessions    sync.WaitGroup
	busyStopped chan struct{}
	node        *nodeLoop

	mu       sync.Mutex
	closed   bool
	rooms    map[string]*room
	sessionz map[*session]struct{}

	recordingDir string
	onRecording  func(record.Manifest)
	http         httpResources // WHIP and WHEP sessions (whip.go)
}

// New returns a Server ready to serve. Errors: Signer is nil, or Pion
// rejects the media configuration.
func New(opts Options) (*Server, error) {
	if opts.Signer == nil {
		return nil, errors.New("signaling: Options.Signer is required")
	}
	if opts.Directory != nil && opts.PublicURL == "" {
		return nil, errors.New("signaling: Options.PublicURL is required with a Directory")
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "sfu")
	api, err := newAPI(log, opts.ConfigureWebRTC)
	if err != nil {
		return nil, err
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	node := opts.NodeID
	if node == "" {
		node, _ = os.Hostname()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		signer:      opts.Signer,
		onPresence:  opts.OnPresence,
		iceServers:  slices.Clone(opts.ICEServers),
		iceFor:      opts.ICEServersFor,
		log:         log,
		api:         api,
		now:         now,
		anyOrigin:   slices.Equal(opts.AllowedOrigins, []string{"*"}),
		ctx:         ctx,
		cancel:      cancel,
		busyStopped: make(chan struct{}),
		grace:       opts.ReconnectGrace,
		onParked:    opts.onParked,
		rooms:       map[string]*room{},
		sessionz:    map[*session]struct{}{},
	}
	s.recordingDir, s.onRecording = opts.RecordingDir, opts.OnRecording
	if s.grace == 0 {
		s.grace = DefaultReconnectGrace
	}
	if s.iceServers == nil {
		s.iceServers = []ICEServer{}
	}
	if !s.anyOrigin {
		s.origins = slices.Clone(opts.AllowedOrigins)
	}
	s.busy = newBusyMarks(opts.Presence, node, now, log)
	go func() {
		defer close(s.busyStopped)
		s.busy.run(ctx)
	}()
	s.node = startNode(s, opts.Directory, node, opts.PublicURL)
	return s, nil
}

// iceServersFor returns the ICE servers handed to userID in joined.
func (s *Server) iceServersFor(userID string) []ICEServer {
	if s.iceFor == nil {
		return s.iceServers
	}
	return append(slices.Clone(s.iceServers), s.iceFor(userID)...)
}

// presence reports an entry or exit to OnPresence, if set.
func (s *Server) presence(roomID, userID string, joined bool) {
	s.presenceAt(roomID, userID, joined, s.now())
}

func (s *Server) presenceAt(roomID, userID string, joined bool, at time.Time) {
	if s.onPresence != nil {
		s.onPresence(RoomPresence{RoomID: roomID, UserID: userID, Joined: joined, At: at})
	}
}

// ServeHTTP serves PathWebSocket and PathHealth and 404s anything else, so
// the hub can mount the Server on a "/rtc/" prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case PathWebSocket:
		s.serveWebSocket(w, r)
	case PathHealth:
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if closed {
			http.Error(w, "closing", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	default:
		if strings.HasPrefix(r.URL.Path, PathWHIP) || strings.HasPrefix(r.URL.Path, PathWHEP) {
			s.serveWHIP(w, r)
			return
		}
		http.NotFound(w, r)
	}
}

func (s *Server) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "server is shutting down", http.StatusServiceUnavailable)
		return
	}
	s.sessions.Add(1)
	s.mu.Unlock()
	defer s.sessions.Done()

	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		OriginPatterns:     s.origins,
		InsecureSkipVerify: s.anyOrigin,
	})
	if err != nil {
		// Accept has already answered with 400/403.
		s.log.Info("websocket refused", "remote", r.RemoteAddr, "origin", r.Header.Get("Origin"), "err", err)
		return
	}
	conn.SetReadLimit(MaxMessageBytes)
	ss := newSession(s, conn, r.RemoteAddr)
	s.mu.Lock()
	if s.closed { // Close ran between the check above and now
		s.mu.Unlock()
		_ = conn.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	s.sessionz[ss] = struct{}{}
	s.mu.Unlock()
	ss.run()
	s.mu.Lock()
	delete(s.sessionz, ss)
	s.mu.Unlock()
}

// Run serves HTTP on ln (PathWebSocket and PathHealth) until ctx is done,
// Close is called, or serving fails; it then closes the Server and returns.
// It is what `lianxin sfu` runs; a nil error means a clean shutdown.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	var serveErr error
	select {
	case <-ctx.Done():
	case <-s.ctx.Done():
	case serveErr = <-errc:
	}
	_ = s.Close() // WebSockets are hijacked: Shutdown does not see them
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil && serveErr == nil {
		serveErr = err
	}
	if serveErr == nil {
		serveErr = <-errc
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		return nil
	}
	return serveErr
}

// Close tells every client the server is going away, waits (up to 10 s) for
// their sessions to leave their rooms, closes all PeerConnections and
// releases presence marks. It is idempotent and always returns nil; it does
// not close Options.Presence.
func (s *Server) Close() error {
	s.node.close() // first, so new joins are routed elsewhere
	s.mu.Lock()
	already := s.closed
	s.closed = true
	open := make([]*session, 0, len(s.sessionz))
	for ss := range s.sessionz {
		open = append(open, ss)
	}
	s.mu.Unlock()
	if !already {
		for _, ss := range open {
			ss.closeWith(websocket.StatusGoingAway, "server shutting down")
		}
		s.http.endAll()
		done := make(chan struct{})
		go func() { s.sessions.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			s.log.Warn("sessions still open after 10s; cancelling them")
		}
		s.cancel() // hard-stops stragglers and the presence loop
	}
	s.sessions.Wait()
	s.expireParked()
	<-s.busyStopped
	return nil
}
