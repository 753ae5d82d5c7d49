package presence

// Redis key layout (P is the prefix, DefaultPrefix unless WithPrefix is given):
//
//	P + "expires"  ZSET  member = user id, score = expiry as unix milliseconds
//	P + "entries"  HASH  field  = user id, value = JSON {"status":..,"node":..}
//
// The ZSET is the source of truth for liveness: an entry is live while
// now < score, where now comes from the injected clock. Per-user Redis key
// TTLs are deliberately not used because Redis would judge them against its
// own clock, which tests (and skewed nodes) cannot control; the score lets
// every reader apply the same rule as Memory. Both keys still carry a
// generous key TTL, purely as garbage collection for a prefix nobody uses
// any more: each heartbeat makes sure they outlive its ttl by gcGrace and
// never shortens a longer TTL set by another heartbeat.
//
// Heartbeat and Online run as Lua scripts so the ZSET and HASH never
// disagree; Get and Remove use MULTI/EXEC. Because the scripts touch both
// keys, on Redis Cluster the prefix must contain a hash tag, e.g.
// "{lianxin:presence}:", so the two keys share a slot.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// gcGrace is how long past the longest ttl the keys survive without any
// heartbeat; it only bounds garbage, never liveness.
const gcGrace = time.Hour

// heartbeatScript upserts one user and extends (never shortens) the GC TTL
// of both keys. PTTL is -1 for a key without a TTL, so the first call sets it.
//
// KEYS: expires, entries. ARGV: user id, expiry ms, encoded value, gc ttl ms.
var heartbeatScript = redis.NewScript(`
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
local gc = tonumber(ARGV[4])
for i = 1, 2 do
  if redis.call('PTTL', KEYS[i]) < gc then
    redis.call('PEXPIRE', KEYS[i], gc)
  end
end
return 1
`)

// onlineScript deletes lapsed users from both keys, then returns the live
// ones as a flat list of (user id, expiry ms, value-or-nil) triples. HDEL is
// issued per member rather than via unpack() so a large backlog of lapsed
// users cannot overflow the Lua stack.
//
// KEYS: expires, entries. ARGV: now ms.
var onlineScript = redis.NewScript(`
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if #dead > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
  for _, id in ipairs(dead) do
    redis.call('HDEL', KEYS[2], id)
  end
end
local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'WITHSCORES')
local out = {}
for i = 1, #live, 2 do
  out[#out + 1] = live[i]
  out[#out + 1] = live[i + 1]
  out[#out + 1] = redis.call('HGET', KEYS[2], live[i])
end
return out
`)

// Redis is a Presence shared by every node pointed at the same server and
// prefix; it is safe for concurrent use. Expiry has millisecond resolution.
type Redis struct {
	client  redis.UniversalClient
	owned   bool // Close closes client only when OpenRedis created it
	now     func() time.Time
	expires string
	entries string
	closed  atomic.Bool
}

var _ Presence = (*Redis)(nil)

// NewRedis wraps an existing client; Close does not close it, the caller keeps ownership.
func NewRedis(client redis.UniversalClient, opts ...Option) *Redis {
	o := buildOptions(opts)
	return &Redis{
		client:  client,
		now:     o.now,
		expires: o.prefix + "expires",
		entries: o.prefix + "entries",
	}
}

// OpenRedis connects to a redis:// or rediss:// URL; it does not dial until
// first use (call Ping to check), and Close closes the client it created.
func OpenRedis(url string, opts ...Option) (*Redis, error) {
	o, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("presence: parse redis url: %w", err)
	}
	r := NewRedis(redis.NewClient(o), opts...)
	r.owned = true
	return r, nil
}

// storedValue is the HASH payload; expiry lives only in the ZSET score so
// there is a single place to read it from.
type storedValue struct {
	Status Status `json:"status"`
	Node   string `json:"node,omitempty"`
}

func (r *Redis) check() error {
	if r.closed.Load() {
		return ErrClosed
	}
	return nil
}

// Heartbeat implements Presence.Heartbeat; ttl is rounded up to whole
// milliseconds so a tiny positive ttl never yields an already-lapsed entry.
func (r *Redis) Heartbeat(ctx context.Context, e Entry, ttl time.Duration) error {
	if err := validateHeartbeat(e, ttl); err != nil {
		return err
	}
	if err := r.check(); err != nil {
		return err
	}
	ttlMs := int64((ttl + time.Millisecond - 1) / time.Millisecond)
	expMs := r.now().UnixMilli() + ttlMs
	val, err := json.Marshal(storedValue{Status: e.Status, Node: e.Node})
	if err != nil {
		return fmt.Errorf("presence: encode entry: %w", err)
	}
	gcMs := ttlMs + gcGrace.Milliseconds()
	err = heartbeatScript.Run(ctx, r.client, []string{r.expires, r.entries},
		e.UserID, expMs, string(val), gcMs).Err()
	if err != nil {
		return fmt.Errorf("presence: heartbeat %q: %w", e.UserID, err)
	}
	return nil
}

// Remove implements Presence.Remove; absent users are not an error.
func (r *Redis) Remove(ctx context.Context, userID string) error {
	if err := validateUserID(userID); err != nil {
		return err
	}
	if err := r.check(); err != nil {
		return err
	}
	_, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, r.expires, userID)
		p.HDel(ctx, r.entries, userID)
		return nil
	})
	if err != nil {
		return fmt.Errorf("presence: remove %q: %w", userID, err)
	}
	return nil
}

// Get implements Presence.Get; it reads both keys in one MULTI/EXEC and does
// not delete lapsed entries (Online does that).
func (r *Redis) Get(ctx context.Context, userID string) (Entry, bool, error) {
	if err := validateUserID(userID); err != nil {
		return Entry{}, false, err
	}
	if err := r.check(); err != nil {
		return Entry{}, false, err
	}
	nowMs := r.now().UnixMilli()
	p := r.client.TxPipeline()
	score := p.ZScore(ctx, r.expires, userID)
	value := p.HGet(ctx, r.entries, userID)
	// redis.Nil from either command only means "absent" and is handled below.
	if _, err := p.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return Entry{}, false, fmt.Errorf("presence: get %q: %w", userID, err)
	}
	s, err := score.Result()
	if errors.Is(err, redis.Nil) {
		return Entry{}, false, nil
	} else if err != nil {
		return Entry{}, false, fmt.Errorf("presence: get %q: %w", userID, err)
	}
	expMs := int64(s)
	if nowMs >= expMs {
		return Entry{}, false, nil
	}
	v, err := value.Result()
	if errors.Is(err, redis.Nil) {
		// Only possible if someone edited the keys by hand; without a status
		// the entry is unusable, so treat it as offline.
		return Entry{}, false, nil
	} else if err != nil {
		return Entry{}, false, fmt.Errorf("presence: get %q: %w", userID, err)
	}
	e, err := decodeEntry(userID, expMs, v)
	if err != nil {
		return Entry{}, false, err
	}
	return e, true, nil
}

// Online implements Presence.Online, deleting lapsed entries from both keys
// atomically before listing.
func (r *Redis) Online(ctx context.Context) ([]Entry, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	nowMs := r.now().UnixMilli()
	res, err := onlineScript.Run(ctx, r.client, []string{r.expires, r.entries}, nowMs).Slice()
	if err != nil {
		return nil, fmt.Errorf("presence: online: %w", err)
	}
	if len(res)%3 != 0 {
		return nil, fmt.Errorf("presence: online: script returned %d items, want triples", len(res))
	}
	out := make([]Entry, 0, len(res)/3)
	for i := 0; i < len(res); i += 3 {
		id, _ := res[i].(string)
		scoreStr, _ := res[i+1].(string)
		if res[i+2] == nil {
			continue // hand-edited keys; see Get
		}
		v, _ := res[i+2].(string)
		// Scores come back as Redis-formatted doubles; unix ms fit exactly.
		score, err := strconv.ParseFloat(scoreStr, 64)
		if err != nil {
			return nil, fmt.Errorf("presence: online: score for %q: %w", id, err)
		}
		e, err := decodeEntry(id, int64(score), v)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	// ZSET order is by expiry; the contract is by UserID.
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.UserID, b.UserID) })
	return out, nil
}

func decodeEntry(userID string, expMs int64, raw string) (Entry, error) {
	var v storedValue
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return Entry{}, fmt.Errorf("presence: decode entry %q: %w", userID, err)
	}
	return Entry{
		UserID:  userID,
		Status:  v.Status,
		Node:    v.Node,
		Expires: time.UnixMilli(expMs).UTC(),
	}, nil
}

// Ping implements Presence.Ping by sending PING to the server.
func (r *Redis) Ping(ctx context.Context) error {
	if err := r.check(); err != nil {
		return err
	}
	if err := r.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("presence: ping redis: %w", err)
	}
	return nil
}

// Close marks r closed and, if OpenRedis created the client, closes it;
// only the first call can return an error.
func (r *Redis) Close() error {
	if !r.closed.CompareAndSwap(false, true) {
		return nil
	}
	if r.owned {
		return r.client.Close()
	}
	return nil
}
