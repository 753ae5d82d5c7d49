package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	pionturn "github.com/pion/turn/v5"

	"github.com/lianxin-hub/lianxin/internal/secret"
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

// checkSFUTURN joins a room on a running `lianxin sfu` at addr (master key
// keyHex) and checks that joined hands out the node's own TURN server over
// UDP and TCP, with credentials for the user under the secret derived from
// the master key.
func checkSFUTURN(t *testing.T, addr, keyHex string) {
	t.Helper()
	master, _ := hex.DecodeString(keyHex)
	keys, err := secret.Derive(master)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := signaling.NewSigner(keys.RoomTokenKey()).Sign(signaling.Claims{RoomID: "r-1", UserID: "dr-zhou",
		Name: "周医生", Role: signaling.RoleHost})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws://"+addr+signaling.PathWebSocket, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	msg, _ := signaling.Encode(1, signaling.Join{Token: tok, ProtocolVersion: signaling.ProtocolVersion})
	if err := ws.Write(ctx, websocket.MessageText, msg); err != nil {
		t.Fatal(err)
	}
	_, data, err := ws.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, m, err := signaling.DecodeServer(data)
	j, ok := m.(signaling.Joined)
	if err != nil || !ok {
		t.Fatalf("join answered %s (%v)", data, err)
	}
	if len(j.ICEServers) != 1 || len(j.ICEServers[0].URLs) != 2 ||
		!strings.HasSuffix(j.ICEServers[0].URLs[0], "?transport=udp") || !strings.HasSuffix(j.ICEServers[0].URLs[1], "?transport=tcp") {
		t.Fatalf("joined iceServers = %+v, want the node's TURN server over UDP and TCP", j.ICEServers)
	}
	creds := turn.Credentials{Secret: keys.TURNSecret()}
	if id, err := creds.Check(j.ICEServers[0].Username, j.ICEServers[0].Credential, time.Now()); err != nil || id != "dr-zhou" {
		t.Fatalf("joined credentials: %q, %v", id, err)
	}
}
