package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
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
