package signaling

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// httpBase turns startServer's WebSocket URL into the server's base URL.
func httpBase(wsURL string) string {
	return "http" + strings.TrimSuffix(strings.TrimPrefix(wsURL, "ws"), PathWebSocket)
}

// testAPI is a Pion API as a WHIP or WHEP client (OBS, a player) has one:
// default codecs and interceptors, loopback only.
func testAPI(t *testing.T) *webrtc.API {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	loopbackOnly(&se)
	se.LoggerFactory = pionLogs{testLogger()}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
}

func signClaims(t *testing.T, c Claims) string {
	t.Helper()
	if c.Name == "" {
		c.Name = "name of " + c.UserID
	}
	tok, err := NewSigner(testKey).Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// httpDo sends one request and returns the response with its body read.
func httpDo(t *testing.T, method, url, token, contentType, body string) (*http.Response, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

// offerComplete creates pc's offer and waits for ICE gathering, as a WHIP
// client without trickle does.
func offerComplete(t *testing.T, pc *webrtc.PeerConnection) string {
	t.Helper()
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gathered:
	case <-time.After(waitLimit):
		t.Fatal("ICE gathering did not complete")
	}
	return pc.LocalDescription().SDP
}

// exchange POSTs pc's offer to url and applies the 201's answer; it returns
// the resource URL.
func exchange(t *testing.T, base, path, token string, pc *webrtc.PeerConnection) string {
	t.Helper()
	resp, body := httpDo(t, http.MethodPost, base+path, token, "application/sdp", offerComplete(t, pc))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST %s = %d %q, want 201", path, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/sdp" {
		t.Fatalf("answer content type %q", ct)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, path+"/") {
		t.Fatalf("Location %q, want under %s/", loc, path)
	}
	if !strings.Contains(body, "a=candidate:") {
		t.Fatalf("answer carries no candidates (gathering not awaited):\n%s", body)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: body}); err != nil {
		t.Fatal(err)
	}
	return base + loc
}

// whipPublish starts a WHIP session sending tracks, like OBS would.
func whipPublish(t *testing.T, base, roomID, token string, tracks ...webrtc.TrackLocal) (*webrtc.PeerConnection, string) {
	t.Helper()
	pc, err := testAPI(t).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	for _, tr := range tracks {
		if _, err := pc.AddTransceiverFromTrack(tr, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
			t.Fatal(err)
		}
	}
	return pc, exchange(t, base, PathWHIP+roomID, token, pc)
}

// whepView starts a WHEP session with a recvonly audio and video m-line, as
// a standard player does, and returns the tracks it receives.
func whepView(t *testing.T, base, roomID, token string) (*webrtc.PeerConnection, string, chan *webrtc.TrackRemote) {
	t.Helper()
	pc, err := testAPI(t).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
		if _, err := pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			t.Fatal(err)
		}
	}
	tracks := make(chan *webrtc.TrackRemote, 4)
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { tracks <- tr })
	return pc, exchange(t, base, PathWHEP+roomID, token, pc), tracks
}

func nextOf(t *testing.T, who string, ch chan *webrtc.TrackRemote) *webrtc.TrackRemote {
	t.Helper()
	select {
	case tr := <-ch:
		return tr
	case <-time.After(waitLimit):
		t.Fatalf("%s: no track within %v", who, waitLimit)
		return nil
	}
}

// A lecturer streams Opus and VP8 over WHIP; a WebSocket participant sees
// the WHIP session join and publish, and both it and a WHEP player receive
// the publisher's frames byte for byte. DELETE ends each session.
func TestWHIPPublisherReachesWebSocketAndWHEP(t *testing.T) {
	srv, wsURL := startServer(t)
	base := httpBase(wsURL)
	const roomID = "lecture-whip"

	watcher := dial(t, wsURL, "watcher", clientConfig{})
	watcher.join(roomToken(t, roomID, "resident-1", RoleParticipant))

	audio := sampleTrack(t, webrtc.MimeTypeOpus, "audio", "obs")
	video := sampleTrack(t, webrtc.MimeTypeVP8, "video", "obs")
	_, whipRes := whipPublish(t, base, roomID, roomToken(t, roomID, "lecturer", RoleHost), audio, video)
	pump(t, audio, video)

	pj := watcher.waitType("participant_joined").msg.(ParticipantJoined)
	if pj.Participant.UserID != "lecturer" || pj.Participant.Role != RoleHost {
		t.Fatalf("participant_joined %+v, want the lecturer as host", pj.Participant)
	}
	sid := pj.Participant.SessionID
	kinds := map[TrackKind]TrackInfo{}
	for range 2 {
		tp := watcher.waitType("track_published").msg.(TrackPublished)
		if tp.Track.SessionID != sid || tp.Track.UserID != "lecturer" {
			t.Fatalf("track_published %+v, want the WHIP session's", tp.Track)
		}
		kinds[tp.Track.Kind] = tp.Track
	}
	if kinds[KindAudio].TrackID != sid+"-audio" || kinds[KindVideo].TrackID != sid+"-video" ||
		kinds[KindAudio].Source != SourceMic || kinds[KindVideo].Source != SourceCamera {
		t.Fatalf("WHIP tracks %+v, want <session>-audio (mic) and <session>-video (camera)", kinds)
	}
	for id, tr := range tracksByID(watcher, 2) {
		next(t, "watcher/"+id, receive(tr))
	}

	viewer, whepRes, whepTracks := whepView(t, base, roomID, roomToken(t, roomID, "student-1", RoleViewer))
	got := map[webrtc.RTPCodecType]bool{}
	for range 2 {
		tr := nextOf(t, "whep", whepTracks)
		got[tr.Kind()] = true
		ch := receive(tr)
		for range 5 { // several consecutive frames, each checked byte for byte
			next(t, "whep/"+tr.Kind().String(), ch)
		}
	}
	if !got[webrtc.RTPCodecTypeAudio] || !got[webrtc.RTPCodecTypeVideo] {
		t.Fatalf("WHEP player got %v, want audio and video", got)
	}
	if jv := watcher.waitType("participant_joined").msg.(ParticipantJoined); jv.Participant.UserID != "student-1" {
		t.Fatalf("second participant_joined %+v, want the WHEP viewer", jv.Participant)
	}
	if rooms := srv.Rooms(); len(rooms) != 1 || len(rooms[0].Participants) != 3 || len(rooms[0].Tracks) != 2 {
		t.Fatalf("Rooms() = %+v, want 3 participants and the 2 WHIP tracks", rooms)
	}

	// No trickle ICE or ICE restart: PATCH is 405 and says what is allowed.
	if resp, _ := httpDo(t, http.MethodPatch, whipRes, "", "application/trickle-ice-sdpfrag", "a=end-of-candidates\r\n"); resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "DELETE, OPTIONS" {
		t.Fatalf("PATCH = %d (Allow %q), want 405", resp.StatusCode, resp.Header.Get("Allow"))
	}
	if resp, _ := httpDo(t, http.MethodDelete, whipRes, "", "", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("DELETE WHIP resource = %d, want 200", resp.StatusCode)
	}
	for range 2 {
		watcher.waitType("track_unpublished")
	}
	if pl := watcher.waitType("participant_left").msg.(ParticipantLeft); pl.SessionID != sid {
		t.Fatalf("participant_left %+v, want the WHIP session", pl)
	}
	if resp, _ := httpDo(t, http.MethodDelete, whipRes, "", "", ""); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("second DELETE = %d, want 404", resp.StatusCode)
	}
	if resp, _ := httpDo(t, http.MethodDelete, whepRes, "", "", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("DELETE WHEP resource = %d, want 200", resp.StatusCode)
	}
	watcher.waitType("participant_left")
	_ = viewer
	if rooms := srv.Rooms(); len(rooms) != 1 || len(rooms[0].Participants) != 1 {
		t.Fatalf("Rooms() after both DELETEs = %+v, want the watcher alone", rooms)
	}
}

// A WHIP session whose PeerConnection closes (OBS quits without DELETE)
// leaves the room.
func TestWHIPLeavesWhenPeerConnectionCloses(t *testing.T) {
	srv, wsURL := startServer(t)
	const roomID = "lecture-drop"
	watcher := dial(t, wsURL, "watcher", clientConfig{})
	watcher.join(roomToken(t, roomID, "resident-2", RoleParticipant))
	video := sampleTrack(t, webrtc.MimeTypeVP8, "video", "obs")
	pc, _ := whipPublish(t, httpBase(wsURL), roomID, roomToken(t, roomID, "lecturer", RoleHost), video)
	pump(t, video)
	watcher.waitType("track_published")
	_ = pc.Close() // DTLS close_notify reaches the SFU
	watcher.waitType("track_unpublished")
	watcher.waitType("participant_left")
	if rooms := srv.Rooms(); len(rooms) != 1 || len(rooms[0].Participants) != 1 {
		t.Fatalf("Rooms() = %+v, want the watcher alone", rooms)
	}
}

func TestWHIPAndWHEPRefusals(t *testing.T) {
	srv, wsURL := startServer(t)
	base := httpBase(wsURL)
	const roomID = "lecture-err"
	host := roomToken(t, roomID, "lecturer", RoleHost)
	viewer := roomToken(t, roomID, "student", RoleViewer)
	expired := signClaims(t, Claims{RoomID: roomID, UserID: "lecturer", Role: RoleHost, Expires: time.Now().Add(-time.Minute)})
	forged := host[:len(host)-2] + "AA"

	pc, err := testAPI(t).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	if _, err := pc.AddTrack(sampleTrack(t, webrtc.MimeTypeOpus, "a", "s")); err != nil {
		t.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	const sdpType = "application/sdp"

	for _, tc := range []struct {
		name, method, path, token, ctype, body string
		status                                 int
		header, value                          string
	}{
		{"no token", "POST", PathWHIP + roomID, "", sdpType, offer.SDP, 401, "WWW-Authenticate", `Bearer realm="lianxin-rtc"`},
		{"garbage token", "POST", PathWHIP + roomID, "not-a-token", sdpType, offer.SDP, 401, "", ""},
		{"forged token", "POST", PathWHIP + roomID, forged, sdpType, offer.SDP, 401, "", ""},
		{"expired token", "POST", PathWHIP + roomID, expired, sdpType, offer.SDP, 401, "", ""},
		{"another room", "POST", PathWHIP + "lecture-other", host, sdpType, offer.SDP, 403, "", ""},
		{"viewer publishing", "POST", PathWHIP + roomID, viewer, sdpType, offer.SDP, 403, "", ""},
		{"whep another room", "POST", PathWHEP + "lecture-other", viewer, sdpType, offer.SDP, 403, "", ""},
		{"json body", "POST", PathWHIP + roomID, host, "application/json", `{"sdp":"v=0"}`, 415, "", ""},
		{"no content type", "POST", PathWHEP + roomID, viewer, "", offer.SDP, 415, "", ""},
		{"bad sdp", "POST", PathWHIP + roomID, host, sdpType, "v=0\r\nthis is not sdp\r\n", 400, "", ""},
		{"empty sdp", "POST", PathWHIP + roomID, host, sdpType, "", 400, "", ""},
		{"oversized sdp", "POST", PathWHIP + roomID, host, sdpType, strings.Repeat("a=x\r\n", 20000), 413, "", ""},
		{"nothing to watch", "POST", PathWHEP + roomID, viewer, sdpType, offer.SDP, 503, "Retry-After", whepRetryAfter},
		{"GET endpoint", "GET", PathWHIP + roomID, host, "", "", 405, "Allow", "POST, OPTIONS"},
		{"unknown resource", "DELETE", PathWHIP + roomID + "/nope", "", "", "", 404, "", ""},
		{"no room", "POST", PathWHIP, host, sdpType, offer.SDP, 404, "", ""},
		{"preflight", "OPTIONS", PathWHEP + roomID, "", "", "", 204, "Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := httpDo(t, tc.method, base+tc.path, tc.token, tc.ctype, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("%s %s = %d %q, want %d", tc.method, tc.path, resp.StatusCode, body, tc.status)
			}
			if tc.header != "" && resp.Header.Get(tc.header) != tc.value {
				t.Fatalf("%s = %q, want %q", tc.header, resp.Header.Get(tc.header), tc.value)
			}
			if resp.Header.Get("Access-Control-Allow-Origin") != "*" && tc.path != PathWHIP {
				t.Fatalf("no CORS header on a %d", resp.StatusCode)
			}
		})
	}
	if rooms := srv.Rooms(); len(rooms) != 0 {
		t.Fatalf("Rooms() after refusals = %+v, want none", rooms)
	}
}

// writeFrames sends frames from..to-1 of each track, paced like a camera.
func writeFrames(t *testing.T, from, to uint32, tracks ...*webrtc.TrackLocalStaticSample) {
	t.Helper()
	tick := time.NewTicker(frameInterval)
	defer tick.Stop()
	for i := from; i < to; i++ {
		<-tick.C
		for _, tr := range tracks {
			frame := audioFrame(i)
			if tr.Kind() == webrtc.RTPCodecTypeVideo {
				frame = videoFrame(i)
			}
			if err := tr.WriteSample(media.Sample{Data: frame, Duration: frameInterval}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestICEServerLinks(t *testing.T) {
	got := iceServerLinks([]ICEServer{{URLs: []string{"stun:stun.example.cn:3478"}},
		{URLs: []string{"turn:turn.example.cn:3478?transport=udp"}, Username: "u", Credential: "p"}})
	want := []string{`<stun:stun.example.cn:3478>; rel="ice-server"`,
		`<turn:turn.example.cn:3478?transport=udp>; rel="ice-server"; username="u"; credential="p"; credential-type="password"`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("links:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
