package main

import (
	"log/slog"
	"time"

	"github.com/lianxin-hub/lianxin/internal/config"
	"github.com/lianxin-hub/lianxin/internal/secret"
	"github.com/lianxin-hub/lianxin/signaling"
	"github.com/lianxin-hub/lianxin/signaling/turn"
)

// relay is a video node's TURN side: the embedded server when it runs, and
// the URLs and credentials handed to browsers.
type relay struct {
	server *turn.Server // nil when off, or when its port was taken
	urls   []string     // external URLs, then the embedded server's
	creds  turn.Credentials
}

// startRelay starts the embedded TURN server unless the configuration says
// otherwise. When it cannot listen (the port is taken, say by a second hub
// on a laptop or a coturn), it logs a warning and carries on without it:
// video then works for everyone who reaches the SFU directly. Errors: the
// TURN settings are invalid.
func startRelay(c *config.Config, keys *secret.Keys, now func() time.Time, log *slog.Logger) (*relay, error) {
	tc, err := c.TURN()
	if err != nil {
		return nil, err
	}
	r := &relay{urls: tc.URLs, creds: turn.Credentials{Secret: tc.Secret, TTL: tc.TTL}}
	if r.creds.Secret == "" {
		r.creds.Secret = keys.TURNSecret()
	}
	if !tc.Embedded {
		return r, nil
	}
	ip := tc.PublicIP
	if ip == nil {
		ip = turn.DefaultPublicIP()
		log.Info("LIANXIN_TURN_PUBLIC_IP not set: the embedded TURN server relays on this machine's first address; set it behind NAT",
			"ip", ip.String())
	}
	s, err := turn.Listen(turn.Config{Addr: tc.Addr, PublicIP: ip, MinPort: tc.MinPort, MaxPort: tc.MaxPort,
		Credentials: r.creds, Logger: log, Now: now})
	if err != nil {
		log.Warn("embedded TURN server not started: browsers behind firewalls that block the SFU will not connect",
			"addr", tc.Addr, "err", err.Error())
		return r, nil
	}
	r.server = s
	r.urls = append(r.urls, s.URLs(ip.String())...)
	return r, nil
}

// iceServers returns the ICE servers for one user, with fresh credentials.
func (r *relay) iceServers(userID string, now time.Time) []signaling.ICEServer {
	if len(r.urls) == 0 {
		return nil
	}
	user, cred := r.creds.Issue(userID, now)
	return []signaling.ICEServer{{URLs: r.urls, Username: user, Credential: cred}}
}

// Close stops the embedded server, if any.
func (r *relay) Close() error {
	if r == nil || r.server == nil {
		return nil
	}
	return r.server.Close()
}
