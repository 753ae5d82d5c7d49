package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lianxin-hub/lianxin/internal/demo"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/signaling"
)

// manualClock is the hub's clock in this test: it moves only when told.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

var cst = time.FixedZone("CST", 8*3600)

// api calls the hub as a logged-in user and decodes the answer.
type api struct {
	t     *testing.T
	base  string
	token string
}

func (a api) call(method, path string, body, into any) int {
	a.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(a.t.Context(), method, a.base+"/api/v1"+path, r)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 && into != nil {
		a.t.Fatalf("%s %s = %d %s", method, path, res.StatusCode, raw)
	}
	if into != nil {
		if err := json.Unmarshal(raw, into); err != nil {
			a.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return res.StatusCode
}

func loginAs(t *testing.T, base, username string) api {
	t.Helper()
	var l struct {
		Token string `json:"token"`
	}
	a := api{t: t, base: base}
	if code := a.call(http.MethodPost, "/auth/login", map[string]string{"username": username, "password": demo.Password}, &l); code != 200 {
		t.Fatalf("login %s = %d", username, code)
	}
	a.token = l.Token
	return a
}

// joinSignaling opens the hub's signaling WebSocket with a room token and
// waits for "joined", as a browser's first step into a room does.
func joinSignaling(t *testing.T, base, token string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+signaling.PathWebSocket, nil)
	if err != nil {
		t.Fatalf("dial signaling: %v", err)
	}
	msg, _ := json.Marshal(map[string]any{"type": "join", "id": 1, "token": token, "protocolVersion": signaling.ProtocolVersion})
	if err := ws.Write(ctx, websocket.MessageText, msg); err != nil {
		t.Fatal(err)
	}
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for joined: %v", err)
		}
		var m struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(data, &m)
		if m.Type == "joined" {
			return ws
		}
		if m.Type == "error" {
			t.Fatalf("join refused: %s", data)
		}
	}
}

type videoView struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	Version    int    `json:"version"`
	RoomID     string `json:"roomId"`
	Attendance []struct {
		UserID  string     `json:"userId"`
		LeftAt  *time.Time `json:"leftAt"`
		Seconds int64      `json:"seconds"`
	} `json:"attendance"`
	DurationSeconds int64 `json:"durationSeconds"`
	Opinion         *struct {
		Impression string `json:"impression"`
		Disclaimer string `json:"disclaimer"`
	} `json:"opinion"`
}

// eventually polls cond until it holds or ten seconds pass: the SFU
// reports attendance on its own goroutines, after the client hears back.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestVideoConsultationEndToEnd books a video consultation through the core
// hospital's convener, joins its room from two signaling clients with the
// tokens the hub hands out, and files the opinion; the hub records who
// attended and for how long from what the SFU saw.
func TestVideoConsultationEndToEnd(t *testing.T) {
	clk := &manualClock{now: time.Date(2025, 3, 3, 8, 40, 0, 0, cst)} // Monday
	logs := &syncBuffer{}
	m := NewMain(logs)
	m.Clock = clk.Now
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	m.Config.Register(fs)
	m.Config.RegisterDemo(fs)
	if err := fs.Parse([]string{"--addr", "127.0.0.1:0", "--demo", "--log-level", "warn", "--data-dir", t.TempDir(),
		"--turn-addr", "127.0.0.1:0", "--turn-public-ip", "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(t.Context()); err != nil {
		m.Close()
		t.Fatalf("Run: %v\n%s", err, logs)
	}
	defer m.Close()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("hub logs:\n%s", logs)
		}
	})
	base := m.URL()
	spec, conv, chc, county := loginAs(t, base, "specialist"), loginAs(t, base, "convener"), loginAs(t, base, "chc-doctor"),
		loginAs(t, base, "county-doctor")
	var me struct {
		ID            string `json:"id"`
		InstitutionID string `json:"institutionId"`
	}
	spec.call(http.MethodGet, "/me", nil, &me)
	var chcMe struct {
		ID string `json:"id"`
	}
	chc.call(http.MethodGet, "/me", nil, &chcMe)

	// The specialist offers Monday mornings.
	spec.call(http.MethodPost, "/specialists/"+me.ID+"/availability/templates", map[string]any{"weekday": 1,
		"start": "09:00", "end": "12:00", "slotMinutes": 30, "validFrom": "2025-03-01"}, &map[string]any{})
	// The CHC doctor registers the patient with teleconsult consent and asks
	// the core hospital (which then has the patient in its care).
	first17 := "34010419800101123"
	var p struct {
		ID string `json:"id"`
	}
	chc.call(http.MethodPost, "/patients", map[string]any{"name": "周八", "sex": "male", "birthDate": "1980-01-01",
		"nationalId": first17 + string(patient.NationalIDCheckChar(first17))}, &p)
	var consent struct {
		ID string `json:"id"`
	}
	chc.call(http.MethodPost, "/patients/"+p.ID+"/consents", map[string]any{"scope": "teleconsult", "signedBy": "patient",
		"signerName": "周八", "signedOn": "2025-03-01"}, &consent)
	chc.call(http.MethodPost, "/consults", map[string]any{"patientId": p.ID, "targetInstitutionId": me.InstitutionID,
		"question": "请会诊", "summary": "幻听"}, &map[string]any{})

	// The convener books 09:00 on behalf of the CHC doctor.
	var slots struct {
		Items []struct {
			Start time.Time `json:"start"`
			End   time.Time `json:"end"`
		} `json:"items"`
	}
	conv.call(http.MethodGet, "/specialists/"+me.ID+"/slots?from=2025-03-03&to=2025-03-04", nil, &slots)
	if len(slots.Items) != 6 || !slots.Items[0].Start.Equal(time.Date(2025, 3, 3, 9, 0, 0, 0, cst)) {
		t.Fatalf("slots = %+v", slots.Items)
	}
	var v videoView
	conv.call(http.MethodPost, "/video-consults", map[string]any{"patientId": p.ID, "specialistUserId": me.ID,
		"start": slots.Items[0].Start, "end": slots.Items[0].End, "purpose": "明确诊断", "recordSummary": "幻听两月",
		"invitedSpecialty": "general_adult", "consentId": consent.ID, "onBehalfOfUserId": chcMe.ID}, &v)
	if v.Status != "booked" || v.RoomID == "" {
		t.Fatalf("booking = %+v", v)
	}

	// Too early for the room; then, ten minutes before, both may join.
	if code := spec.call(http.MethodPost, "/rooms/"+v.RoomID+"/join", nil, nil); code != http.StatusConflict {
		t.Fatalf("join 20 minutes early = %d, want 409", code)
	}
	clk.Set(time.Date(2025, 3, 3, 8, 50, 0, 0, cst))
	if code := county.call(http.MethodPost, "/rooms/"+v.RoomID+"/join", nil, nil); code != http.StatusNotFound {
		t.Fatalf("an uninvited doctor's join = %d, want 404", code)
	}
	var hostJoin, partJoin struct {
		Token, Role, SignalingURL string
		ICEServers                []signaling.ICEServer
	}
	spec.call(http.MethodPost, "/rooms/"+v.RoomID+"/join", nil, &hostJoin)
	chc.call(http.MethodPost, "/rooms/"+v.RoomID+"/join", nil, &partJoin)
	if hostJoin.Role != "host" || partJoin.Role != "participant" || hostJoin.SignalingURL != signaling.PathWebSocket {
		t.Fatalf("join grants: host %+v, participant %+v", hostJoin, partJoin)
	}
	checkTURN(t, m, hostJoin.ICEServers, me.ID) // the browser's way through a firewall
	wsHost := joinSignaling(t, base, hostJoin.Token)
	wsPart := joinSignaling(t, base, partJoin.Token)
	eventually(t, "both arrivals recorded", func() bool {
		var got videoView
		chc.call(http.MethodGet, "/video-consults/"+v.ID, nil, &got)
		return len(got.Attendance) == 2
	})

	// They talk for twenty minutes and hang up.
	clk.Set(time.Date(2025, 3, 3, 9, 10, 0, 0, cst))
	wsPart.Close(websocket.StatusNormalClosure, "")
	wsHost.Close(websocket.StatusNormalClosure, "")
	var got videoView
	eventually(t, "both departures recorded", func() bool {
		chc.call(http.MethodGet, "/video-consults/"+v.ID, nil, &got)
		return len(got.Attendance) == 2 && got.Attendance[0].LeftAt != nil && got.Attendance[1].LeftAt != nil
	})
	if got.DurationSeconds != 20*60 {
		t.Fatalf("duration %ds, want 1200 (attendance %+v)", got.DurationSeconds, got.Attendance)
	}

	clk.Set(time.Date(2025, 3, 3, 9, 30, 0, 0, cst))
	var done videoView
	spec.call(http.MethodPost, "/video-consults/"+v.ID+"/actions/file_opinion", map[string]any{"version": v.Version,
		"opinion": map[string]any{"impression": "精神分裂症可能", "diagnoses": []string{"F20.9"},
			"recommendations": "转诊住院", "referralAdvised": true}}, &done)
	if done.Status != "completed" || done.Opinion == nil || done.Opinion.Disclaimer == "" {
		t.Fatalf("after the opinion: %+v", done)
	}
	var read videoView
	chc.call(http.MethodGet, "/video-consults/"+v.ID, nil, &read)
	if read.Opinion == nil || read.Opinion.Impression != "精神分裂症可能" {
		t.Fatalf("the requesting doctor reads %+v", read.Opinion)
	}
}
