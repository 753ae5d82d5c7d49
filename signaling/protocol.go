package signaling

// The signaling protocol, version 1: JSON text messages over one WebSocket.
// PROTOCOL.md explains the flows; frontend/src/rtc/protocol.ts is the same
// definition for the browser, and TestProtocolMatchesTypeScript keeps the
// two lists of message types identical.
//
// Every message is one flat JSON object {"type": "...", "id"?: n, ...}. A
// client may put a positive "id" on any request; the server echoes it on the
// direct reply (joined, answer, or error), so a client can match them.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// ProtocolVersion is the version this server speaks; join carries the
// client's, and a mismatch is refused with CodeUnsupported.
const ProtocolVersion = 1

// Limits on what a client may send.
const (
	MaxMessageBytes = 64 << 10 // one WebSocket message; an SDP offer is ~5-15 KB
	MaxChatRunes    = 2000
	MaxTrackIDLen   = 128
	MaxRenderSize   = 16384 // subscribe width and height, device pixels
)

// Message is any protocol message; MessageType is its "type" on the wire.
type Message interface{ MessageType() string }

// Envelope is the part every message shares.
type Envelope struct {
	Type string `json:"type"`
	ID   uint64 `json:"id,omitempty"`
}

// TrackKind is the media kind of a track.
type TrackKind string

// TrackSource says which device a track comes from.
type TrackSource string

// Quality is what a subscriber wants of one track.
type Quality string

// QualityReason says why a subscriber receives the quality it does.
type QualityReason string

// Target says which of a participant's two PeerConnections an ICE candidate
// belongs to (see PROTOCOL.md: one PC publishes, the other subscribes).
type Target string

// ErrorCode classifies an error message; clients branch on it, never on the text.
type ErrorCode string

// Enumerations.
const (
	KindAudio TrackKind = "audio"
	KindVideo TrackKind = "video"

	SourceMic    TrackSource = "mic"
	SourceCamera TrackSource = "camera"
	SourceScreen TrackSource = "screen"

	QualityHigh      Quality = "high"
	QualityMedium    Quality = "medium"
	QualityLow       Quality = "low"
	QualityAudioOnly Quality = "audio_only"

	ReasonRequested QualityReason = "requested"
	ReasonBandwidth QualityReason = "bandwidth"
	ReasonPublisher QualityReason = "publisher"
	ReasonSize      QualityReason = "size"

	TargetPublisher  Target = "publisher"
	TargetSubscriber Target = "subscriber"

	CodeInvalid      ErrorCode = "invalid"      // malformed, unknown or out-of-order message
	CodeUnauthorized ErrorCode = "unauthorized" // token missing, forged or expired; the server then closes
	CodeForbidden    ErrorCode = "forbidden"    // the role does not allow it (a viewer publishing)
	CodeNotFound     ErrorCode = "not_found"    // unknown track or session
	CodeConflict     ErrorCode = "conflict"     // second join, duplicate track id
	CodeUnsupported  ErrorCode = "unsupported"  // protocol version or feature not offered
	CodeInternal     ErrorCode = "internal"     // server fault; details only in the server log
	CodeWrongNode    ErrorCode = "wrong_node"   // the room lives on another node; Error.SignalingURL says which
)

// ProtocolError is an error the server reports to the client as an error
// message; any other error is reported as CodeInternal without its text.
type ProtocolError struct {
	Code    ErrorCode
	Message string
	// SignalingURL is set with CodeWrongNode: where the room lives.
	SignalingURL string
}

func (e *ProtocolError) Error() string { return string(e.Code) + ": " + e.Message }

func perr(code ErrorCode, format string, args ...any) *ProtocolError {
	return &ProtocolError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ICEServer is a STUN or TURN server for the browser's RTCPeerConnection,
// in the shape of the browser's RTCIceServer.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// ParticipantInfo describes one connection in a room. A user may be in a
// room twice (phone and laptop), so SessionID, not UserID, identifies it.
type ParticipantInfo struct {
	SessionID  string `json:"sessionId"`
	UserID     string `json:"userId"`
	Name       string `json:"name"`
	Role       Role   `json:"role"`
	HandRaised bool   `json:"handRaised"`
}

// TrackInfo describes one published track.
type TrackInfo struct {
	TrackID   string      `json:"trackId"`
	SessionID string      `json:"sessionId"`
	UserID    string      `json:"userId"`
	Kind      TrackKind   `json:"kind"`
	Source    TrackSource `json:"source"`
	Muted     bool        `json:"muted"`
}

// Client → server.
type (
	// Join must be the first message: it presents the room token.
	Join struct {
		Token           string `json:"token"`
		ProtocolVersion int    `json:"protocolVersion"`
	}
	// Publish announces a track before the offer that carries it; TrackID
	// is the MediaStreamTrack id, i.e. the track id in the SDP's msid.
	Publish struct {
		TrackID string      `json:"trackId"`
		Kind    TrackKind   `json:"kind"`
		Source  TrackSource `json:"source"`
	}
	// Unpublish stops forwarding one of the sender's tracks.
	Unpublish struct {
		TrackID string `json:"trackId"`
	}
	// Subscribe sets the quality wanted for a track (all tracks are
	// subscribed on join; see PROTOCOL.md for what each quality does today).
	//
	// Width and Height, optional, are the size in device pixels at which
	// the client renders the track; the SFU then sends no layer larger
	// than needed for it. 0 or absent means unknown.
	Subscribe struct {
		TrackID string  `json:"trackId"`
		Quality Quality `json:"quality"`
		Width   int     `json:"width,omitempty"`
		Height  int     `json:"height,omitempty"`
	}
	// RaiseHand raises or lowers the sender's hand.
	RaiseHand struct {
		Raised bool `json:"raised"`
	}
	// Leave ends the session; the server closes the socket after it.
	Leave struct{}
	// Reconnect asks to resume SessionID after a dropped socket.
	Reconnect struct {
		Token     string `json:"token"`
		SessionID string `json:"sessionId"`
	}
)

// Both directions.
type (
	// Offer is an SDP offer: client→server for the publisher PC,
	// server→client for the subscriber PC.
	Offer struct {
		SDP string `json:"sdp"`
		// Tracks maps each m-line's mid to the trackId it carries, on
		// server offers only: a browser's remote MediaStreamTrack.id is not
		// the sender's, so the mid is how a client names what it receives.
		Tracks map[string]string `json:"tracks,omitempty"`
	}
	// Answer answers the other side's Offer on the same PC.
	Answer struct {
		SDP string `json:"sdp"`
	}
	// Candidate is one trickled ICE candidate for the Target PC; an empty
	// Candidate marks the end of candidates and is ignored.
	Candidate struct {
		Candidate        string  `json:"candidate"`
		SDPMid           *string `json:"sdpMid,omitempty"`
		SDPMLineIndex    *uint16 `json:"sdpMLineIndex,omitempty"`
		UsernameFragment *string `json:"usernameFragment,omitempty"`
		Target           Target  `json:"target"`
	}
	// Mute changes a track's mute state; from the server it names the owner.
	Mute struct {
		TrackID string `json:"trackId"`
		Muted   bool   `json:"muted"`
		UserID  string `json:"userId,omitempty"`
	}
	// Chat is a room chat line; the server adds the sender and the time.
	Chat struct {
		Text      string `json:"text"`
		UserID    string `json:"userId,omitempty"`
		SessionID string `json:"sessionId,omitempty"`
		Name      string `json:"name,omitempty"`
		SentAt    int64  `json:"sentAt,omitempty"` // unix milliseconds, server clock
	}
)

// Server → client.
type (
	// Joined answers Join: the caller's session and the room as it is.
	Joined struct {
		SessionID       string            `json:"sessionId"`
		RoomID          string            `json:"roomId"`
		ProtocolVersion int               `json:"protocolVersion"`
		Self            ParticipantInfo   `json:"self"`
		Participants    []ParticipantInfo `json:"participants"` // the others
		Tracks          []TrackInfo       `json:"tracks"`
		ICEServers      []ICEServer       `json:"iceServers"`
		// Resumed is set on the reply to reconnect: the same session, taken
		// over by this socket. The events it missed follow.
		Resumed bool `json:"resumed,omitempty"`
	}
	ParticipantJoined struct {
		Participant ParticipantInfo `json:"participant"`
	}
	ParticipantLeft struct {
		SessionID string `json:"sessionId"`
		UserID    string `json:"userId"`
	}
	// TrackPublished is sent once the SFU receives the track's media, just
	// before the subscriber offer that carries it.
	TrackPublished struct {
		Track TrackInfo `json:"track"`
	}
	TrackUnpublished struct {
		TrackID   string `json:"trackId"`
		SessionID string `json:"sessionId"`
		UserID    string `json:"userId"`
	}
	ActiveSpeaker struct {
		UserID    string `json:"userId"`
		SessionID string `json:"sessionId,omitempty"`
	}
	Hand struct {
		UserID    string `json:"userId"`
		SessionID string `json:"sessionId"`
		Raised    bool   `json:"raised"`
	}
	Error struct {
		Code    ErrorCode `json:"code"`
		Message string    `json:"message"`
		// SignalingURL comes with CodeWrongNode: the WebSocket URL of the
		// node that owns the room, where the same token is accepted.
		SignalingURL string `json:"signalingUrl,omitempty"`
	}
	// QualityChange tells a subscriber which quality of a video track it now
	// receives and why: the layer it asked for (requested), a lower one or
	// none (audio_only) because its downlink cannot carry more (bandwidth),
	// a lower one because it is large enough for the rendered size the
	// client gave (size), or a lower one because the publisher sends nothing
	// better (publisher).
	// Sent when this changes, and on the first choice unless it is what was
	// requested.
	QualityChange struct {
		TrackID string        `json:"trackId"`
		Quality Quality       `json:"quality"`
		Reason  QualityReason `json:"reason"`
	}
)

func (Join) MessageType() string              { return "join" }
func (Offer) MessageType() string             { return "offer" }
func (Answer) MessageType() string            { return "answer" }
func (Candidate) MessageType() string         { return "candidate" }
func (Publish) MessageType() string           { return "publish" }
func (Unpublish) MessageType() string         { return "unpublish" }
func (Subscribe) MessageType() string         { return "subscribe" }
func (Mute) MessageType() string              { return "mute" }
func (RaiseHand) MessageType() string         { return "raise_hand" }
func (Chat) MessageType() string              { return "chat" }
func (Leave) MessageType() string             { return "leave" }
func (Reconnect) MessageType() string         { return "reconnect" }
func (Joined) MessageType() string            { return "joined" }
func (ParticipantJoined) MessageType() string { return "participant_joined" }
func (ParticipantLeft) MessageType() string   { return "participant_left" }
func (TrackPublished) MessageType() string    { return "track_published" }
func (TrackUnpublished) MessageType() string  { return "track_unpublished" }
func (ActiveSpeaker) MessageType() string     { return "active_speaker" }
func (Hand) MessageType() string              { return "hand" }
func (Error) MessageType() string             { return "error" }
func (QualityChange) MessageType() string     { return "quality" }

var clientMessages = registry(Join{}, Offer{}, Answer{}, Candidate{}, Publish{}, Unpublish{},
	Subscribe{}, Mute{}, RaiseHand{}, Chat{}, Leave{}, Reconnect{})

var serverMessages = registry(Joined{}, ParticipantJoined{}, ParticipantLeft{}, TrackPublished{},
	TrackUnpublished{}, Mute{}, ActiveSpeaker{}, Hand{}, Chat{}, Offer{}, Answer{}, Candidate{}, Error{},
	QualityChange{})

// registry maps each message's type name to its Go type.
func registry(msgs ...Message) map[string]reflect.Type {
	m := make(map[string]reflect.Type, len(msgs))
	for _, msg := range msgs {
		m[msg.MessageType()] = reflect.TypeOf(msg)
	}
	return m
}

// ErrUnknownType is wrapped by Decode errors for a type the direction lacks.
var ErrUnknownType = errors.New("signaling: unknown message type")

// DecodeClient parses a client→server message. Errors wrap ErrUnknownType or
// are JSON errors; the message is not validated (see validate).
func DecodeClient(data []byte) (Envelope, Message, error) { return decode(data, clientMessages) }

// DecodeServer parses a server→client message, for Go clients and tests.
func DecodeServer(data []byte) (Envelope, Message, error) { return decode(data, serverMessages) }

// decode ignores unknown fields, so a newer peer can add optional fields
// without a version bump; removing or retyping a field needs one.
func decode(data []byte, reg map[string]reflect.Type) (Envelope, Message, error) {
	var env Envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return env, nil, err
	}
	t, ok := reg[env.Type]
	if !ok {
		return env, nil, fmt.Errorf("%w %q", ErrUnknownType, env.Type)
	}
	v := reflect.New(t)
	if err := json.Unmarshal(data, v.Interface()); err != nil {
		return env, nil, err
	}
	return env, v.Elem().Interface().(Message), nil
}

// Encode renders m as one flat JSON object with its type and, when id > 0,
// the id of the request it answers.
func Encode(id uint64, m Message) ([]byte, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(len(body) + 40)
	b.WriteString(`{"type":`)
	b.WriteString(strconv.Quote(m.MessageType()))
	if id > 0 {
		b.WriteString(`,"id":`)
		b.WriteString(strconv.FormatUint(id, 10))
	}
	if len(body) > 2 { // body is "{...}"; "{}" adds nothing
		b.WriteByte(',')
		b.Write(body[1:])
	} else {
		b.WriteByte('}')
	}
	return b.Bytes(), nil
}

// validate checks a decoded client message's fields; it returns a
// *ProtocolError with CodeInvalid.
func validate(m Message) error {
	switch m := m.(type) {
	case Reconnect:
		if m.Token == "" || m.SessionID == "" {
			return perr(CodeInvalid, "reconnect needs a token and a sessionId")
		}
	case Offer:
		if m.SDP == "" {
			return perr(CodeInvalid, "offer without sdp")
		}
	case Answer:
		if m.SDP == "" {
			return perr(CodeInvalid, "answer without sdp")
		}
	case Candidate:
		if m.Target != TargetPublisher && m.Target != TargetSubscriber {
			return perr(CodeInvalid, "candidate target must be publisher or subscriber")
		}
	case Publish:
		if err := validTrackID(m.TrackID); err != nil {
			return err
		}
		switch {
		case m.Kind == KindAudio && (m.Source == SourceMic || m.Source == SourceScreen):
		case m.Kind == KindVideo && (m.Source == SourceCamera || m.Source == SourceScreen):
		default:
			return perr(CodeInvalid, "publish: kind %q with source %q is not a valid pair", m.Kind, m.Source)
		}
	case Unpublish:
		return validTrackID(m.TrackID)
	case Subscribe:
		switch m.Quality {
		case QualityHigh, QualityMedium, QualityLow, QualityAudioOnly:
		default:
			return perr(CodeInvalid, "subscribe: unknown quality %q", m.Quality)
		}
		if m.Width < 0 || m.Height < 0 || m.Width > MaxRenderSize || m.Height > MaxRenderSize {
			return perr(CodeInvalid, "subscribe: width and height must be 0 to %d", MaxRenderSize)
		}
		return validTrackID(m.TrackID)
	case Mute:
		return validTrackID(m.TrackID)
	case Chat:
		if n := utf8.RuneCountInString(m.Text); n == 0 || n > MaxChatRunes || !utf8.ValidString(m.Text) {
			return perr(CodeInvalid, "chat text must be 1 to %d characters of UTF-8", MaxChatRunes)
		}
	}
	return nil
}

func validTrackID(id string) error {
	if id == "" || len(id) > MaxTrackIDLen {
		return perr(CodeInvalid, "trackId must be 1 to %d bytes", MaxTrackIDLen)
	}
	return nil
}
