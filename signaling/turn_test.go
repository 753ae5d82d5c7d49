package signaling

import (
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/lianxin-hub/lianxin/signaling/turn"
)

// startTURN runs the embedded TURN server on free loopback ports, relaying
// on 127.0.0.1.
func startTURN(t *testing.T, creds turn.Credentials) *turn.Server {
	t.Helper()
	ts, err := turn.Listen(turn.Config{Addr: "127.0.0.1:0", PublicIP: net.IPv4(127, 0, 0, 1),
		Credentials: creds, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ts.Close() })
	return ts
}

// relayOnly is a client that may use nothing but TURN relays; its ICE
// servers are the ones joined hands it (withJoinedICE).
var relayOnly = clientConfig{pc: webrtc.Configuration{ICETransportPolicy: webrtc.ICETransportPolicyRelay}}

// withJoinedICE gives c's PeerConnections the ICE servers from joined, as
// the browser client does.
func withJoinedICE(t *testing.T, c *client, j Joined, user string) {
	t.Helper()
	if len(j.ICEServers) != 1 || !strings.HasSuffix(j.ICEServers[0].Username, ":"+user) {
		t.Fatalf("%s: joined iceServers = %+v, want one TURN server with credentials for %s", c.name, j.ICEServers, user)
	}
	c.mu.Lock() // the read loop creates the subscriber PC under it
	defer c.mu.Unlock()
	for _, is := range j.ICEServers {
		c.pcConfig.ICEServers = append(c.pcConfig.ICEServers,
			webrtc.ICEServer{URLs: is.URLs, Username: is.Username, Credential: is.Credential})
	}
}

// selectedPath describes the local side of the candidate pair ICE selected
// on pc's transport: the candidate type and, for a relay, the transport
// between this peer and the TURN server.
func selectedPath(t *testing.T, pc *webrtc.PeerConnection, it *webrtc.ICETransport) (webrtc.ICECandidateType, string) {
	t.Helper()
	pair, ok := it.GetSelectedCandidatePairStats()
	if !ok {
		t.Fatal("no selected candidate pair")
	}
	local, ok := pc.GetStats()[pair.LocalCandidateID].(webrtc.ICECandidateStats)
	if !ok {
		t.Fatalf("no stats for local candidate %q", pair.LocalCandidateID)
	}
	return local.CandidateType, local.RelayProtocol
}

// A hospital whose firewall lets only TCP out: the host and the participant
// can use nothing but the embedded TURN server over TCP (relay-only policy,
// one turn:…?transport=tcp URL, with the credentials joined hands them). The host publishes VP8, the participant
// receives it frame for frame, and both selected candidate pairs are relays
// reached over TCP.
func TestTCPOnlyClientsConnectThroughEmbeddedTURN(t *testing.T) {
	testRelayedCall(t, "tcp")
}

// The same through the UDP listener: the path for networks that block the
// SFU's ports but not the TURN server's.
func TestUDPRelayedClientsConnectThroughEmbeddedTURN(t *testing.T) {
	testRelayedCall(t, "udp")
}

func testRelayedCall(t *testing.T, transport string) {
	creds := turn.Credentials{Secret: "shared-with-the-hub", TTL: time.Hour}
	ts := startTURN(t, creds)
	var url string
	for _, u := range ts.URLs("127.0.0.1") {
		if strings.HasSuffix(u, "?transport="+transport) {
			url = u
		}
	}
	// The SFU hands each joining user fresh credentials for that one URL.
	_, sfu := startServer(t, func(o *Options) {
		o.ICEServersFor = func(userID string) []ICEServer {
			name, cred := creds.Issue(userID, time.Now())
			return []ICEServer{{URLs: []string{url}, Username: name, Credential: cred}}
		}
	})
	const roomID = "consult-county-hospital"

	host := dial(t, sfu, "host", relayOnly)
	withJoinedICE(t, host, host.join(roomToken(t, roomID, "dr-wang", RoleHost)), "dr-wang")
	sub := dial(t, sfu, "participant", relayOnly)
	withJoinedICE(t, sub, sub.join(roomToken(t, roomID, "dr-li", RoleParticipant)), "dr-li")

	video := sampleTrack(t, webrtc.MimeTypeVP8, "cam", "host")
	senders := host.publish(pubTrack{Publish{TrackID: "cam", Kind: KindVideo, Source: SourceCamera}, video})
	pump(t, video)
	tr := sub.nextTrack()
	if tr.ID() != "cam" {
		t.Fatalf("received track %q, want cam", tr.ID())
	}
	// 30 more distinct frames, each checked byte for byte by next (a NACK
	// repair may arrive out of order, so order is not required).
	frames := receive(tr)
	first := next(t, "participant", frames).idx
	for seen := map[uint32]bool{}; len(seen) < 30; {
		if r := next(t, "participant", frames); r.idx > first {
			seen[r.idx] = true
		}
	}

	host.mu.Lock()
	pub := host.pub
	host.mu.Unlock()
	sub.mu.Lock()
	subPC := sub.sub
	sub.mu.Unlock()
	paths := map[string][2]string{}
	typ, proto := selectedPath(t, pub, senders[0].Transport().ICETransport())
	paths["host publisher"] = [2]string{typ.String(), proto}
	typ, proto = selectedPath(t, subPC, subPC.GetReceivers()[0].Transport().ICETransport())
	paths["participant subscriber"] = [2]string{typ.String(), proto}
	for who, p := range paths {
		if p != [2]string{"relay", transport} {
			t.Errorf("%s selected a %s candidate reached over %q, want relay over %s", who, p[0], p[1], transport)
		}
	}
	if n := ts.Allocations(); n < 2 {
		t.Fatalf("TURN allocations = %d, want at least one per PeerConnection", n)
	}
}

// A WHIP publisher (OBS in a hospital's lecture hall) gets the same TURN
// server with fresh credentials for its user in the 201's Link headers.
func TestWHIPLinksCarryTURNCredentials(t *testing.T) {
	creds := turn.Credentials{Secret: "s", TTL: time.Hour}
	const url = "turn:turn.example.cn:3478?transport=tcp"
	_, ws := startServer(t, func(o *Options) {
		o.ICEServersFor = func(userID string) []ICEServer {
			name, cred := creds.Issue(userID, time.Now())
			return []ICEServer{{URLs: []string{url}, Username: name, Credential: cred}}
		}
	})
	pc, err := testAPI(t).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	if _, err := pc.AddTransceiverFromTrack(sampleTrack(t, webrtc.MimeTypeVP8, "cam", "obs"),
		webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	tok := signClaims(t, Claims{RoomID: "lecture-9", UserID: "lecturer", Role: RoleHost})
	resp, body := httpDo(t, http.MethodPost, httpBase(ws)+PathWHIP+"lecture-9", tok, "application/sdp", offerComplete(t, pc))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("WHIP POST = %d %q", resp.StatusCode, body)
	}
	var link string
	for _, l := range resp.Header.Values("Link") {
		if strings.HasPrefix(l, "<"+url+">") {
			link = l
		}
	}
	m := regexp.MustCompile(`username="([^"]+)"; credential="([^"]+)"`).FindStringSubmatch(link)
	if m == nil {
		t.Fatalf("Link headers %q, want %s with credentials", resp.Header.Values("Link"), url)
	}
	if id, err := creds.Check(m[1], m[2], time.Now()); err != nil || id != "lecturer" {
		t.Fatalf("Link credentials: %q, %v", id, err)
	}
}
