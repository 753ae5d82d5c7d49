package cluster

// Redis key layout (P is Options.Prefix):
//
//	P + "nodes"        ZSET    member = node id, score = last heartbeat, unix ms
//	P + "info"         HASH    field  = node id, value = JSON {"url","rooms","participants"}
//	P + "room:" + id   STRING  the owning node's id, with a PX expiry (RoomTTL)
//
// A node is alive while its score is later than now − StaleAfter, now being
// the injected clock, as in the presence package. Room keys expire by
// Redis's clock, but that is only garbage collection: a room belongs to its
// node exactly while that node is alive.
//
// Assign is one Lua script. Redis runs a script alone, so reading the room's
// owner, checking it is alive, choosing the least loaded node and writing
// the room key happen as one step: that is the per-room lock, and no client
// can die holding it. The script also forgets dead nodes, which is the
// reaper: their rooms have no live owner and move at their next Assign.

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

// gcTTL bounds how long the node keys outlive the last heartbeat of any node.
const gcTTL = time.Hour

// forgetDead is shared by the scripts: drop nodes whose heartbeat is at or
// before the cutoff (ARGV[1] − ARGV[2]) from both node keys.
const forgetDead = `
local cutoff = tonumber(ARGV[1]) - tonumber(ARGV[2])
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff)
for _, id in ipairs(dead) do
  redis.call('HDEL', KEYS[2], id)
end
if #dead > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff)
end
`

// assignScript returns {node id, heartbeat ms, info JSON} or nil when no
// node is alive.
//
// KEYS: nodes, info, room key. ARGV: now ms, stale ms, room ttl ms.
var assignScript = redis.NewScript(forgetDead + `
local owner = redis.call('GET', KEYS[3])
if owner then
  local hb = redis.call('ZSCORE', KEYS[1], owner)
  local info = redis.call('HGET', KEYS[2], owner)
  if hb and info then
    return {owner, hb, info}
  end
end
local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. cutoff, '+inf', 'WITHSCORES')
local best, bestHB, bestInfo, bestP, bestR
for i = 1, #live, 2 do
  local id = live[i]
  local raw = redis.call('HGET', KEYS[2], id)
  if raw then
    local v = cjson.decode(raw)
    local p = tonumber(v.participants) or 0
    local r = tonumber(v.rooms) or 0
    if best == nil or p < bestP or (p == bestP and (r < bestR or (r == bestR and id < best))) then
      best, bestHB, bestInfo, bestP, bestR = id, live[i + 1], v, p, r
    end
  end
end
if best == nil then
  return false
end
redis.call('SET', KEYS[3], best, 'PX', ARGV[3])
-- Count the room now, so first joins of several rooms between two
-- heartbeats spread out instead of all landing on one node.
bestInfo.rooms = bestR + 1
local enc = cjson.encode(bestInfo)
redis.call('HSET', KEYS[2], best, enc)
return {best, bestHB, enc}
`)

// keepScript refreshes or claims each room key for the node and returns the
// 1-based indexes of the rooms another node holds.
//
// KEYS: room keys. ARGV: node id, room ttl ms.
var keepScript = redis.NewScript(`
local lost = {}
for i, k in ipairs(KEYS) do
  local cur = redis.call('GET', k)
  if cur and cur ~= ARGV[1] then
    lost[#lost + 1] = i
  else
    redis.call('SET', k, ARGV[1], 'PX', ARGV[2])
  end
end
return lost
`)

// nodesScript forgets dead nodes, then returns the live ones as flat
// (id, heartbeat ms, info) triples.
//
// KEYS: nodes, info. ARGV: now ms, stale ms.
var nodesScript = redis.NewScript(forgetDead + `
local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. cutoff, '+inf', 'WITHSCORES')
local out = {}
for i = 1, #live, 2 do
  local raw = redis.call('HGET', KEYS[2], live[i])
  if raw then
    out[#out + 1] = live[i]
    out[#out + 1] = live[i + 1]
    out[#out + 1] = raw
  end
end
return out
`)

// Redis is a Directory shared by every node using the same server and
// prefix; it is safe for concurrent use.
type Redis struct {
	client redis.UniversalClient
	owned  bool
	opts   Options
	nodes  string
	info   string
	closed atomic.Bool
}

var _ Directory = (*Redis)(nil)

// NewRedis wraps client; Close leaves the client open.
func NewRedis(client redis.UniversalClient, o Options) *Redis {
	o = o.withDefaults()
	return &Redis{client: client, opts: o, nodes: o.Prefix + "nodes", info: o.Prefix + "info"}
}

// OpenRedis connects to a redis:// or rediss:// URL (lazily: the first
// command dials) and Close closes the client it made.
func OpenRedis(url string, o Options) (*Redis, error) {
	ro, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("cluster: parse redis url: %w", err)
	}
	r := NewRedis(redis.NewClient(ro), o)
	r.owned = true
	return r, nil
}

// info is the HASH payload; the heartbeat lives in the ZSET score only.
type nodeInfo struct {
	URL          string `json:"url"`
	Rooms        int    `json:"rooms"`
	Participants int    `json:"participants"`
}

func (r *Redis) roomKey(roomID string) string { return r.opts.Prefix + "room:" + roomID }

func (r *Redis) check() error {
	if r.closed.Load() {
		return ErrClosed
	}
	return nil
}

// Timing implements Directory.Timing.
func (r *Redis) Timing() Timing { return r.opts.Timing }

// Register implements Directory.Register.
func (r *Redis) Register(ctx context.Context, n Node) error {
	if err := validateNode(n); err != nil {
		return err
	}
	if err := r.check(); err != nil {
		return err
	}
	val, err := json.Marshal(nodeInfo{URL: n.URL, Rooms: n.Rooms, Participants: n.Participants})
	if err != nil {
		return err
	}
	_, err = r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, r.info, n.ID, val)
		p.ZAdd(ctx, r.nodes, redis.Z{Score: float64(r.opts.Now().UnixMilli()), Member: n.ID})
		p.PExpire(ctx, r.info, gcTTL)
		p.PExpire(ctx, r.nodes, gcTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("cluster: register %q: %w", n.ID, err)
	}
	return nil
}

// Deregister implements Directory.Deregister.
func (r *Redis) Deregister(ctx context.Context, nodeID string) error {
	if err := r.check(); err != nil {
		return err
	}
	_, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, r.nodes, nodeID)
		p.HDel(ctx, r.info, nodeID)
		return nil
	})
	if err != nil {
		return fmt.Errorf("cluster: deregister %q: %w", nodeID, err)
	}
	return nil
}

func (r *Redis) args() (nowMs, staleMs int64) {
	return r.opts.Now().UnixMilli(), r.opts.StaleAfter.Milliseconds()
}

// Nodes implements Directory.Nodes.
func (r *Redis) Nodes(ctx context.Context) ([]Node, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	now, stale := r.args()
	res, err := nodesScript.Run(ctx, r.client, []string{r.nodes, r.info}, now, stale).Slice()
	if err != nil {
		return nil, fmt.Errorf("cluster: nodes: %w", err)
	}
	if len(res)%3 != 0 {
		return nil, fmt.Errorf("cluster: nodes: script returned %d items, want triples", len(res))
	}
	out := make([]Node, 0, len(res)/3)
	for i := 0; i < len(res); i += 3 {
		n, err := decodeNode(res[i], res[i+1], res[i+2])
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b Node) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Assign implements Directory.Assign.
func (r *Redis) Assign(ctx context.Context, roomID string) (Node, error) {
	if err := validateRoom(roomID); err != nil {
		return Node{}, err
	}
	if err := r.check(); err != nil {
		return Node{}, err
	}
	now, stale := r.args()
	res, err := assignScript.Run(ctx, r.client, []string{r.nodes, r.info, r.roomKey(roomID)},
		now, stale, r.opts.RoomTTL.Milliseconds()).Slice()
	if errors.Is(err, redis.Nil) {
		return Node{}, ErrNoNodes
	}
	if err != nil {
		return Node{}, fmt.Errorf("cluster: assign %q: %w", roomID, err)
	}
	if len(res) != 3 {
		return Node{}, fmt.Errorf("cluster: assign %q: script returned %d items", roomID, len(res))
	}
	return decodeNode(res[0], res[1], res[2])
}

// KeepRooms implements Directory.KeepRooms.
func (r *Redis) KeepRooms(ctx context.Context, nodeID string, roomIDs []string) ([]string, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	if len(roomIDs) == 0 {
		return nil, nil
	}
	keys := make([]string, len(roomIDs))
	for i, id := range roomIDs {
		keys[i] = r.roomKey(id)
	}
	idx, err := keepScript.Run(ctx, r.client, keys, nodeID, r.opts.RoomTTL.Milliseconds()).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("cluster: keep rooms of %q: %w", nodeID, err)
	}
	var lost []string
	for _, i := range idx {
		if i >= 1 && int(i) <= len(roomIDs) {
			lost = append(lost, roomIDs[i-1])
		}
	}
	return lost, nil
}

// decodeNode reads one (id, heartbeat ms, info JSON) triple from a script.
func decodeNode(id, hb, raw any) (Node, error) {
	ids, _ := id.(string)
	hbs, _ := hb.(string)
	js, _ := raw.(string)
	ms, err := strconv.ParseFloat(hbs, 64) // ZSET scores come back as doubles; unix ms fit exactly
	if err != nil {
		return Node{}, fmt.Errorf("cluster: heartbeat of %q: %w", ids, err)
	}
	var v nodeInfo
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		return Node{}, fmt.Errorf("cluster: decode node %q: %w", ids, err)
	}
	return Node{ID: ids, URL: v.URL, Rooms: v.Rooms, Participants: v.Participants,
		Heartbeat: time.UnixMilli(int64(ms)).UTC()}, nil
}

// Ping reports whether Redis is reachable (for readiness checks).
func (r *Redis) Ping(ctx context.Context) error {
	if err := r.check(); err != nil {
		return err
	}
	return r.client.Ping(ctx).Err()
}

// Close implements Directory.Close; it closes the client only if OpenRedis made it.
func (r *Redis) Close() error {
	if !r.closed.CompareAndSwap(false, true) {
		return nil
	}
	if r.owned {
		return r.client.Close()
	}
	return nil
}
