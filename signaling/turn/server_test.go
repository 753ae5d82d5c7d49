package turn

import (
	"io"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	pionturn "github.com/pion/turn/v5"
)

const waitLimit = 20 * time.Second

// quietLogger discards logs; LIANXIN_TURN_TEST_LOG=1 shows pion/turn at debug level.
func quietLogger() *slog.Logger {
	if os.Getenv("LIANXIN_TURN_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startTURN runs the embedded server on free loopback ports.
func startTURN(t *testing.T, c Credentials, now func() time.Time) *Server {
	t.Helper()
	s, err := Listen(Config{Addr: "127.0.0.1:0", PublicIP: net.IPv4(127, 0, 0, 1), Credentials: c,
		Logger: quietLogger(), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// allocate asks the server for a relay over the given transport, as a
// browser's ICE agent does.
func allocate(t *testing.T, s *Server, transport, user, cred string) (net.PacketConn, error) {
	t.Helper()
	var conn net.PacketConn
	var server string
	switch transport {
	case "udp":
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		conn, server = pc, s.UDPAddr().String()
	case "tcp":
		tc, err := net.DialTimeout("tcp", s.TCPAddr().String(), waitLimit)
		if err != nil {
			t.Fatal(err)
		}
		conn, server = pionturn.NewSTUNConn(tc), s.TCPAddr().String()
	}
	cl, err := pionturn.NewClient(&pionturn.ClientConfig{TURNServerAddr: server, STUNServerAddr: server,
		Username: user, Password: cred, Realm: Realm, Conn: conn, LoggerFactory: pionLogs{quietLogger()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close(); _ = conn.Close() })
	if err := cl.Listen(); err != nil {
		t.Fatal(err)
	}
	return cl.Allocate()
}

// TestRelayOverUDPAndTCP: with valid credentials a client gets a relay over
// UDP and over TCP, on the public IP, and datagrams pass through it both ways.
func TestRelayOverUDPAndTCP(t *testing.T) {
	c := Credentials{Secret: "s3cret", TTL: time.Hour}
	s := startTURN(t, c, nil)
	if s.UDPAddr().Port == 0 || s.TCPAddr().Port == 0 {
		t.Fatalf("listeners %v %v", s.UDPAddr(), s.TCPAddr())
	}
	peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	for i, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) {
			user, cred := c.Issue("doctor-"+transport, time.Now())
			relay, err := allocate(t, s, transport, user, cred)
			if err != nil {
				t.Fatalf("allocate over %s: %v", transport, err)
			}
			if ip := relay.LocalAddr().(*net.UDPAddr).IP; !ip.Equal(net.IPv4(127, 0, 0, 1)) {
				t.Fatalf("relayed address %v, want the public IP", relay.LocalAddr())
			}
			if n := s.Allocations(); n != i+1 {
				t.Fatalf("allocations = %d, want %d", n, i+1)
			}
			if _, err := relay.WriteTo([]byte("out via "+transport), peer.LocalAddr()); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 64)
			_ = peer.SetReadDeadline(time.Now().Add(waitLimit))
			n, from, err := peer.ReadFrom(buf)
			if err != nil || string(buf[:n]) != "out via "+transport {
				t.Fatalf("peer read %q, %v", buf[:n], err)
			}
			if from.String() != relay.LocalAddr().String() {
				t.Fatalf("peer saw %v, want the relay %v", from, relay.LocalAddr())
			}
			// At least 5 bytes: pion's TCP framing (STUNConn) waits for 9
			// bytes before it looks at a frame, so a ChannelData frame with
			// 4 bytes of data stalls until the next one arrives. WebRTC never
			// sends anything that small (a STUN check is 20 bytes or more).
			if _, err := peer.WriteTo([]byte("back from the peer"), from); err != nil {
				t.Fatal(err)
			}
			_ = relay.SetReadDeadline(time.Now().Add(waitLimit))
			n, _, err = relay.ReadFrom(buf)
			if err != nil || string(buf[:n]) != "back from the peer" {
				t.Fatalf("relay read %q, %v", buf[:n], err)
			}
		})
	}
}

// TestRelayRefusesBadCredentials: expired, tampered and foreign credentials
// get no relay, over either transport; the clock is the server's own.
func TestRelayRefusesBadCredentials(t *testing.T) {
	c := Credentials{Secret: "s3cret", TTL: time.Hour}
	now := time.Now()
	s := startTURN(t, c, func() time.Time { return now })
	user, cred := c.Issue("doctor", now)
	oldUser, oldCred := c.Issue("doctor", now.Add(-time.Hour-time.Second))
	otherUser, otherCred := Credentials{Secret: "not ours", TTL: time.Hour}.Issue("doctor", now)
	cases := []struct{ name, user, cred string }{
		{"expired", oldUser, oldCred},
		{"tampered user", user[:len(user)-1] + "X", cred},
		{"tampered credential", user, flip(cred)},
		{"another secret", otherUser, otherCred},
		{"malformed username", "doctor", cred},
	}
	for _, transport := range []string{"udp", "tcp"} {
		for _, tc := range cases {
			t.Run(transport+"/"+tc.name, func(t *testing.T) {
				if relay, err := allocate(t, s, transport, tc.user, tc.cred); err == nil {
					relay.Close()
					t.Fatal("allocated a relay")
				}
			})
		}
	}
	if n := s.Allocations(); n != 0 {
		t.Fatalf("allocations = %d after refusals", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil { // and again from Cleanup
		t.Fatalf("second Close: %v", err)
	}
}

// TestPeerFilter: relays reach only this machine (its interfaces and the
// public IP), never link-local, multicast or unspecified addresses, and
// loopback only on a development relay.
func TestPeerFilter(t *testing.T) {
	local := func() []net.IP {
		return []net.IP{net.ParseIP("10.1.2.3"), net.ParseIP("127.0.0.1"), net.ParseIP("fe80::1")}
	}
	public := peerFilter(net.ParseIP("203.0.113.7"), local)
	dev := peerFilter(net.IPv4(127, 0, 0, 1), local)
	for _, tc := range []struct {
		peer      string
		pub, devl bool
	}{
		{"203.0.113.7", true, false},      // the SFU's public address
		{"10.1.2.3", true, true},          // the SFU's host address on a private network
		{"10.1.2.4", false, false},        // another host on that network
		{"198.51.100.20", false, false},   // anywhere else
		{"127.0.0.1", false, true},        // services on loopback
		{"169.254.169.254", false, false}, // cloud metadata
		{"224.0.0.251", false, false},
		{"0.0.0.0", false, false},
		{"::1", false, true},
		{"fe80::1", false, false}, // link-local, even though it is ours
	} {
		ip := net.ParseIP(tc.peer)
		if got := public(nil, ip); got != tc.pub {
			t.Errorf("public relay, peer %s: %v", tc.peer, got)
		}
		if got := dev(nil, ip); got != tc.devl {
			t.Errorf("loopback relay, peer %s: %v", tc.peer, got)
		}
	}
}

func TestListenRefusesBadConfig(t *testing.T) {
	ok := Config{Addr: "127.0.0.1:0", PublicIP: net.IPv4(127, 0, 0, 1), Credentials: Credentials{Secret: "x"}, Logger: quietLogger()}
	for name, tweak := range map[string]func(*Config){
		"no public IP": func(c *Config) { c.PublicIP = nil },
		"no secret":    func(c *Config) { c.Credentials.Secret = "" },
		"reversed":     func(c *Config) { c.MinPort, c.MaxPort = 50010, 50000 },
		"half a range": func(c *Config) { c.MinPort = 50000 },
	} {
		c := ok
		tweak(&c)
		if s, err := Listen(c); err == nil {
			s.Close()
			t.Errorf("%s: Listen succeeded", name)
		}
	}
	// A taken port is an error the caller can recognise and work around.
	s := startTURN(t, Credentials{Secret: "x"}, nil)
	c := ok
	c.Addr = s.UDPAddr().String()
	if s2, err := Listen(c); err == nil {
		s2.Close()
		t.Fatal("second server on the same port")
	}
}

// TestRelayPortRange: relays are allocated inside the configured range (one
// free port here, found by the system, so the test fixes no port).
func TestRelayPortRange(t *testing.T) {
	probe, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := uint16(probe.LocalAddr().(*net.UDPAddr).Port)
	probe.Close()
	c := Credentials{Secret: "s3cret"}
	s, err := Listen(Config{Addr: "127.0.0.1:0", PublicIP: net.IPv4(127, 0, 0, 1), MinPort: port, MaxPort: port,
		Credentials: c, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	user, cred := c.Issue("doctor", time.Now())
	relay, err := allocate(t, s, "tcp", user, cred)
	if err != nil {
		t.Fatal(err)
	}
	if got := relay.LocalAddr().(*net.UDPAddr).Port; got != int(port) {
		t.Fatalf("relay port %d, want %d", got, port)
	}
}
