package config

import (
	"flag"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// TURN modes (LIANXIN_TURN).
const (
	TURNAuto = "auto" // the embedded server, unless LIANXIN_TURN_URLS names external ones
	TURNOn   = "on"   // the embedded server, also next to external ones
	TURNOff  = "off"  // no embedded server
)

func (c *Config) registerTURN(fs *flag.FlagSet) {
	fs.StringVar(&c.TURNMode, "turn", env("LIANXIN_TURN", TURNAuto), "embedded TURN server: auto (on unless --turn-urls is set), on or off (LIANXIN_TURN)")
	fs.StringVar(&c.TURNAddr, "turn-addr", env("LIANXIN_TURN_ADDR", ":3478"), "UDP and TCP listen address of the embedded TURN server (LIANXIN_TURN_ADDR)")
	fs.StringVar(&c.TURNPublicIP, "turn-public-ip", env("LIANXIN_TURN_PUBLIC_IP", ""), "IP the embedded TURN server relays on and browsers reach it at; empty = first non-loopback IPv4, else 127.0.0.1 (LIANXIN_TURN_PUBLIC_IP)")
	fs.StringVar(&c.TURNRelayPorts, "turn-relay-ports", env("LIANXIN_TURN_RELAY_PORTS", ""), "relay port range of the embedded TURN server, e.g. 49160-49200; empty = any free port (LIANXIN_TURN_RELAY_PORTS)")
	fs.StringVar(&c.TURNURLs, "turn-urls", env("LIANXIN_TURN_URLS", ""), "comma-separated external stun:/turn:/turns: URLs handed to browsers, e.g. a coturn (LIANXIN_TURN_URLS)")
	fs.StringVar(&c.TURNSecret, "turn-secret", env("LIANXIN_TURN_SECRET", ""), "TURN REST API secret shared with coturn's static-auth-secret; empty = derived from the master key (LIANXIN_TURN_SECRET)")
	fs.DurationVar(&c.TURNTTL, "turn-ttl", envDuration("LIANXIN_TURN_TTL", 12*time.Hour), "lifetime of the TURN credentials handed out at each join (LIANXIN_TURN_TTL)")
}

// TURN is the checked TURN configuration.
type TURN struct {
	Embedded         bool     // run the embedded server
	Addr             string   // its UDP and TCP listen address
	PublicIP         net.IP   // its relay address; nil = detect
	MinPort, MaxPort uint16   // its relay port range; both 0 = any
	URLs             []string // external servers handed to browsers
	Secret           string   // "" = derive one from the master key
	TTL              time.Duration
}

// TURN checks and returns the TURN settings. Errors name the variable.
func (c *Config) TURN() (TURN, error) {
	t := TURN{Addr: c.TURNAddr, Secret: c.TURNSecret, TTL: c.TURNTTL}
	for _, u := range strings.Split(c.TURNURLs, ",") {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		scheme, rest, _ := strings.Cut(u, ":")
		if (scheme != "stun" && scheme != "turn" && scheme != "turns") || rest == "" {
			return TURN{}, fmt.Errorf("LIANXIN_TURN_URLS: %q is not a stun:, turn: or turns: URL", u)
		}
		t.URLs = append(t.URLs, u)
	}
	switch c.TURNMode {
	case TURNAuto, "":
		t.Embedded = len(t.URLs) == 0
	case TURNOn:
		t.Embedded = true
	case TURNOff:
	default:
		return TURN{}, fmt.Errorf("LIANXIN_TURN: %q is not auto, on or off", c.TURNMode)
	}
	if t.TTL < time.Minute {
		return TURN{}, fmt.Errorf("LIANXIN_TURN_TTL: %v is shorter than a minute", t.TTL)
	}
	if !t.Embedded {
		return t, nil
	}
	if _, port, err := net.SplitHostPort(t.Addr); err != nil || port == "" {
		return TURN{}, fmt.Errorf("LIANXIN_TURN_ADDR: %q is not host:port", t.Addr)
	}
	if c.TURNPublicIP != "" {
		if t.PublicIP = net.ParseIP(c.TURNPublicIP); t.PublicIP == nil || t.PublicIP.IsUnspecified() {
			return TURN{}, fmt.Errorf("LIANXIN_TURN_PUBLIC_IP: %q is not an IP address", c.TURNPublicIP)
		}
	}
	if c.TURNRelayPorts != "" {
		lo, hi, ok := strings.Cut(c.TURNRelayPorts, "-")
		from, err1 := strconv.ParseUint(strings.TrimSpace(lo), 10, 16)
		to, err2 := strconv.ParseUint(strings.TrimSpace(hi), 10, 16)
		if !ok || err1 != nil || err2 != nil || from == 0 || from > to {
			return TURN{}, fmt.Errorf("LIANXIN_TURN_RELAY_PORTS: %q is not a range like 49160-49200", c.TURNRelayPorts)
		}
		t.MinPort, t.MaxPort = uint16(from), uint16(to)
	}
	return t, nil
}
