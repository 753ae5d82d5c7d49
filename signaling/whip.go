package signaling

// WHIP (RFC 9725) ingest and WHEP playback: one HTTP POST carries the
// client's SDP offer, the 201 carries the answer, a DELETE on the resource
// URL ends it. A lecturer can stream from OBS and any standard player can
// watch, with the same room tokens as the WebSocket protocol, presented as
// "Authorization: Bearer <token>".
//
// Each WHIP or WHEP session is a participant of its room, so the others see
// it join, publish and leave like anyone else. Its one PeerConnection is
// negotiated once, by the client (participant.fixed): a WHIP publisher
// subscribes to nothing, and a WHEP viewer gets the room's tracks present
// when it POSTs, one per m-line of its offer. Choices, documented in
// README.md ("WHIP and WHEP"):
//
//   - No trickle ICE and no ICE restart: the answer waits for gathering to
//     complete so it carries every candidate, and PATCH gets 405.
//   - The resource URL (with its 128-bit random id) is the capability for
//     DELETE; no token is asked for, because room tokens expire minutes
//     after issue and a lecture lasts hours.
//   - CORS allows any origin without credentials: the bearer token is never
//     ambient, so a foreign page gains nothing it could not do with curl.

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
)

// Paths served by Server.ServeHTTP for WHIP and WHEP.
const (
	PathWHIP = "/rtc/whip/" // POST {room}; DELETE and PATCH {room}/{resource}
	PathWHEP = "/rtc/whep/" // the same for playback
)

const (
	maxSDPBytes    = 64 << 10
	gatherTimeout  = 10 * time.Second // ICE gathering before the answer
	connectTimeout = 30 * time.Second // from the answer to a connected PC
	whepRetryAfter = "5"              // seconds, on a 503 (nothing to watch yet, or closing)
)

// httpResources registers live WHIP and WHEP sessions by resource id.
type httpResources struct {
	mu     sync.Mutex
	closed bool
	byID   map[string]*httpResource
}

type httpResource struct {
	id     string
	path   string // the Location
	roomID string
	whep   bool
	srv    *Server
	p      *participant
	pc     *webrtc.PeerConnection
	once   sync.Once
	gone   bool // ended; guarded by httpResources.mu

	mu    sync.Mutex
	kinds map[TrackKind]int // WHIP: tracks published per kind, for their ids
}

// add registers res, or reports false once endAll has run or res has
// already ended (its connection failed while the answer was being made).
func (h *httpResources) add(res *httpResource) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || res.gone {
		return false
	}
	if h.byID == nil {
		h.byID = map[string]*httpResource{}
	}
	h.byID[res.id] = res
	return true
}

func (h *httpResources) get(id string) *httpResource {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.byID[id]
}

func (h *httpResources) remove(res *httpResource) {
	h.mu.Lock()
	defer h.mu.Unlock()
	res.gone = true
	delete(h.byID, res.id)
}

// endAll ends every session and refuses new ones; Close calls it.
func (h *httpResources) endAll() {
	h.mu.Lock()
	h.closed = true
	all := make([]*httpResource, 0, len(h.byID))
	for _, r := range h.byID {
		all = append(all, r)
	}
	h.mu.Unlock()
	for _, r := range all {
		r.end()
	}
}

// serveWHIP routes everything under PathWHIP and PathWHEP.
func (s *Server) serveWHIP(w http.ResponseWriter, r *http.Request) {
	whep := strings.HasPrefix(r.URL.Path, PathWHEP)
	prefix := PathWHIP
	if whep {
		prefix = PathWHEP
	}
	roomSeg, resID, isResource := strings.Cut(strings.TrimPrefix(r.URL.EscapedPath(), prefix), "/")
	roomID, err := url.PathUnescape(roomSeg)
	if err != nil || roomID == "" || (isResource && (resID == "" || strings.Contains(resID, "/"))) {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "Location, Link, ETag, Retry-After")
	allow := "POST, OPTIONS"
	if isResource {
		allow = "DELETE, OPTIONS"
	}
	if r.Method == http.MethodOptions { // CORS preflight
		h.Set("Allow", allow)
		h.Set("Access-Control-Allow-Methods", allow)
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match")
		h.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if !isResource {
		if r.Method != http.MethodPost {
			h.Set("Allow", allow)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		s.startHTTPSession(w, r, roomID, whep)
		return
	}
	res := s.http.get(resID)
	if res == nil || res.roomID != roomID || res.whep != whep {
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodDelete:
		res.end()
		w.WriteHeader(http.StatusOK)
	default: // PATCH included: no trickle ICE, no ICE restart (RFC 9725 §4.3.1)
		h.Set("Allow", allow)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// httpError is a refusal with its HTTP status.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func herr(status int, format string, args ...any) *httpError {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...)}
}

// bearer checks the request's room token against roomID (and, for WHIP, the
// right to publish). Errors: 401 missing or invalid token, 403 another room
// or a role that cannot publish.
func (s *Server) bearer(r *http.Request, roomID string, whep bool) (Claims, *httpError) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return Claims{}, herr(http.StatusUnauthorized, "a room token is required as Authorization: Bearer")
	}
	c, err := s.signer.Verify(strings.TrimSpace(tok), s.now())
	if err != nil {
		return Claims{}, herr(http.StatusUnauthorized, "%s", tokenProblem(err))
	}
	if c.RoomID != roomID {
		return Claims{}, herr(http.StatusForbidden, "the room token is for another room")
	}
	if !whep && !c.Role.CanPublish() {
		return Claims{}, herr(http.StatusForbidden, "role %s cannot publish", c.Role)
	}
	return c, nil
}

// readOffer checks the content type and reads the SDP body. Errors: 415,
// 413 over maxSDPBytes, 400 empty.
func readOffer(w http.ResponseWriter, r *http.Request) (string, *httpError) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/sdp" {
		return "", herr(http.StatusUnsupportedMediaType, "the body must be an SDP offer (application/sdp)")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSDPBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return "", herr(http.StatusRequestEntityTooLarge, "the offer is over %d bytes", maxSDPBytes)
	}
	if err != nil || len(strings.TrimSpace(string(body))) == 0 {
		return "", herr(http.StatusBadRequest, "empty or unreadable offer")
	}
	return string(body), nil
}

func (s *Server) startHTTPSession(w http.ResponseWriter, r *http.Request, roomID string, whep bool) {
	claims, herr0 := s.bearer(r, roomID, whep)
	if herr0 == nil {
		var offer string
		offer, herr0 = readOffer(w, r)
		if herr0 == nil {
			var res *httpResource
			var answer string
			res, answer, herr0 = s.openHTTPSession(r.Context(), claims, offer, whep)
			if herr0 == nil {
				h := w.Header()
				for _, l := range iceServerLinks(s.iceServersFor(claims.UserID)) {
					h.Add("Link", l)
				}
				h.Set("Content-Type", "application/sdp")
				h.Set("Location", res.path)
				h.Set("ETag", `"`+res.id+`"`)
				w.WriteHeader(http.StatusCreated)
				_, _ = io.WriteString(w, answer)
				return
			}
		}
	}
	switch herr0.status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="lianxin-rtc"`)
	case http.StatusServiceUnavailable: // closing, or nothing to watch yet
		w.Header().Set("Retry-After", whepRetryAfter)
	}
	s.log.Info("whip/whep refused", "path", r.URL.Path, "status", herr0.status, "reason", herr0.msg)
	http.Error(w, herr0.msg, herr0.status)
}

// openHTTPSession joins the room as a WHIP publisher or WHEP viewer and
// answers offer. Errors: 503 when the server is closing (or, for WHEP, the
// room has nothing to watch yet), 400 for an offer Pion rejects.
func (s *Server) openHTTPSession(ctx context.Context, c Claims, offer string, whep bool) (*httpResource, string, *httpError) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, "", herr(http.StatusServiceUnavailable, "server is shutting down")
	}
	s.sessions.Add(1) // Close waits for this session as for a WebSocket one
	s.mu.Unlock()

	// A WHEP player's connection negotiates like a subscriber's (REMB for
	// the layer choice), a WHIP encoder's like a publisher's.
	api := s.api.pub
	if whep {
		api = s.api.sub
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		s.sessions.Done()
		return nil, "", herr(http.StatusInternalServerError, "cannot create a peer connection")
	}
	via, prefix := "whip", PathWHIP
	if whep {
		via, prefix = "whep", PathWHEP
	}
	sessionID := rand.Text()[:16]
	res := &httpResource{id: rand.Text(), roomID: c.RoomID, whep: whep, srv: s, pc: pc, kinds: map[TrackKind]int{}}
	res.path = prefix + url.PathEscape(c.RoomID) + "/" + res.id
	log := s.log.With("session", sessionID, "room", c.RoomID, "user", c.UserID, "role", c.Role, "via", via)
	p := &participant{
		info: ParticipantInfo{SessionID: sessionID, UserID: c.UserID, Name: c.Name, Role: c.Role},
		api:  s.api, log: log,
		send:      func(uint64, Message) {}, // no signaling channel: room events are not delivered
		fail:      func(reason string) { log.Info("ending", "reason", reason); go res.end() },
		record:    c.Record,
		fixed:     true,
		announced: map[string]Publish{},
		layered:   map[string]*roomTrack{},
		downs:     map[string]*subscription{},
		pubICE:    iceQueue{target: TargetPublisher},
		subICE:    iceQueue{target: TargetSubscriber},
	}
	p.bw.init()
	go p.runLayers()
	if whep {
		p.sub = pc
	} else {
		p.pub = pc
		pc.OnTrack(res.onTrack)
	}
	res.p = p
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		_ = pc.Close()
		s.sessions.Done()
		return nil, "", herr(http.StatusBadRequest, "offer rejected: %v", err)
	}

	s.busy.enter(c.UserID)
	if err := s.join(p, 0, c.RoomID); err != nil {
		s.busy.leave(c.UserID)
		_ = pc.Close()
		s.sessions.Done()
		return nil, "", herr(http.StatusServiceUnavailable, "server is shutting down")
	}
	s.presence(c.RoomID, c.UserID, true)
	// Only now may the connection's end end the session (it has joined).
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		log.Debug("peer connection state", "state", st.String())
		if st == webrtc.PeerConnectionStateFailed || st == webrtc.PeerConnectionStateClosed {
			go res.end()
		}
	})
	fail := func(e *httpError) (*httpResource, string, *httpError) {
		res.end()
		return nil, "", e
	}
	if whep && res.bindRoomTracks() == 0 {
		return fail(&httpError{status: http.StatusServiceUnavailable, msg: "nothing is published in this room yet; retry"})
	}

	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return fail(herr(http.StatusBadRequest, "cannot answer the offer: %v", err))
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return fail(herr(http.StatusBadRequest, "cannot answer the offer: %v", err))
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return fail(herr(http.StatusServiceUnavailable, "request ended while gathering candidates"))
	case <-time.After(gatherTimeout):
		log.Warn("ICE gathering incomplete; answering with the candidates so far")
	}
	if !s.http.add(res) {
		return fail(herr(http.StatusServiceUnavailable, "server is shutting down"))
	}
	time.AfterFunc(connectTimeout, func() {
		if pc.ConnectionState() != webrtc.PeerConnectionStateConnected {
			log.Info("no media connection; ending", "state", pc.ConnectionState().String())
			res.end()
		}
	})
	log.Info("joined")
	return res, pc.LocalDescription().SDP, nil
}

// end leaves the room and closes the PeerConnection; it is idempotent and
// safe from any goroutine except Pion's callbacks (which use go res.end()).
func (res *httpResource) end() {
	res.once.Do(func() {
		s := res.srv
		s.http.remove(res)
		s.leave(res.p)
		s.busy.leave(res.p.info.UserID)
		s.presence(res.roomID, res.p.info.UserID, false)
		res.p.log.Info("left")
		s.sessions.Done()
	})
}

// onTrack publishes a WHIP track under an id of its own: the client's
// track ids need not be unique in the room (an encoder may use fixed ones), the session
// id is. Audio counts as the microphone and video as the camera.
func (res *httpResource) onTrack(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
	kind := kindOf(t.Kind())
	res.mu.Lock()
	res.kinds[kind]++
	n, total := res.kinds[kind], res.kinds[KindAudio]+res.kinds[KindVideo]
	res.mu.Unlock()
	if total > MaxTracksPerParticipant {
		return
	}
	id := res.p.info.SessionID + "-" + string(kind)
	if n > 1 {
		id += fmt.Sprint("-", n)
	}
	source := SourceMic
	if kind == KindVideo {
		source = SourceCamera
	}
	res.p.forwardTrack(res.pc, t, r, TrackInfo{TrackID: id, SessionID: res.p.info.SessionID,
		UserID: res.p.info.UserID, Kind: kind, Source: source})
}

// bindRoomTracks gives each audio and video m-line of a WHEP offer one of
// the room's tracks of that kind, preferring a host's and, for video, a
// screen share, and returns how many it bound.
func (res *httpResource) bindRoomTracks() int {
	p := res.p
	r := p.room
	r.mu.Lock()
	tracks := r.sortedTracks()
	r.mu.Unlock()
	slices.SortStableFunc(tracks, func(a, b *roomTrack) int { return whepRank(a) - whepRank(b) })
	used := map[*roomTrack]bool{}
	bound := 0
	for _, tr := range res.pc.GetTransceivers() {
		var t *roomTrack
		for _, c := range tracks {
			if !used[c] && c.info.Kind == kindOf(tr.Kind()) {
				t = c
				break
			}
		}
		if t == nil {
			continue
		}
		used[t] = true
		local, err := webrtc.NewTrackLocalStaticRTP(t.codec, t.info.TrackID, "lianxin-"+r.id)
		if err != nil {
			continue
		}
		sender, err := res.pc.AddTrack(local)
		if err != nil {
			continue
		}
		p.subMu.Lock()
		ok := p.subscribeLocked(t, local, sender)
		p.subMu.Unlock()
		if !ok {
			continue // unpublished meanwhile: that m-line stays silent
		}
		bound++
	}
	return bound
}

// whepRank orders tracks for a WHEP viewer: hosts first, screen before
// camera.
func whepRank(t *roomTrack) int {
	rank := 0
	if t.owner.info.Role != RoleHost {
		rank += 2
	}
	if t.info.Source != SourceScreen {
		rank++
	}
	return rank
}

// iceServerLinks are RFC 9725 §4.6 Link headers, so a WHIP or WHEP client
// can use the same STUN and TURN servers as the browsers.
func iceServerLinks(servers []ICEServer) []string {
	var out []string
	for _, sv := range servers {
		for _, u := range sv.URLs {
			l := "<" + u + `>; rel="ice-server"`
			if sv.Username != "" {
				l += fmt.Sprintf(`; username=%q; credential=%q; credential-type="password"`, sv.Username, sv.Credential)
			}
			out = append(out, l)
		}
	}
	return out
}
