package signaling

// Room tokens are the only credential the signaling server accepts. The hub
// mints one per join (POST /api/v1/rooms/{id}/join) after it has checked the
// invitation against the clinical database; the SFU, which never sees that
// database, only checks the signature and the expiry.
//
// Format: "v1." + base64url(JSON claims) + "." + base64url(HMAC-SHA256).
// The MAC covers a fixed purpose label and the first two parts, so a token
// cannot be replayed as any other HMAC-signed value made with the same key.
//
// Why not JWT (golang-jwt/jwt/v5): the issuer and the verifier are the same
// program with the same key, so JOSE's algorithm negotiation buys nothing and
// its "alg" header is the classic source of confusion bugs (alg=none, RS/HS
// swaps) that a fixed format cannot have. The whole format is the ~40 lines
// of Sign and Verify below, with no dependency to keep patched. If a third
// party ever has to verify our tokens, JWT is the migration.

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a participant may do in a room.
type Role string

// The roles; anything else is invalid.
const (
	RoleHost        Role = "host"        // publishes; runs the consultation
	RoleParticipant Role = "participant" // publishes
	RoleViewer      Role = "viewer"      // subscribes only (lecture audience)
)

// Valid reports whether r is one of the Role constants.
func (r Role) Valid() bool {
	return r == RoleHost || r == RoleParticipant || r == RoleViewer
}

// CanPublish reports whether r may send media.
func (r Role) CanPublish() bool { return r == RoleHost || r == RoleParticipant }

// DefaultTokenTTL is how long a token stays valid for joining when the
// claims carry no expiry. Only the join is gated: a session outlives its
// token.
const DefaultTokenTTL = 2 * time.Minute

// MinKeyLen is the shortest HMAC key a Signer accepts, in bytes.
const MinKeyLen = 32

// Claims are what a room token asserts. Expires has one-second precision on
// the wire.
type Claims struct {
	RoomID  string
	UserID  string
	Name    string // display name shown to the other participants
	Role    Role
	Expires time.Time
	// Record asks the SFU to record the room (when it has a RecordingDir).
	// The hub sets it only when the lecture or round has recording enabled
	// and its consent rules hold; one such token switches the room on.
	Record bool
}

// Errors returned by Sign and Verify; match them with errors.Is.
var (
	ErrMalformedToken = errors.New("signaling: malformed room token")
	ErrBadSignature   = errors.New("signaling: room token signature mismatch")
	ErrExpiredToken   = errors.New("signaling: room token expired")
	ErrInvalidClaims  = errors.New("signaling: invalid room token claims")
	ErrWeakKey        = fmt.Errorf("signaling: room token key shorter than %d bytes", MinKeyLen)
)

const (
	tokenVersion = "v1"
	tokenPurpose = "lianxin/room-token/v1\x00"
	maxTokenLen  = 4096
	maxClaimLen  = 256 // bytes, per string claim
)

// wireClaims is the JSON inside a token; short keys keep tokens small
// enough for a URL.
type wireClaims struct {
	Room string `json:"room"`
	Sub  string `json:"sub"`
	Name string `json:"name"`
	Role Role   `json:"role"`
	Exp  int64  `json:"exp"` // unix seconds
	Rec  bool   `json:"rec,omitempty"`
}

// Signer signs and verifies room tokens with one HMAC-SHA256 key. It is
// immutable and safe for concurrent use.
type Signer struct {
	key []byte
}

// NewSigner returns a Signer for key, which it copies. A key shorter than
// MinKeyLen makes every Sign and Verify fail with ErrWeakKey rather than
// quietly issuing forgeable tokens.
func NewSigner(key []byte) *Signer {
	return &Signer{key: bytes.Clone(key)}
}

func (s *Signer) mac(signed string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(tokenPurpose))
	m.Write([]byte(signed))
	return m.Sum(nil)
}

func validateClaims(c Claims) error {
	for _, f := range []struct{ name, v string }{{"room id", c.RoomID}, {"user id", c.UserID}, {"name", c.Name}} {
		if f.name != "name" && f.v == "" {
			return fmt.Errorf("%w: %s is empty", ErrInvalidClaims, f.name)
		}
		if len(f.v) > maxClaimLen || !utf8.ValidString(f.v) {
			return fmt.Errorf("%w: %s is too long or not UTF-8", ErrInvalidClaims, f.name)
		}
	}
	if !c.Role.Valid() {
		return fmt.Errorf("%w: role %q is unknown", ErrInvalidClaims, string(c.Role))
	}
	return nil
}

// Sign returns a token for c. A zero c.Expires means now+DefaultTokenTTL.
// Errors: ErrWeakKey; ErrInvalidClaims (wrapped) for an empty room or user
// id, an unknown role, or a string claim over 256 bytes.
func (s *Signer) Sign(c Claims) (string, error) {
	if len(s.key) < MinKeyLen {
		return "", ErrWeakKey
	}
	if err := validateClaims(c); err != nil {
		return "", err
	}
	if c.Expires.IsZero() {
		c.Expires = time.Now().Add(DefaultTokenTTL)
	}
	payload, err := json.Marshal(wireClaims{Room: c.RoomID, Sub: c.UserID, Name: c.Name, Role: c.Role, Exp: c.Expires.Unix(), Rec: c.Record})
	if err != nil {
		return "", err
	}
	signed := tokenVersion + "." + base64.RawURLEncoding.EncodeToString(payload)
	return signed + "." + base64.RawURLEncoding.EncodeToString(s.mac(signed)), nil
}

// Verify checks token and returns its claims if it is authentic and not
// expired at now (a token is expired from its Expires second on).
// Errors: ErrWeakKey; ErrMalformedToken (wrapped) when it is not a v1 token;
// ErrBadSignature when it was not signed with this key or was altered;
// ErrExpiredToken. The signature is checked before the claims are parsed.
func (s *Signer) Verify(token string, now time.Time) (Claims, error) {
	if len(s.key) < MinKeyLen {
		return Claims{}, ErrWeakKey
	}
	if len(token) > maxTokenLen {
		return Claims{}, fmt.Errorf("%w: longer than %d bytes", ErrMalformedToken, maxTokenLen)
	}
	version, rest, ok1 := strings.Cut(token, ".")
	payloadB64, sigB64, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || version != tokenVersion {
		return Claims{}, fmt.Errorf("%w: not a %s token", ErrMalformedToken, tokenVersion)
	}
	sig, err := base64.RawURLEncoding.DecodeString(sigB64)
	if err != nil || len(sig) != sha256.Size {
		return Claims{}, fmt.Errorf("%w: bad signature encoding", ErrMalformedToken)
	}
	if !hmac.Equal(sig, s.mac(version+"."+payloadB64)) {
		return Claims{}, ErrBadSignature
	}
	payload, err := base64.RawURLEncoding.DecodeString(payloadB64)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: bad payload encoding", ErrMalformedToken)
	}
	var w wireClaims
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrMalformedToken, err)
	}
	c := Claims{RoomID: w.Room, UserID: w.Sub, Name: w.Name, Role: w.Role, Expires: time.Unix(w.Exp, 0), Record: w.Rec}
	if err := validateClaims(c); err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrMalformedToken, err)
	}
	if !now.Before(c.Expires) {
		return Claims{}, fmt.Errorf("%w at %s", ErrExpiredToken, c.Expires.UTC().Format(time.RFC3339))
	}
	return c, nil
}
