package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lianxin-hub/lianxin/signaling"
	"github.com/lianxin-hub/lianxin/signaling/cluster"
	"github.com/lianxin-hub/lianxin/signaling/cluster/clustertest"
)

// TestHubRoutesJoinsToExternalSFU wires the real commands together: a
// `lianxin sfu` node registers in Redis, a hub with LIANXIN_SFU_MODE=external
// answers a room join with that node's URL, and the node accepts the hub's
// token. The hub itself serves no /rtc/.
func TestHubRoutesJoinsToExternalSFU(t *testing.T) {
	redisURL := clustertest.RedisURL(t)
	key := strings.Repeat("cd", 32)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	public := "ws://" + addr + signaling.PathWebSocket
	nodeID := "sfu-e2e-" + rand.Text()[:10] // the default prefix is shared: a name no one else uses
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"sfu", "--addr", addr, "--data-dir", t.TempDir(), "--secret-key", key,
			"--redis-url", redisURL, "--public-url", public, "--node-id", nodeID, "--sfu-heartbeat", "100ms",
			"--turn-addr", "127.0.0.1:0"},
			strings.NewReader(""), io.Discard, io.Discard)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("sfu: %v", err)
		}
	}()

	logs := &syncBuffer{}
	m := NewMain(logs)
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	m.Config.Register(fs)
	m.Config.RegisterDemo(fs)
	m.Config.RegisterServeSFU(fs)
	if err := fs.Parse([]string{"--addr", "127.0.0.1:0", "--demo", "--log-level", "warn", "--data-dir", t.TempDir(),
		"--secret-key", key, "--redis-url", redisURL, "--sfu-mode", "external", "--sfu-heartbeat", "100ms"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(t.Context()); err != nil {
		m.Close()
		t.Fatalf("Run: %v\n%s", err, logs)
	}
	defer m.Close()
	if m.SFU != nil {
		t.Fatal("the hub runs its own SFU in external mode")
	}
	eventually(t, "the sfu node registers", func() bool {
		ns, err := m.Nodes.Nodes(t.Context())
		return err == nil && slices.ContainsFunc(ns, func(n cluster.Node) bool { return n.ID == nodeID })
	})

	base := m.URL()
	chc, county := loginAs(t, base, "chc-doctor"), loginAs(t, base, "county-doctor")
	var countyMe struct {
		ID string `json:"id"`
	}
	county.call(http.MethodGet, "/me", nil, &countyMe)
	var room struct {
		ID string `json:"id"`
	}
	chc.call(http.MethodPost, "/rooms", map[string]any{"title": "会诊", "invitees": []string{countyMe.ID}}, &room)
	var join struct {
		Token, SignalingURL string
	}
	county.call(http.MethodPost, "/rooms/"+room.ID+"/join", nil, &join)
	if join.SignalingURL != public {
		t.Fatalf("signalingUrl = %q, want the node's %q", join.SignalingURL, public)
	}

	// The node takes the hub's token.
	wctx, wcancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer wcancel()
	ws, _, err := websocket.Dial(wctx, join.SignalingURL, nil)
	if err != nil {
		t.Fatalf("dial the node: %v", err)
	}
	defer ws.CloseNow()
	msg, _ := json.Marshal(map[string]any{"type": "join", "id": 1, "token": join.Token, "protocolVersion": signaling.ProtocolVersion})
	if err := ws.Write(wctx, websocket.MessageText, msg); err != nil {
		t.Fatal(err)
	}
	_, data, err := ws.Read(wctx)
	if err != nil || !strings.Contains(string(data), `"type":"joined"`) {
		t.Fatalf("join at the node: %s %v", data, err)
	}

	res, err := http.Get(base + signaling.PathHealth)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) == "ok\n" { // the SFU's answer; the web app's fallback page is fine
		t.Fatalf("the hub's own SFU answers %s in external mode", signaling.PathHealth)
	}
}
