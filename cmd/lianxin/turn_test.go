package main

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"

	pionturn "github.com/pion/turn/v5"

	"github.com/lianxin-hub/lianxin/signaling"
	"github.com/lianxin-hub/lianxin/signaling/turn"
)

// checkTURN checks that a join answer's ICE servers are the hub's embedded
// TURN server over UDP and TCP with credentials for userID, and that the
// server grants a relay with them over TCP, as to a browser behind a
// firewall that lets only TCP out.
func checkTURN(t *testing.T, m *Main, ice []signaling.ICEServer, userID string) {
	t.Helper()
	srv := m.relay.server
	if srv == nil {
		t.Fatal("the embedded TURN server is not running")
	}
	want := []string{fmt.Sprintf("turn:127.0.0.1:%d?transport=udp", srv.UDPAddr().Port),
		fmt.Sprintf("turn:127.0.0.1:%d?transport=tcp", srv.TCPAddr().Port)}
	if len(ice) != 1 || !slices.Equal(ice[0].URLs, want) || !strings.HasSuffix(ice[0].Username, ":"+userID) {
		t.Fatalf("iceServers = %+v, want %v with credentials for %s", ice, want, userID)
	}
	tc, err := net.Dial("tcp", srv.TCPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn := pionturn.NewSTUNConn(tc)
	defer conn.Close()
	cl, err := pionturn.NewClient(&pionturn.ClientConfig{TURNServerAddr: tc.RemoteAddr().String(),
		STUNServerAddr: tc.RemoteAddr().String(), Username: ice[0].Username, Password: ice[0].Credential,
		Realm: turn.Realm, Conn: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Listen(); err != nil {
		t.Fatal(err)
	}
	relayConn, err := cl.Allocate()
	if err != nil {
		t.Fatalf("allocate with the join answer's credentials: %v", err)
	}
	_ = relayConn.Close()
}

// TestServeCarriesOnWhenTheTURNPortIsTaken: a second hub on a laptop (or a
// coturn) holding the TURN port must not stop `lianxin serve`; it runs
// without the embedded server and hands out no TURN URLs.
func TestServeCarriesOnWhenTheTURNPortIsTaken(t *testing.T) {
	taken, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	m := startMain(t, "--data-dir", t.TempDir(), "--turn-addr", taken.LocalAddr().String())
	defer m.Close()
	if m.relay.server != nil || len(m.relay.urls) != 0 {
		t.Fatalf("relay = %+v, want no embedded server and no URLs", m.relay)
	}
	doc := loginAs(t, m.URL(), "chc-doctor")
	var colleagues struct{ Items []struct{ ID string } }
	doc.call(http.MethodGet, "/colleagues", nil, &colleagues)
	if len(colleagues.Items) == 0 {
		t.Fatal("no colleagues to invite")
	}
	invitee := colleagues.Items[0].ID
	var room struct{ ID string }
	doc.call(http.MethodPost, "/rooms", map[string]any{"title": "会诊", "invitees": []string{invitee}}, &room)
	var join struct{ ICEServers []signaling.ICEServer }
	doc.call(http.MethodPost, "/rooms/"+room.ID+"/join", nil, &join)
	if join.ICEServers == nil || len(join.ICEServers) != 0 {
		t.Fatalf("iceServers = %#v, want an empty list", join.ICEServers)
	}
}
