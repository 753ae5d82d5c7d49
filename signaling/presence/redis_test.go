package presence

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const redisURLEnv = "LIANXIN_TEST_REDIS_URL"

// redisAdmin returns a client for inspecting and cleaning keys. It skips
// when the env var is unset and fails (never skips) when it is set but the
// server is unreachable, so a broken CI Redis cannot pass silently.
func redisAdmin(t *testing.T) (url string, admin *redis.Client) {
	t.Helper()
	url = os.Getenv(redisURLEnv)
	if url == "" {
		t.Skipf("%s not set; skipping Redis presence tests (e.g. %s=redis://127.0.0.1:6379/0)", redisURLEnv, redisURLEnv)
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("%s=%q: %v", redisURLEnv, url, err)
	}
	admin = redis.NewClient(opts)
	t.Cleanup(func() { _ = admin.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.Ping(ctx).Err(); err != nil {
		t.Fatalf("%s=%q is set but Redis is unreachable: %v", redisURLEnv, url, err)
	}
	return url, admin
}

// uniquePrefix gives each test its own keyspace so parallel or repeated runs
// cannot see each other, and deletes everything under it afterwards.
func uniquePrefix(t *testing.T, admin *redis.Client) string {
	t.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	prefix := "lianxin:presence:test:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		// t.Context is already canceled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var keys []string
		iter := admin.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("scan %s*: %v", prefix, err)
			return
		}
		if len(keys) > 0 {
			if err := admin.Del(ctx, keys...).Err(); err != nil {
				t.Errorf("delete %v: %v", keys, err)
			}
		}
	})
	return prefix
}

func openTestRedis(t *testing.T, url, prefix string, clock *fakeClock) *Redis {
	t.Helper()
	r, err := OpenRedis(url, WithClock(clock.Now), WithPrefix(prefix))
	if err != nil {
		t.Fatalf("OpenRedis: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func TestRedis(t *testing.T) {
	url, admin := redisAdmin(t)
	runSuite(t, func(t *testing.T, clock *fakeClock) Presence {
		return openTestRedis(t, url, uniquePrefix(t, admin), clock)
	})
}

func TestRedisKeyLayout(t *testing.T) {
	url, admin := redisAdmin(t)
	prefix := uniquePrefix(t, admin)
	clock := newFakeClock()
	r := openTestRedis(t, url, prefix, clock)
	ctx := t.Context()

	mustHeartbeat(t, r, Entry{UserID: "alice", Status: StatusBusy, Node: "node-7"}, 30*time.Second)

	score, err := admin.ZScore(ctx, prefix+"expires", "alice").Result()
	if err != nil {
		t.Fatalf("ZSCORE %sexpires alice: %v", prefix, err)
	}
	if want := epoch.Add(30 * time.Second).UnixMilli(); int64(score) != want {
		t.Fatalf("expiry score = %v, want %d (unix ms from the injected clock)", score, want)
	}
	raw, err := admin.HGet(ctx, prefix+"entries", "alice").Result()
	if err != nil {
		t.Fatalf("HGET %sentries alice: %v", prefix, err)
	}
	if want := `{"status":"busy","node":"node-7"}`; raw != want {
		t.Fatalf("stored value = %s, want %s", raw, want)
	}

	// Garbage-collection TTL: set on both keys, and a later shorter
	// heartbeat must not shorten it below what an earlier one promised.
	for _, k := range []string{"expires", "entries"} {
		pttl, err := admin.PTTL(ctx, prefix+k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if pttl <= gcGrace || pttl > gcGrace+30*time.Second {
			t.Fatalf("PTTL %s%s = %v, want in (%v, %v]", prefix, k, pttl, gcGrace, gcGrace+30*time.Second)
		}
	}
	mustHeartbeat(t, r, Entry{UserID: "bob", Status: StatusAway}, time.Second)
	for _, k := range []string{"expires", "entries"} {
		pttl, err := admin.PTTL(ctx, prefix+k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if pttl <= gcGrace+20*time.Second {
			t.Fatalf("PTTL %s%s = %v after a 1s heartbeat; it was shortened", prefix, k, pttl)
		}
	}

	// Remove must clear both keys, or the hash would leak one field per user.
	if err := r.Remove(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := admin.ZScore(ctx, prefix+"expires", "alice").Err(); !errors.Is(err, redis.Nil) {
		t.Errorf("ZSCORE after Remove: err = %v, want redis.Nil", err)
	}
	if admin.HExists(ctx, prefix+"entries", "alice").Val() {
		t.Error("entries hash still holds alice after Remove")
	}
}

func TestRedisOnlineCleansUpLapsed(t *testing.T) {
	url, admin := redisAdmin(t)
	prefix := uniquePrefix(t, admin)
	clock := newFakeClock()
	r := openTestRedis(t, url, prefix, clock)
	ctx := t.Context()

	mustHeartbeat(t, r, Entry{UserID: "short", Status: StatusAvailable}, time.Second)
	mustHeartbeat(t, r, Entry{UserID: "long", Status: StatusAvailable}, time.Hour)
	clock.Advance(time.Minute)
	wantAbsent(t, r, "short")

	mustOnline(t, r)
	if n := admin.ZCard(ctx, prefix+"expires").Val(); n != 1 {
		t.Errorf("ZCARD expires = %d after Online, want 1", n)
	}
	if n := admin.HLen(ctx, prefix+"entries").Val(); n != 1 {
		t.Errorf("HLEN entries = %d after Online, want 1", n)
	}
	if admin.HExists(ctx, prefix+"entries", "short").Val() {
		t.Error("lapsed user still in entries hash after Online")
	}
}

func TestRedisSharedAcrossNodes(t *testing.T) {
	url, admin := redisAdmin(t)
	prefix := uniquePrefix(t, admin)
	clock := newFakeClock()
	nodeA := openTestRedis(t, url, prefix, clock)
	nodeB := openTestRedis(t, url, prefix, clock)
	other := openTestRedis(t, url, uniquePrefix(t, admin), clock)

	mustHeartbeat(t, nodeA, Entry{UserID: "alice", Status: StatusAvailable, Node: "a"}, time.Minute)
	want := Entry{UserID: "alice", Status: StatusAvailable, Node: "a", Expires: epoch.Add(time.Minute)}
	wantLive(t, nodeB, want)
	wantOnline(t, nodeB, want)
	wantOnline(t, other) // a different prefix is a different world

	if err := nodeB.Remove(t.Context(), "alice"); err != nil {
		t.Fatal(err)
	}
	wantAbsent(t, nodeA, "alice")
}

func TestRedisNewRedisLeavesClientOpen(t *testing.T) {
	url, admin := redisAdmin(t)
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opts)
	t.Cleanup(func() { _ = client.Close() })
	r := NewRedis(client, WithPrefix(uniquePrefix(t, admin)))
	if err := r.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := client.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("caller's client was closed by Redis.Close: %v", err)
	}
}

// The tests below need no server, so they always run.

func TestOpenRedisBadURL(t *testing.T) {
	for _, u := range []string{"", "http://127.0.0.1:6379", "redis://127.0.0.1:6379/notadb"} {
		if r, err := OpenRedis(u); err == nil {
			_ = r.Close()
			t.Errorf("OpenRedis(%q) succeeded, want error", u)
		}
	}
}

func TestRedisPingUnreachable(t *testing.T) {
	// Port 1 on loopback refuses connections, standing in for a dead Redis;
	// max_retries=-1 keeps the failure fast.
	r, err := OpenRedis("redis://127.0.0.1:1/0?max_retries=-1")
	if err != nil {
		t.Fatalf("OpenRedis: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := r.Ping(ctx); err == nil {
		t.Fatal("Ping to an unreachable server succeeded")
	} else if errors.Is(err, ErrClosed) {
		t.Fatalf("Ping = %v, want a connection error", err)
	}
}
