package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
	"github.com/lianxin-hub/lianxin/signaling"
	"github.com/lianxin-hub/lianxin/signaling/turn"
)

// TestRoomJoinHandsOutTURNCredentials: the join answer carries the
// configured STUN URL as it is and the TURN URLs (UDP and TCP) with
// short-lived credentials for the joining user, which the TURN REST API
// scheme (the embedded server, coturn) accepts until they expire.
func TestRoomJoinHandsOutTURNCredentials(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		creds := turn.Credentials{Secret: "shared-with-coturn", TTL: time.Hour}
		urls := []string{"stun:stun.example.cn:3478", "turn:turn.example.cn:3478?transport=udp",
			"turn:turn.example.cn:3478?transport=tcp"}
		e := newEnv(t, st, func(o *Options) {
			o.Rooms = signaling.NewSigner(bytes.Repeat([]byte{7}, 32))
			o.TURNURLs, o.TURN = urls, creds
		})
		e.run(t, []scenario{
			{name: "open a call", actor: "chc-doctor", method: "POST", path: "/api/v1/rooms",
				body: `{"title":"疑难病例讨论","invitees":["{{user.county-doctor}}"]}`, wantStatus: 201,
				capture: map[string]string{"room": "id"}},
			{name: "join it", actor: "county-doctor", method: "POST", path: "/api/v1/rooms/{{room}}/join",
				wantStatus: 200, wantContains: []string{`"iceServers"`},
				after: func(t *testing.T, e *env, r *response) {
					var j joinView
					if err := json.Unmarshal(r.body, &j); err != nil {
						t.Fatal(err)
					}
					if len(j.ICEServers) != 2 {
						t.Fatalf("iceServers = %+v, want a STUN entry and a TURN entry", j.ICEServers)
					}
					stun, relay := j.ICEServers[0], j.ICEServers[1]
					if !slices.Equal(stun.URLs, urls[:1]) || stun.Username != "" || stun.Credential != "" {
						t.Fatalf("STUN entry %+v, want the URL without credentials", stun)
					}
					if !slices.Equal(relay.URLs, urls[1:]) {
						t.Fatalf("TURN URLs %v, want %v", relay.URLs, urls[1:])
					}
					user := e.get(t, "user.county-doctor")
					now := st.Now()
					if id, err := creds.Check(relay.Username, relay.Credential, now); err != nil || id != user {
						t.Fatalf("credentials %q/%q: user %q, %v; want valid for %s", relay.Username, relay.Credential, id, err, user)
					}
					exp, _, _ := strings.Cut(relay.Username, ":")
					if got, _ := strconv.ParseInt(exp, 10, 64); got < now.Add(time.Hour-time.Minute).Unix() || got > now.Add(time.Hour).Unix() {
						t.Fatalf("expiry %s, want an hour from now (%d)", exp, now.Add(time.Hour).Unix())
					}
					if _, err := creds.Check(relay.Username, relay.Credential, now.Add(time.Hour+time.Second)); !errors.Is(err, turn.ErrExpired) {
						t.Fatalf("after the TTL: %v, want expired", err)
					}
					if _, err := (turn.Credentials{Secret: "another"}).Check(relay.Username, relay.Credential, now); err == nil {
						t.Fatal("accepted under another secret")
					}
				}},
		})
	})
}

// Without TURN configured, the answer still carries an empty list, never null.
func TestRoomJoinWithoutTURN(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, func(o *Options) { o.Rooms = signaling.NewSigner(bytes.Repeat([]byte{7}, 32)) })
		e.run(t, []scenario{
			{name: "open a call", actor: "chc-doctor", method: "POST", path: "/api/v1/rooms",
				body: `{"title":"会诊","invitees":["{{user.county-doctor}}"]}`, wantStatus: 201,
				capture: map[string]string{"room": "id"}},
			{name: "join it", actor: "county-doctor", method: "POST", path: "/api/v1/rooms/{{room}}/join",
				wantStatus: 200, wantContains: []string{`"iceServers":[]`}},
		})
	})
}
