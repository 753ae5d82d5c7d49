package httpapi

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
	"github.com/lianxin-hub/lianxin/signaling"
	"github.com/lianxin-hub/lianxin/signaling/cluster"
	"github.com/lianxin-hub/lianxin/signaling/cluster/clustertest"
)

var roomSigner = signaling.NewSigner([]byte(strings.Repeat("k", 32)))

// openCall opens an ad hoc call hosted by chc-doctor with county-doctor
// invited, and stores its id as {{room}}.
func openCall(t *testing.T, e *env, title string) {
	t.Helper()
	e.run(t, []scenario{{name: "open " + title, actor: "chc-doctor", method: http.MethodPost, path: "/api/v1/rooms",
		body:       `{"title":"` + title + `","invitees":["{{user.county-doctor}}"]}`,
		wantStatus: http.StatusCreated, capture: map[string]string{"room": "id"}}})
}

// Without SFU nodes the join answer points at the hub's own endpoint.
func TestRoomJoinSignalsOnTheHub(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, func(o *Options) { o.Rooms = roomSigner })
		openCall(t, e, "会诊")
		e.run(t, []scenario{{name: "join", actor: "county-doctor", method: http.MethodPost, path: "/api/v1/rooms/{{room}}/join",
			wantStatus: http.StatusOK, wantContains: []string{`"signalingUrl":"/rtc/ws"`, `"role":"participant"`}}})
	})
}

// With external nodes the join answer names the node that owns the room:
// the least loaded one at the first join, the same one after, and a live
// one again once the owner is gone.
func TestRoomJoinRoutesToTheOwningNode(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		testRoomRouting(t, cluster.NewMemory(cluster.Options{}))
	})
	t.Run("redis", func(t *testing.T) {
		url := clustertest.RedisURL(t)
		d, err := cluster.OpenRedis(url, cluster.Options{Prefix: clustertest.Prefix(t, url)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.Close() })
		testRoomRouting(t, d)
	})
}

func testRoomRouting(t *testing.T, dir cluster.Directory) {
	st := storetest.Open(t, store.SQLite)
	e := newEnv(t, st, func(o *Options) { o.Rooms = roomSigner; o.Nodes = dir })
	ctx := context.Background()
	openCall(t, e, "无节点")
	e.run(t, []scenario{{name: "no node alive", actor: "chc-doctor", method: http.MethodPost,
		path: "/api/v1/rooms/{{room}}/join", wantStatus: http.StatusConflict, wantContains: []string{"no video node"}}})

	for _, n := range []cluster.Node{
		{ID: "sfu-1", URL: "wss://sfu-1.example.cn/rtc/ws", Participants: 40, Rooms: 4},
		{ID: "sfu-2", URL: "wss://sfu-2.example.cn/rtc/ws", Participants: 3, Rooms: 1},
	} {
		if err := dir.Register(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	openCall(t, e, "两个节点")
	e.run(t, []scenario{
		{name: "first join goes to the less loaded node", actor: "chc-doctor", method: http.MethodPost,
			path: "/api/v1/rooms/{{room}}/join", wantStatus: http.StatusOK,
			wantContains: []string{`"signalingUrl":"wss://sfu-2.example.cn/rtc/ws"`, `"role":"host"`}},
		{name: "the invitee is sent to the same node", actor: "county-doctor", method: http.MethodPost,
			path: "/api/v1/rooms/{{room}}/join", wantStatus: http.StatusOK,
			wantContains: []string{`"signalingUrl":"wss://sfu-2.example.cn/rtc/ws"`}},
	})
	// sfu-2 leaves (Close deregisters it): the room moves to sfu-1.
	if err := dir.Deregister(ctx, "sfu-2"); err != nil {
		t.Fatal(err)
	}
	e.run(t, []scenario{{name: "rejoin after the owner left", actor: "county-doctor", method: http.MethodPost,
		path: "/api/v1/rooms/{{room}}/join", wantStatus: http.StatusOK,
		wantContains: []string{`"signalingUrl":"wss://sfu-1.example.cn/rtc/ws"`}}})
}
