// Package clustertest gives tests a real Redis for the cluster directory:
// the server named by LIANXIN_TEST_REDIS_URL and a key prefix of their own.
// It is for tests only and, like all of signaling, never imports internal/.
package clustertest

import (
	"context"
	"crypto/rand"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisURLEnv names the test Redis, e.g. redis://127.0.0.1:6379/0.
const RedisURLEnv = "LIANXIN_TEST_REDIS_URL"

// RedisURL returns the test Redis URL. It skips the test when the variable
// is unset and fails it (never skips) when it is set but Redis does not
// answer, so a broken CI Redis cannot pass silently.
func RedisURL(tb testing.TB) string {
	tb.Helper()
	url := os.Getenv(RedisURLEnv)
	if url == "" {
		tb.Skipf("%s not set; skipping the Redis cluster tests (e.g. %s=redis://127.0.0.1:6379/0)", RedisURLEnv, RedisURLEnv)
	}
	c := client(tb, url)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		tb.Fatalf("%s=%q is set but Redis is unreachable: %v", RedisURLEnv, url, err)
	}
	return url
}

func client(tb testing.TB, url string) *redis.Client {
	tb.Helper()
	o, err := redis.ParseURL(url)
	if err != nil {
		tb.Fatalf("%s=%q: %v", RedisURLEnv, url, err)
	}
	return redis.NewClient(o)
}

// Prefix returns a key prefix no other test uses, with a hash tag so it
// would also work on Redis Cluster, and deletes every key under it when the
// test ends.
func Prefix(tb testing.TB, url string) string {
	tb.Helper()
	prefix := "{lianxin:cluster:test:" + rand.Text()[:12] + "}:"
	tb.Cleanup(func() {
		c := client(tb, url)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var keys []string
		iter := c.Scan(ctx, 0, escape(prefix)+"*", 100).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			tb.Errorf("scan %s*: %v", prefix, err)
			return
		}
		for _, k := range keys { // one by one: they may sit in different slots
			if err := c.Del(ctx, k).Err(); err != nil {
				tb.Errorf("delete %s: %v", k, err)
			}
		}
	})
	return prefix
}

// escape quotes the glob characters SCAN MATCH would interpret.
func escape(s string) string {
	out := make([]byte, 0, len(s)+4)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', ']', '\\':
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(out)
}
