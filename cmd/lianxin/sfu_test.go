package main

import (
	"context"
	"crypto/rand"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/signaling/cluster"
	"github.com/lianxin-hub/lianxin/signaling/cluster/clustertest"
)

// TestSFUCommand: `lianxin sfu` refuses to start without the master key,
// and with it serves the signaling health check until it is stopped.
func TestSFUCommand(t *testing.T) {
	var stderr strings.Builder
	err := run(t.Context(), []string{"sfu", "--data-dir", t.TempDir()}, strings.NewReader(""), io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), "LIANXIN_SECRET_KEY") {
		t.Fatalf("sfu without a key: %v", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"sfu", "--addr", addr, "--data-dir", t.TempDir(),
			"--secret-key", strings.Repeat("ab", 32), "--turn-addr", "127.0.0.1:0"}, strings.NewReader(""), io.Discard, io.Discard)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/rtc/healthz")
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || strings.TrimSpace(string(body)) != "ok" {
				t.Fatalf("/rtc/healthz = %d %q", res.StatusCode, body)
			}
			break
		}
		select {
		case err := <-done:
			t.Fatalf("sfu stopped: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("sfu not serving: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	checkSFUTURN(t, addr, strings.Repeat("ab", 32))
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("sfu after stop: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("sfu did not stop")
	}
}

// TestSFUNodeRegisters: `lianxin sfu --public-url` registers itself in
// Redis with its URL while it runs and deregisters when it stops; without
// Redis it refuses to start, and so does a hub in external mode.
func TestSFUNodeRegisters(t *testing.T) {
	key := strings.Repeat("ab", 32)
	err := run(t.Context(), []string{"sfu", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--secret-key", key,
		"--public-url", "ws://127.0.0.1:1/rtc/ws"}, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "LIANXIN_REDIS_URL") {
		t.Fatalf("sfu --public-url without Redis: %v", err)
	}
	err = run(t.Context(), []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--secret-key", key,
		"--sfu-mode", "external"}, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "LIANXIN_REDIS_URL") {
		t.Fatalf("serve --sfu-mode external without Redis: %v", err)
	}

	redisURL := clustertest.RedisURL(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	nodeID := "sfu-test-" + rand.Text()[:10] // the default prefix is shared: a name no one else uses
	public := "ws://" + addr + "/rtc/ws"
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"sfu", "--addr", addr, "--data-dir", t.TempDir(), "--secret-key", key,
			"--redis-url", redisURL, "--public-url", public, "--node-id", nodeID, "--sfu-heartbeat", "100ms",
			"--turn-addr", "127.0.0.1:0"},
			strings.NewReader(""), io.Discard, io.Discard)
	}()
	dir, err := cluster.OpenRedis(redisURL, cluster.Options{Timing: cluster.Timing{Interval: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	registered := func() (cluster.Node, bool) {
		ns, err := dir.Nodes(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			if n.ID == nodeID {
				return n, true
			}
		}
		return cluster.Node{}, false
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if n, ok := registered(); ok {
			if n.URL != public {
				t.Fatalf("node registered with URL %q, want %q", n.URL, public)
			}
			break
		}
		select {
		case err := <-done:
			t.Fatalf("sfu stopped: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("sfu node never registered")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("sfu after stop: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("sfu did not stop")
	}
	if _, ok := registered(); ok {
		t.Fatal("sfu node still registered after it stopped")
	}
}
