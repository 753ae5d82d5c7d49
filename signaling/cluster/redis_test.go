package cluster

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/lianxin-hub/lianxin/signaling/cluster/clustertest"
)

func TestRedis(t *testing.T) {
	url := clustertest.RedisURL(t)
	runSuite(t, func(t *testing.T) opener {
		prefix := clustertest.Prefix(t, url)
		return func(t *testing.T, clock *fakeClock) Directory {
			d, err := OpenRedis(url, Options{Timing: testTiming, Prefix: prefix, Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = d.Close() })
			return d
		}
	})
}

// The keys are the documented ones and carry their expiries.
func TestRedisKeyLayout(t *testing.T) {
	url := clustertest.RedisURL(t)
	prefix := clustertest.Prefix(t, url)
	clock := newFakeClock()
	d, err := OpenRedis(url, Options{Timing: testTiming, Prefix: prefix, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	opts, _ := redis.ParseURL(url)
	admin := redis.NewClient(opts)
	defer admin.Close()
	ctx := context.Background()

	if err := d.Register(ctx, Node{ID: "a", URL: "wss://a/rtc/ws", Participants: 2}); err != nil {
		t.Fatal(err)
	}
	if s, err := admin.ZScore(ctx, prefix+"nodes", "a").Result(); err != nil || int64(s) != clock.Now().UnixMilli() {
		t.Fatalf("ZSCORE nodes a = %v, %v", s, err)
	}
	if v, err := admin.HGet(ctx, prefix+"info", "a").Result(); err != nil || v != `{"url":"wss://a/rtc/ws","rooms":0,"participants":2}` {
		t.Fatalf("HGET info a = %s, %v", v, err)
	}
	if ttl, _ := admin.PTTL(ctx, prefix+"nodes").Result(); ttl <= 0 || ttl > gcTTL {
		t.Fatalf("PTTL nodes = %v", ttl)
	}
	if _, err := d.Assign(ctx, "r"); err != nil {
		t.Fatal(err)
	}
	if v, err := admin.Get(ctx, prefix+"room:r").Result(); err != nil || v != "a" {
		t.Fatalf("GET room:r = %q, %v", v, err)
	}
	if ttl, _ := admin.PTTL(ctx, prefix+"room:r").Result(); ttl <= 0 || ttl > testTiming.RoomTTL {
		t.Fatalf("PTTL room:r = %v, want ≤ %v", ttl, testTiming.RoomTTL)
	}
}
