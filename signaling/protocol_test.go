package signaling

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// Every message survives Encode then Decode in its direction, and the wire
// form is one flat object whose "type" and "id" sit beside the fields.
func TestProtocolRoundTrip(t *testing.T) {
	client := []Message{
		Join{Token: "v1.x.y", ProtocolVersion: 1},
		Offer{SDP: "v=0\r\n"},
		Answer{SDP: "v=0\r\n"},
		Candidate{Candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host", SDPMid: ptr("0"), SDPMLineIndex: ptr[uint16](0), Target: TargetPublisher},
		Publish{TrackID: "t1", Kind: KindVideo, Source: SourceScreen},
		Unpublish{TrackID: "t1"},
		Subscribe{TrackID: "t1", Quality: QualityAudioOnly},
		Subscribe{TrackID: "t1", Quality: QualityHigh, Width: 1280, Height: 720},
		Mute{TrackID: "t1", Muted: true},
		RaiseHand{Raised: true},
		Chat{Text: "你好"},
		Leave{},
		Reconnect{Token: "v1.x.y", SessionID: "s1"},
	}
	p := ParticipantInfo{SessionID: "s1", UserID: "u1", Name: "李医生", Role: RoleHost}
	tr := TrackInfo{TrackID: "t1", SessionID: "s1", UserID: "u1", Kind: KindAudio, Source: SourceMic, Muted: true}
	server := []Message{
		Joined{SessionID: "s1", RoomID: "r1", ProtocolVersion: 1, Self: p, Participants: []ParticipantInfo{p}, Tracks: []TrackInfo{tr},
			ICEServers: []ICEServer{{URLs: []string{"turn:turn.example:3478?transport=tcp"}, Username: "u", Credential: "c"}}},
		ParticipantJoined{Participant: p},
		ParticipantLeft{SessionID: "s1", UserID: "u1"},
		TrackPublished{Track: tr},
		TrackUnpublished{TrackID: "t1", SessionID: "s1", UserID: "u1"},
		Mute{TrackID: "t1", Muted: true, UserID: "u1"},
		ActiveSpeaker{UserID: "u1", SessionID: "s1"},
		Hand{UserID: "u1", SessionID: "s1", Raised: true},
		Chat{Text: "hi", UserID: "u1", SessionID: "s1", Name: "n", SentAt: 1700000000000},
		Offer{SDP: "v=0\r\n", Tracks: map[string]string{"0": "t1"}},
		Error{Code: CodeForbidden, Message: "no"},
		QualityChange{TrackID: "t1", Quality: QualityAudioOnly, Reason: ReasonBandwidth},
	}
	for _, tc := range []struct {
		msgs   []Message
		decode func([]byte) (Envelope, Message, error)
	}{{client, DecodeClient}, {server, DecodeServer}} {
		for i, m := range tc.msgs {
			id := uint64(i)
			data, err := Encode(id, m)
			if err != nil {
				t.Fatal(err)
			}
			var flat map[string]any
			if err := json.Unmarshal(data, &flat); err != nil {
				t.Fatalf("%s is not one JSON object: %v", data, err)
			}
			if flat["type"] != m.MessageType() {
				t.Fatalf("%s: type field is %v", data, flat["type"])
			}
			if _, has := flat["id"]; has != (id > 0) {
				t.Fatalf("%s: id present = %v, want %v", data, has, id > 0)
			}
			env, got, err := tc.decode(data)
			if err != nil || env.ID != id || !reflect.DeepEqual(got, m) {
				t.Fatalf("round trip of %s: %+v %+v %v", data, env, got, err)
			}
		}
	}
	if _, _, err := DecodeClient([]byte(`{"type":"joined"}`)); !errors.Is(err, ErrUnknownType) {
		t.Fatalf("a server-only type from a client decoded: %v", err)
	}
	// Unknown fields are ignored, so a newer client can add optional ones.
	if _, m, err := DecodeClient([]byte(`{"type":"raise_hand","raised":true,"emoji":"✋"}`)); err != nil || m != (RaiseHand{Raised: true}) {
		t.Fatalf("unknown field: %+v %v", m, err)
	}
}

func TestProtocolValidate(t *testing.T) {
	long := string(make([]byte, MaxTrackIDLen+1))
	bad := []Message{
		Offer{}, Answer{}, Candidate{Target: "both"},
		Publish{TrackID: "", Kind: KindAudio, Source: SourceMic},
		Publish{TrackID: long, Kind: KindAudio, Source: SourceMic},
		Publish{TrackID: "t", Kind: KindAudio, Source: SourceCamera},
		Publish{TrackID: "t", Kind: KindVideo, Source: SourceMic},
		Publish{TrackID: "t", Kind: "data", Source: SourceMic},
		Subscribe{TrackID: "t", Quality: "4k"}, Subscribe{Quality: QualityHigh},
		Subscribe{TrackID: "t", Quality: QualityHigh, Width: -1},
		Subscribe{TrackID: "t", Quality: QualityHigh, Height: MaxRenderSize + 1},
		Mute{}, Unpublish{}, Chat{}, Chat{Text: "\xff"}, Reconnect{Token: "x"},
	}
	for _, m := range bad {
		var pe *ProtocolError
		if err := validate(m); !errors.As(err, &pe) || pe.Code != CodeInvalid {
			t.Errorf("validate(%T %+v) = %v, want an invalid error", m, m, err)
		}
	}
	good := []Message{
		Publish{TrackID: "t", Kind: KindAudio, Source: SourceScreen},
		Publish{TrackID: "t", Kind: KindVideo, Source: SourceCamera},
		Candidate{Target: TargetSubscriber}, // end of candidates
		Chat{Text: "ok"}, Leave{}, RaiseHand{},
		Subscribe{TrackID: "t", Quality: QualityLow, Width: 640, Height: 360},
	}
	for _, m := range good {
		if err := validate(m); err != nil {
			t.Errorf("validate(%T %+v) = %v", m, m, err)
		}
	}
}

// The TypeScript definition names exactly the message types the Go one
// does, per direction; tsc checks the rest of the TypeScript side.
func TestProtocolMatchesTypeScript(t *testing.T) {
	src, err := os.ReadFile("../frontend/src/rtc/protocol.ts")
	if err != nil {
		t.Fatalf("read protocol.ts: %v", err)
	}
	for _, dir := range []struct {
		union string
		reg   map[string]reflect.Type
	}{{"ClientMessage", clientMessages}, {"ServerMessage", serverMessages}} {
		// export type ClientMessage = | A | B ...;  then each member's type literal.
		m := regexp.MustCompile(`(?s)export type ` + dir.union + ` =(.*?);`).FindSubmatch(src)
		if m == nil {
			t.Fatalf("protocol.ts has no %s union", dir.union)
		}
		var ts []string
		for _, name := range regexp.MustCompile(`\w+`).FindAllString(string(m[1]), -1) {
			lit := regexp.MustCompile(`(?s)export interface ` + name + `\b[^{]*\{\s*type: "([a-z_]+)";(.*?)\n\}`).FindSubmatch(src)
			if lit == nil {
				t.Fatalf("protocol.ts: %s member %s has no leading type literal", dir.union, name)
			}
			ts = append(ts, string(lit[1]))
			if goType, ok := dir.reg[string(lit[1])]; ok {
				checkFields(t, dir.union, name, string(lit[2]), goType)
			}
		}
		slices.Sort(ts)
		goTypes := slices.Sorted(maps.Keys(dir.reg))
		if !slices.Equal(ts, goTypes) {
			t.Errorf("%s: TypeScript has %v, Go has %v", dir.union, ts, goTypes)
		}
	}
	if !regexp.MustCompile(`PROTOCOL_VERSION = 1\b`).Match(src) {
		t.Error("protocol.ts PROTOCOL_VERSION is not 1")
	}
}

// checkFields compares one TypeScript interface body with the Go type's JSON
// fields. The server must understand every field a client sends, and a
// client must know every field the server sends and nothing more.
func checkFields(t *testing.T, union, name, body string, goType reflect.Type) {
	t.Helper()
	var tsFields []string
	for _, f := range regexp.MustCompile(`(?m)^\s+(\w+)\??:`).FindAllStringSubmatch(body, -1) {
		tsFields = append(tsFields, f[1])
	}
	var goFields []string
	for f := range goType.Fields() {
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag != "" && tag != "-" {
			goFields = append(goFields, tag)
		}
	}
	for _, f := range tsFields {
		if !slices.Contains(goFields, f) {
			t.Errorf("protocol.ts %s has field %s that Go's %s lacks", name, f, goType.Name())
		}
	}
	if union == "ServerMessage" {
		for _, f := range goFields {
			if !slices.Contains(tsFields, f) {
				t.Errorf("Go's %s sends field %s that protocol.ts %s lacks", goType.Name(), f, name)
			}
		}
	}
}
