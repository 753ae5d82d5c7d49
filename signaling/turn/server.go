package turn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pion/logging"
	pionturn "github.com/pion/turn/v5"
)

// Realm is the TURN realm of the embedded server (and of the coturn in
// docker-compose.yml).
const Realm = "lianxin"

// MaxAllocationsPerUser bounds the relays one user may hold at once. A
// browser in a call holds two PeerConnections, each gathering one relay per
// TURN URL and local interface, plus leftovers during an ICE restart; 32 is
// far above that and far below what would exhaust a relay port range.
const MaxAllocationsPerUser = 32

// Config configures Listen.
type Config struct {
	// Addr is the UDP and TCP listen address, e.g. ":3478". Port 0 picks
	// a free port for each (tests).
	Addr string
	// PublicIP is the relayed address handed to clients: the address at
	// which the SFU and browsers reach this machine. Required.
	PublicIP net.IP
	// MinPort and MaxPort bound the relay ports (inclusive); both 0 lets
	// the system pick any free port.
	MinPort, MaxPort uint16
	// Credentials checks clients' usernames and credentials.
	Credentials Credentials
	// Logger receives the server's logs; default slog.Default().
	Logger *slog.Logger
	// Now is the clock for credential expiry; default time.Now.
	Now func() time.Time
}

// Server is a running embedded TURN server. Close stops it.
type Server struct {
	udp  net.PacketConn
	tcp  net.Listener
	srv  *pionturn.Server
	log  *slog.Logger
	mu   sync.Mutex
	used map[string]int // user id → live allocations

	closeOnce sync.Once
}

// Listen starts a TURN server on cfg.Addr over UDP and TCP. Errors: a
// missing PublicIP or secret, a bad port range, or a listen failure (for
// example the port is taken; errors.Is(err, syscall.EADDRINUSE) holds).
func Listen(cfg Config) (*Server, error) {
	if cfg.PublicIP == nil {
		return nil, errors.New("turn: a public IP is required")
	}
	if cfg.Credentials.Secret == "" {
		return nil, errors.New("turn: a credential secret is required")
	}
	if cfg.MinPort > cfg.MaxPort || (cfg.MinPort == 0) != (cfg.MaxPort == 0) {
		return nil, fmt.Errorf("turn: bad relay port range %d-%d", cfg.MinPort, cfg.MaxPort)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "turn")
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	s := &Server{log: log, used: map[string]int{}}

	var err error
	if s.udp, err = net.ListenPacket("udp", cfg.Addr); err != nil {
		return nil, fmt.Errorf("turn: %w", err)
	}
	if s.tcp, err = net.Listen("tcp", cfg.Addr); err != nil {
		_ = s.udp.Close()
		return nil, fmt.Errorf("turn: %w", err)
	}
	gen := relayGenerator(cfg, s.udp.LocalAddr().(*net.UDPAddr).IP)
	allow := peerFilter(cfg.PublicIP, localIPs)
	s.srv, err = pionturn.NewServer(pionturn.ServerConfig{
		Realm:             Realm,
		LoggerFactory:     pionLogs{log},
		AuthHandler:       s.authHandler(cfg.Credentials, now),
		QuotaHandler:      s.quota,
		EventHandler:      pionturn.EventHandler{OnAllocationCreated: s.created, OnAllocationDeleted: s.deleted},
		PacketConnConfigs: []pionturn.PacketConnConfig{{PacketConn: s.udp, RelayAddressGenerator: gen, PermissionHandler: allow}},
		ListenerConfigs:   []pionturn.ListenerConfig{{Listener: s.tcp, RelayAddressGenerator: gen, PermissionHandler: allow}},
	})
	if err != nil {
		_ = s.udp.Close()
		_ = s.tcp.Close()
		return nil, fmt.Errorf("turn: %w", err)
	}
	log.Info("turn server listening", "udp", s.UDPAddr().String(), "tcp", s.TCPAddr().String(),
		"relay_ip", cfg.PublicIP.String(), "relay_ports", portRange(cfg.MinPort, cfg.MaxPort))
	return s, nil
}

// relayGenerator allocates relays on the listen address's IP (all
// interfaces when that is unspecified) and advertises the public IP, so a
// server behind 1:1 NAT hands out its public address.
func relayGenerator(cfg Config, listenIP net.IP) pionturn.RelayAddressGenerator {
	bind := "0.0.0.0"
	if cfg.PublicIP.To4() == nil {
		bind = "::"
	}
	if listenIP != nil && !listenIP.IsUnspecified() {
		bind = listenIP.String()
	}
	if cfg.MinPort == 0 {
		return &pionturn.RelayAddressGeneratorStatic{RelayAddress: cfg.PublicIP, Address: bind}
	}
	return &pionturn.RelayAddressGeneratorPortRange{RelayAddress: cfg.PublicIP, Address: bind,
		MinPort: cfg.MinPort, MaxPort: cfg.MaxPort}
}

// peerFilter decides which peers a relay may send to: only this machine's
// own addresses and the public IP, since the only peer a browser needs is
// the SFU, which runs here. So a user with credentials cannot use the relay
// to reach other hosts on the hospital's or the cloud's network. Never
// link-local (cloud metadata at 169.254.169.254), multicast or unspecified
// addresses, and loopback only when the relay itself is on loopback
// (development and tests). local lists this machine's addresses; it is
// called per permission (rare), so addresses added later are seen.
func peerFilter(public net.IP, local func() []net.IP) pionturn.PermissionHandler {
	devLoopback := public.IsLoopback()
	return func(_ net.Addr, peer net.IP) bool {
		switch {
		case peer.IsUnspecified(), peer.IsMulticast(), peer.IsLinkLocalUnicast(), peer.IsLinkLocalMulticast():
			return false
		case peer.IsLoopback():
			return devLoopback
		case peer.Equal(public):
			return true
		}
		for _, ip := range local() {
			if peer.Equal(ip) {
				return true
			}
		}
		return false
	}
}

// localIPs returns the addresses of this machine's interfaces.
func localIPs() []net.IP {
	addrs, _ := net.InterfaceAddrs()
	out := make([]net.IP, 0, len(addrs))
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			out = append(out, n.IP)
		}
	}
	return out
}

// authHandler returns the long-term key for a valid, unexpired username.
// pion/turn then checks the request's MESSAGE-INTEGRITY with it (an HMAC
// compared in constant time), which proves the client knows the credential.
func (s *Server) authHandler(c Credentials, now func() time.Time) pionturn.AuthHandler {
	return func(ra *pionturn.RequestAttributes) (string, []byte, bool) {
		user, err := c.unexpired(ra.Username, now())
		if err != nil {
			s.log.Debug("turn credentials refused", "remote", addrString(ra.SrcAddr), "err", err.Error())
			return "", nil, false
		}
		return user, pionturn.GenerateAuthKey(ra.Username, ra.Realm, c.credential(ra.Username)), true
	}
}

// quota refuses a new allocation to a user already holding
// MaxAllocationsPerUser.
func (s *Server) quota(username, _ string, src net.Addr) bool {
	_, user, _ := cutUser(username)
	s.mu.Lock()
	n := s.used[user]
	s.mu.Unlock()
	if n >= MaxAllocationsPerUser {
		s.log.Warn("turn allocation refused: quota", "user", user, "remote", addrString(src), "allocations", n)
		return false
	}
	return true
}

func (s *Server) created(src, _ net.Addr, protocol, user, _ string, relay net.Addr, _ int) {
	s.mu.Lock()
	s.used[user]++
	s.mu.Unlock()
	s.log.Debug("turn allocation", "user", user, "remote", addrString(src), "transport", protocol, "relay", addrString(relay))
}

func (s *Server) deleted(_, _ net.Addr, _, user, _ string) {
	s.mu.Lock()
	if s.used[user] <= 1 {
		delete(s.used, user)
	} else {
		s.used[user]--
	}
	s.mu.Unlock()
}

// UDPAddr is the address the UDP listener is bound to.
func (s *Server) UDPAddr() *net.UDPAddr { return s.udp.LocalAddr().(*net.UDPAddr) }

// TCPAddr is the address the TCP listener is bound to.
func (s *Server) TCPAddr() *net.TCPAddr { return s.tcp.Addr().(*net.TCPAddr) }

// URLs returns the ICE server URLs at which browsers reach this server
// through host: UDP first, then TCP for networks that block UDP.
func (s *Server) URLs(host string) []string {
	return []string{
		"turn:" + net.JoinHostPort(host, strconv.Itoa(s.UDPAddr().Port)) + "?transport=udp",
		"turn:" + net.JoinHostPort(host, strconv.Itoa(s.TCPAddr().Port)) + "?transport=tcp",
	}
}

// Allocations returns the number of live relays.
func (s *Server) Allocations() int { return s.srv.AllocationCount() }

// Close stops listening and drops every relay. Later calls do nothing.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() { err = s.srv.Close() })
	return err
}

// DefaultPublicIP is the relay address used when none is configured: the
// first IPv4 address of an interface that is up and not loopback, or
// 127.0.0.1 when there is none (a laptop offline). Behind NAT it is the
// private address: set the public one explicitly.
func DefaultPublicIP() net.IP {
	ifaces, _ := net.Interfaces()
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && n.IP.IsGlobalUnicast() {
				return n.IP.To4()
			}
		}
	}
	return net.IPv4(127, 0, 0, 1).To4()
}

func cutUser(username string) (exp, user string, ok bool) { return strings.Cut(username, ":") }

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

func portRange(lo, hi uint16) string {
	if lo == 0 {
		return "any"
	}
	return fmt.Sprintf("%d-%d", lo, hi)
}

// pionLogs sends pion/turn's logs to slog, one level lower than Pion's own
// (it reports a client's dropped connection as an error). Trace is dropped.
type pionLogs struct{ log *slog.Logger }

func (f pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{f.log.With("pion", scope)}
}

type pionLogger struct{ log *slog.Logger }

func (l pionLogger) logf(level slog.Level, format string, args ...any) {
	if l.log.Enabled(context.Background(), level) {
		l.log.Log(context.Background(), level, fmt.Sprintf(format, args...))
	}
}

func (pionLogger) Trace(string)                        {}
func (pionLogger) Tracef(string, ...any)               {}
func (l pionLogger) Debug(msg string)                  { l.logf(slog.LevelDebug, "%s", msg) }
func (l pionLogger) Debugf(format string, args ...any) { l.logf(slog.LevelDebug, format, args...) }
func (l pionLogger) Info(msg string)                   { l.logf(slog.LevelDebug, "%s", msg) }
func (l pionLogger) Infof(format string, args ...any)  { l.logf(slog.LevelDebug, format, args...) }
func (l pionLogger) Warn(msg string)                   { l.logf(slog.LevelInfo, "%s", msg) }
func (l pionLogger) Warnf(format string, args ...any)  { l.logf(slog.LevelInfo, format, args...) }
func (l pionLogger) Error(msg string)                  { l.logf(slog.LevelWarn, "%s", msg) }
func (l pionLogger) Errorf(format string, args ...any) { l.logf(slog.LevelWarn, format, args...) }
