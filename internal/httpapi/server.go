// Package httpapi is the Echo adapter: the JSON API under /api/v1, health and
// metrics endpoints, the OpenAPI document and the embedded web app. Handlers
// are thin: they bind and check input, call the store, and shape the answer.
// Authorisation is declared per route in routes.go against the one policy in
// package auth. It imports domain packages and the store; nothing imports it
// but cmd/.
package httpapi

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/signaling"
	"github.com/lianxin-hub/lianxin/signaling/cluster"
	"github.com/lianxin-hub/lianxin/signaling/presence"
	"github.com/lianxin-hub/lianxin/signaling/turn"
)

// Options configure a Server.
type Options struct {
	Store    *store.Store
	Presence presence.Presence
	Logger   *slog.Logger
	// Web is the built web app (its root holds index.html); nil serves none.
	Web fs.FS
	// TrustProxy makes the server take client addresses from X-Forwarded-For
	// (set only behind a reverse proxy that sets it).
	TrustProxy bool
	// Version is reported by /healthz.
	Version string
	// Rooms signs the room tokens the signaling server trusts; nil turns
	// video off (joins answer 409).
	Rooms *signaling.Signer
	// SignalingURL is where browsers open the signaling WebSocket: a path
	// on this hub ("/rtc/ws", the default) or a separate SFU's URL.
	SignalingURL string
	// ICEServers are the STUN/TURN servers handed to clients that join.
	ICEServers []signaling.ICEServer
	// Nodes, when set, routes joins to external SFU nodes: the join answer's
	// signalingUrl is that of the node the directory assigns the room to,
	// instead of SignalingURL.
	Nodes cluster.Directory
	// RecordingDir is the SFU's signaling.Options.RecordingDir, read to list
	// a room's recordings; "" answers 409.
	RecordingDir string
	// TURNURLs are handed to clients that join after ICEServers, the turn:
	// and turns: ones with fresh credentials from TURN for the joining user.
	TURNURLs []string
	TURN     turn.Credentials
}

// Server is the hub's HTTP front.
type Server struct {
	store    *store.Store
	presence presence.Presence
	log      *slog.Logger
	web      fs.FS
	version  string
	echo     *echo.Echo
	metrics  *metrics
	broker   *broker

	rooms        *signaling.Signer
	signalingURL string
	iceServers   []signaling.ICEServer
	nodes        cluster.Directory
	recordingDir string
	turnURLs     []string
	turn         turn.Credentials
}

// Limits on request bodies.
const (
	jsonBodyLimit       = "1M"
	formBodyLimit       = "11M" // a 10 MB scanned consent form and headroom
	attachmentBodyLimit = "21M" // a 20 MB referral attachment and headroom
)

// New builds the server and its routes.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	s := &Server{store: o.Store, presence: o.Presence, log: o.Logger, web: o.Web, version: o.Version,
		metrics: newMetrics(prometheus.NewRegistry()), broker: newBroker(),
		rooms: o.Rooms, signalingURL: o.SignalingURL, iceServers: o.ICEServers, nodes: o.Nodes,
		turnURLs: o.TURNURLs, turn: o.TURN}
	s.recordingDir = o.RecordingDir
	if s.signalingURL == "" {
		s.signalingURL = "/rtc/ws"
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	if o.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	} else {
		e.IPExtractor = echo.ExtractIPDirect()
	}
	e.Use(dropUnsafeRequestID, middleware.RequestID())
	e.Use(s.observe)
	e.Use(middleware.Recover())
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection: "0", ContentTypeNosniff: "nosniff", XFrameOptions: "DENY",
		ReferrerPolicy: "same-origin",
		ContentSecurityPolicy: "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; " +
			"connect-src 'self' ws: wss:; media-src 'self' blob:; frame-ancestors 'none'",
	}))
	s.echo = e
	s.routes(e)
	return s
}

// Handler returns the http.Handler to serve.
func (s *Server) Handler() http.Handler { return s.echo }

// Echo exposes the router (tests list its routes against the OpenAPI document).
func (s *Server) Echo() *echo.Echo { return s.echo }

// errorBody is the one error shape of the API.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

var statusOf = map[string]int{
	apperr.Invalid:      http.StatusBadRequest,
	apperr.TooLarge:     http.StatusRequestEntityTooLarge,
	apperr.Unauthorized: http.StatusUnauthorized,
	apperr.Forbidden:    http.StatusForbidden,
	apperr.NotFound:     http.StatusNotFound,
	apperr.Conflict:     http.StatusConflict,
	apperr.Internal:     http.StatusInternalServerError,
}

var codeOfStatus = map[int]string{
	http.StatusBadRequest:            apperr.Invalid,
	http.StatusRequestEntityTooLarge: apperr.TooLarge,
	http.StatusUnauthorized:          apperr.Unauthorized,
	http.StatusForbidden:             apperr.Forbidden,
	http.StatusNotFound:              apperr.NotFound,
	http.StatusMethodNotAllowed:      apperr.NotFound,
	http.StatusConflict:              apperr.Conflict,
}

// handleError is the one place errors become responses. Application errors
// show their message; anything else is logged with the request id and shown
// as "internal error", never with SQL or a stack.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	body := errorDetail{Code: apperr.Internal, Message: "internal error"}
	status := http.StatusInternalServerError
	var he *echo.HTTPError
	if ae, ok := apperr.As(err); ok {
		body = errorDetail{Code: ae.Code, Message: ae.Message, Field: ae.Field}
		status = statusOf[ae.Code]
		if status == 0 {
			status = http.StatusInternalServerError
		}
	} else if errors.As(err, &he) && codeOfStatus[he.Code] != "" {
		status = he.Code
		body = errorDetail{Code: codeOfStatus[he.Code], Message: http.StatusText(he.Code)}
		if he.Code == http.StatusRequestEntityTooLarge {
			body.Message = "the request body is too large"
		}
	} else if errors.Is(err, context.Canceled) {
		status = 499 // client went away; nothing to tell it
	}
	if status >= 500 {
		s.log.Error("request failed", "request_id", requestID(c), "method", c.Request().Method,
			"route", c.Path(), "err", err.Error())
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = c.JSON(status, errorBody{Error: body})
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// observe logs each request once (no query strings or bodies: they can carry
// patient data) and records metrics.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(start)
		s.metrics.observe(c.Request().Method, route, status, d)
		level := slog.LevelInfo
		if route == "/healthz" || route == "/readyz" || route == "/metrics" {
			level = slog.LevelDebug
		}
		s.log.Log(c.Request().Context(), level, "http",
			slog.Group("request", "id", requestID(c), "method", c.Request().Method, "route", route, "ip", c.RealIP()),
			slog.Group("response", "status", status, "ms", float64(d.Microseconds())/1000))
		return nil
	}
}
