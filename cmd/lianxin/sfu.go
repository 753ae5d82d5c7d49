package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/config"
	"github.com/lianxin-hub/lianxin/signaling"
	"github.com/lianxin-hub/lianxin/signaling/cluster"
	"github.com/lianxin-hub/lianxin/signaling/presence"
)

// runSFU runs the signaling server and SFU on its own, for deployments
// that put video on separate machines. It needs only the master key (to
// verify the hub's room tokens) and, to share presence, Redis; it never
// opens the clinical database, so it records no attendance (the hub's
// in-process SFU does).
func runSFU(ctx context.Context, args []string, stderr io.Writer) error {
	var c config.Config
	fs := flag.NewFlagSet("sfu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.Register(fs)
	c.RegisterSFU(fs)
	var origins string
	fs.StringVar(&origins, "allowed-origins", "", "comma-separated browser origins allowed besides the request's own host (the hub's address when it is elsewhere)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return fmt.Errorf("LIANXIN_LOG_LEVEL: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	if _, set, err := c.MasterKey(); err != nil {
		return err
	} else if !set {
		return errors.New("sfu: LIANXIN_SECRET_KEY is required: the SFU verifies the hub's room tokens with it")
	}
	keys, err := loadKeys(&c, log)
	if err != nil {
		return err
	}
	var p presence.Presence = presence.NewMemory()
	if c.RedisURL != "" {
		if p, err = presence.OpenRedis(c.RedisURL); err != nil {
			return fmt.Errorf("presence: %w", err)
		}
	}
	defer p.Close()
	ln, err := net.Listen("tcp", c.Addr) // before New registers the node, so routed clients find it listening
	if err != nil {
		return err
	}
	// With a public URL the node registers in Redis, and the hub
	// (LIANXIN_SFU_MODE=external) routes rooms to it; without, it is a lone
	// node that takes every room, as before.
	var nodes cluster.Directory
	if c.SFUPublicURL != "" {
		d, err := openNodes(&c)
		if err != nil {
			ln.Close()
			return err
		}
		defer d.Close()
		nodes = d
	}
	// Browsers get this node's TURN servers, with fresh credentials, in
	// joined; the hub's join answer may also list them (LIANXIN_TURN_URLS).
	r, err := startRelay(&c, keys, nil, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer r.Close()
	srv, err := signaling.New(signaling.Options{Signer: signaling.NewSigner(keys.RoomTokenKey()), Presence: p,
		NodeID: c.NodeID, Logger: log, AllowedOrigins: splitList(origins), Directory: nodes, PublicURL: c.SFUPublicURL,
		ICEServersFor: func(userID string) []signaling.ICEServer { return r.iceServers(userID, time.Now()) }})
	if err != nil {
		ln.Close()
		return err
	}
	log.Info("lianxin sfu serving", "addr", ln.Addr().String(), "path", signaling.PathWebSocket, "node", c.NodeID,
		"public_url", c.SFUPublicURL)
	return srv.Run(ctx, ln)
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
