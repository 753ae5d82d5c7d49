package httpapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
	"github.com/lianxin-hub/lianxin/signaling"
	"github.com/lianxin-hub/lianxin/signaling/record"
)

// TestRoomRecordingScenarios: a lecture with recording enabled hands out
// join tokens that tell the SFU to record, one without does not; the room's
// recordings (the SFU's manifests) are listed to the alliance, hidden from
// outsiders, and the read is audited.
func TestRoomRecordingScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		dir := t.TempDir()
		signer := signaling.NewSigner([]byte("0123456789abcdef0123456789abcdef-recordings"))
		e := roundsEnvWith(t, st, func(o *Options) { o.Rooms = signer; o.RecordingDir = dir })
		tokenRecords := func(want bool) func(*testing.T, *env, *response) {
			return func(t *testing.T, _ *env, r *response) {
				var j struct{ Token string }
				if err := json.Unmarshal(r.body, &j); err != nil {
					t.Fatal(err)
				}
				c, err := signer.Verify(j.Token, time.Now())
				if err != nil || c.Record != want {
					t.Fatalf("token claims %+v, %v; want Record %v", c, err, want)
				}
			}
		}
		const lectures = "/api/v1/lectures"
		body := func(rec bool) string {
			b := `{"kind":"lecture","title":"睡眠障碍","startsAt":"{{soon}}","durationMinutes":60`
			if rec {
				b += `,"recordingEnabled":true`
			}
			return b + `}`
		}
		e.run(t, []scenario{
			{name: "a recorded lecture", actor: "specialist", method: "POST", path: lectures, body: body(true), wantStatus: 201,
				capture: map[string]string{"recRoom": "roomId"}},
			{name: "an unrecorded one", actor: "specialist", method: "POST", path: lectures, body: body(false), wantStatus: 201,
				capture: map[string]string{"plainRoom": "roomId"}},
			{name: "the presenter's token records", actor: "specialist", method: "POST", path: "/api/v1/rooms/{{recRoom}}/join",
				wantStatus: 200, wantContains: []string{`"role":"host"`}, after: tokenRecords(true)},
			{name: "so does a viewer's", actor: "chc-doctor", method: "POST", path: "/api/v1/rooms/{{recRoom}}/join",
				wantStatus: 200, wantContains: []string{`"role":"viewer"`}, after: tokenRecords(true)},
			{name: "the unrecorded lecture's does not", actor: "specialist", method: "POST", path: "/api/v1/rooms/{{plainRoom}}/join",
				wantStatus: 200, after: tokenRecords(false)},
			{name: "no recordings yet", actor: "chc-doctor", method: "GET", path: "/api/v1/rooms/{{recRoom}}/recordings",
				wantStatus: 200, wantContains: []string{`[]`},
				after: func(t *testing.T, e *env, _ *response) {
					// What the SFU leaves behind when the room empties.
					rec, err := record.Start(dir, e.get(t, "recRoom"), nil, nil)
					if err != nil {
						t.Fatal(err)
					}
					if err := rec.Close(); err != nil {
						t.Fatal(err)
					}
					e.set("recID", rec.ID())
				}},
			{name: "the alliance lists the recording", actor: "chc-doctor", method: "GET", path: "/api/v1/rooms/{{recRoom}}/recordings",
				wantStatus: 200, wantContains: []string{`"id":"{{recID}}"`, `"endedAt":"`, `"tracks":[]`}},
			{name: "an outsider may not", actor: "outsider", method: "GET", path: "/api/v1/rooms/{{recRoom}}/recordings",
				wantStatus: 404, wantNotContains: []string{"{{recID}}"}},
			{name: "unknown room", actor: "chc-doctor", method: "GET", path: "/api/v1/rooms/no-such-room/recordings", wantStatus: 404},
			{name: "without a login", method: "GET", path: "/api/v1/rooms/{{recRoom}}/recordings", wantStatus: 401},
			{name: "reads are audited", actor: "admin", method: "GET", path: "/api/v1/audit?action=room.recordings_read", wantStatus: 200,
				wantContains: []string{`"action":"room.recordings_read"`, `"targetId":"{{recRoom}}"`, `1 recordings`}},
			{name: "joins say the room is recorded", actor: "admin", method: "GET", path: "/api/v1/audit?action=room.join", wantStatus: 200,
				wantContains: []string{`host, recorded`}},
		})
	})
}

func TestRoomRecordingsNeedARecordingDir(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		e.run(t, []scenario{{name: "recording off", actor: "chc-doctor", method: "GET", path: "/api/v1/rooms/x/recordings",
			wantStatus: 409, wantContains: []string{`"code":"conflict"`}}})
	})
}
