package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/lianxin-hub/lianxin/frontend"
	"github.com/lianxin-hub/lianxin/internal/config"
	"github.com/lianxin-hub/lianxin/internal/consult"
	"github.com/lianxin-hub/lianxin/internal/demo"
	"github.com/lianxin-hub/lianxin/internal/httpapi"
	"github.com/lianxin-hub/lianxin/internal/secret"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/signaling"
	"github.com/lianxin-hub/lianxin/signaling/cluster"
	"github.com/lianxin-hub/lianxin/signaling/presence"
)

func runServe(ctx context.Context, args []string, stderr io.Writer) error {
	m := NewMain(stderr)
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	m.Config.Register(fs)
	m.Config.RegisterDemo(fs)
	m.Config.RegisterServeSFU(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	<-ctx.Done()
	return m.Close()
}

// Main is the running hub: configuration, store, presence and HTTP server,
// wired by hand. End-to-end tests run it on "127.0.0.1:0".
type Main struct {
	Config   config.Config
	Logger   *slog.Logger
	Store    *store.Store
	Presence presence.Presence
	SFU      *signaling.Server
	// Nodes routes room joins to external SFU nodes (LIANXIN_SFU_MODE=external);
	// then SFU is nil and the hub serves no /rtc/.
	Nodes cluster.Directory
	// Clock, when set, replaces the wall clock of the store and the SFU
	// (end-to-end tests move it instead of waiting).
	Clock func() time.Time

	relay    *relay // the embedded TURN server and the TURN URLs handed out
	logOut   io.Writer
	listener net.Listener
	server   *http.Server
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// NewMain returns a Main that logs JSON to w.
func NewMain(w io.Writer) *Main {
	return &Main{logOut: w, Logger: slog.New(slog.NewJSONHandler(w, nil))}
}

// Run opens the database and presence, migrates, seeds the demo alliance when
// asked, and starts serving in the background. Call Close to stop.
func (m *Main) Run(ctx context.Context) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(m.Config.LogLevel)); err != nil {
		return fmt.Errorf("LIANXIN_LOG_LEVEL: %w", err)
	}
	m.Logger = slog.New(slog.NewJSONHandler(m.logOut, &slog.HandlerOptions{Level: level}))
	keys, err := loadKeys(&m.Config, m.Logger)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, store.Options{DatabaseURL: m.Config.DatabaseURL, DataDir: m.Config.DataDir, Keys: keys,
		Logger: m.Logger, Now: m.Clock})
	if err != nil {
		return err
	}
	m.Store = st
	applied, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		m.Logger.Info("migrations applied", "files", strings.Join(applied, ","), "database", st.Dialect())
	}
	if m.Config.Demo {
		seeded, err := demo.Seed(ctx, st)
		if err != nil {
			return fmt.Errorf("demo seed: %w", err)
		}
		if seeded {
			m.Logger.Info("demo alliance seeded", "alliance", demo.AllianceName, "password", "see README")
		}
	}
	if m.Config.RedisURL != "" {
		p, err := presence.OpenRedis(m.Config.RedisURL)
		if err != nil {
			return fmt.Errorf("presence: %w", err)
		}
		m.Presence = p
	} else {
		m.Presence = presence.NewMemory()
	}
	web, err := fs.Sub(frontend.Dist, "dist")
	if err != nil {
		return err
	}
	// The signaling server trusts only room tokens signed with a key derived
	// from the master key; the hub signs them after checking the record.
	signer := signaling.NewSigner(keys.RoomTokenKey())
	external, err := externalSFU(&m.Config)
	if err != nil {
		return err
	}
	// With external SFU nodes, each node runs its own TURN server and hands
	// it out in joined; the hub still hands out LIANXIN_TURN_URLS.
	turnConfig := m.Config
	if external {
		turnConfig.TURNMode = config.TURNOff
	}
	m.relay, err = startRelay(&turnConfig, keys, m.Clock, m.Logger)
	if err != nil {
		return err
	}
	if external {
		nodes, err := openNodes(&m.Config)
		if err != nil {
			return err
		}
		m.Nodes = nodes
	} else {
		m.SFU, err = signaling.New(signaling.Options{Signer: signer, Presence: m.Presence, NodeID: m.Config.NodeID,
			Logger: m.Logger, OnPresence: m.recordAttendance, Now: m.Clock, RecordingDir: m.recordingDir(),
			OnRecording: m.listRecording, ICEServersFor: m.turnServersFor})
		if err != nil {
			return err
		}
	}
	api := httpapi.New(httpapi.Options{Store: st, Presence: m.Presence, Logger: m.Logger, Web: web,
		TrustProxy: m.Config.TrustProxy, Version: version, Rooms: signer, Nodes: m.Nodes,
		TURNURLs: m.relay.urls, TURN: m.relay.creds, RecordingDir: m.recordingDir()})
	m.listener, err = net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	if m.SFU != nil {
		mux.Handle("/rtc/", m.SFU)
	}
	mux.Handle("/", api.Handler())
	m.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel = cancel
	m.wg.Add(6)
	go func() {
		defer m.wg.Done()
		st.RunSealer(bg, m.Config.SealInterval)
	}()
	go func() {
		defer m.wg.Done()
		// The interval catches events committed by other nodes; this node's
		// own commits wake the publisher at once.
		st.RunPublisher(bg, 2*time.Second, api.Deliver)
	}()
	go func() {
		defer m.wg.Done()
		st.RunSLAWorker(bg, m.Config.SLAInterval, m.Logger)
	}()
	go func() {
		defer m.wg.Done()
		m.remindVideoConsultations(bg)
	}()
	go func() {
		defer m.wg.Done()
		m.pruneRecordingsDaily(bg)
	}()
	go func() {
		defer m.wg.Done()
		if err := m.server.Serve(m.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("http server", "err", err)
		}
	}()
	m.Logger.Info("lianxin serving", "url", m.URL(), "database", st.Dialect(), "presence", presenceKind(m.Config.RedisURL),
		"demo", m.Config.Demo, "version", version)
	return nil
}

// turnServersFor gives the in-process SFU the TURN servers, with fresh
// credentials, for its joined answers and WHIP/WHEP Link headers.
func (m *Main) turnServersFor(userID string) []signaling.ICEServer {
	now := time.Now
	if m.Clock != nil {
		now = m.Clock
	}
	return m.relay.iceServers(userID, now())
}

// reminderLead is how long before a video consultation its participants
// are reminded.
const reminderLead = 30 * time.Minute

// remindVideoConsultations reminds participants of the video consultations
// about to start, once a minute, until ctx ends: an in-app notification
// (open event streams pick it up at their next inbox check) plus the extra channel (logging only until an SMS or e-mail
// gateway is configured).
func (m *Main) remindVideoConsultations(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	r := consult.LogReminder{Log: m.Logger}
	for {
		if _, err := m.Store.SendVideoReminders(ctx, reminderLead, r); err != nil && ctx.Err() == nil {
			m.Logger.Error("video reminders", "err", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// recordAttendance keeps, from what the SFU saw, who was in which room and
// when: attendance and duration of consultations, rounds and lectures.
func (m *Main) recordAttendance(p signaling.RoomPresence) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var err error
	if p.Joined {
		err = m.Store.RoomJoined(ctx, p.RoomID, p.UserID, p.At)
	} else {
		err = m.Store.RoomLeft(ctx, p.RoomID, p.UserID, p.At)
	}
	if err != nil {
		m.Logger.Error("attendance not recorded", "room", p.RoomID, "err", err.Error())
	}
}

func presenceKind(url string) string {
	if url == "" {
		return "memory"
	}
	return "redis"
}

// URL is the base URL the hub listens on.
func (m *Main) URL() string {
	if m.listener == nil {
		return ""
	}
	addr := m.listener.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "localhost"
	}
	return fmt.Sprintf("http://%s", net.JoinHostPort(host, fmt.Sprint(addr.Port)))
}

// Close stops serving (letting open requests finish), stops the sealer after
// one last pass, and closes presence and the database.
func (m *Main) Close() error {
	var errs []error
	if m.SFU != nil {
		errs = append(errs, m.SFU.Close()) // its WebSockets are hijacked: Shutdown does not wait for them
	}
	errs = append(errs, m.relay.Close())
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownPeriod)
		errs = append(errs, m.server.Shutdown(ctx))
		cancel()
	}
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
	if m.Store != nil {
		if _, err := m.Store.SealAudit(context.Background(), 10000); err != nil {
			errs = append(errs, err)
		}
	}
	if m.Nodes != nil {
		errs = append(errs, m.Nodes.Close())
	}
	if m.Presence != nil {
		errs = append(errs, m.Presence.Close())
	}
	if m.Store != nil {
		errs = append(errs, m.Store.Close())
	}
	return errors.Join(errs...)
}

// openStore derives the keys and opens the configured database.
func openStore(ctx context.Context, c *config.Config, log *slog.Logger) (*store.Store, error) {
	keys, err := loadKeys(c, log)
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, store.Options{DatabaseURL: c.DatabaseURL, DataDir: c.DataDir, Keys: keys, Logger: log})
}

// loadKeys derives the hub's keys from LIANXIN_SECRET_KEY, or from the key
// file in the data directory, generating it the first time.
func loadKeys(c *config.Config, log *slog.Logger) (*secret.Keys, error) {
	master, set, err := c.MasterKey()
	if err != nil {
		return nil, err
	}
	if !set {
		var created bool
		master, created, err = secret.LoadOrCreateKeyFile(c.DataDir)
		if err != nil {
			return nil, err
		}
		if created && !c.Demo {
			log.Warn("no LIANXIN_SECRET_KEY set: generated one into the data directory; back it up, or the encrypted fields are lost",
				"file", c.DataDir+string(os.PathSeparator)+"secret.key")
		}
	}
	return secret.Derive(master)
}
