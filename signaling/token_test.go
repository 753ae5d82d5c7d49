package signaling

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

var testKey = []byte("0123456789abcdef0123456789abcdef") // 32 bytes, tests only

var tokenEpoch = time.Date(2025, time.March, 1, 9, 0, 0, 0, time.UTC)

func TestTokenRoundTrip(t *testing.T) {
	s := NewSigner(testKey)
	want := Claims{RoomID: "consult-42", UserID: "u-7", Name: "张医生", Role: RoleHost, Expires: tokenEpoch.Add(time.Minute)}
	tok, err := s.Sign(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Verify(tok, tokenEpoch)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got.RoomID != want.RoomID || got.UserID != want.UserID || got.Name != want.Name || got.Role != want.Role || !got.Expires.Equal(want.Expires) {
		t.Fatalf("Verify = %+v, want %+v", got, want)
	}
}

func TestTokenDefaultExpiry(t *testing.T) {
	s := NewSigner(testKey)
	before := time.Now()
	tok, err := s.Sign(Claims{RoomID: "r", UserID: "u", Role: RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Verify(tok, before)
	if err != nil {
		t.Fatal(err)
	}
	// One-second precision on the wire.
	if d := c.Expires.Sub(before); d < DefaultTokenTTL-time.Second || d > DefaultTokenTTL+time.Second {
		t.Fatalf("default expiry is %v after signing, want about %v", d, DefaultTokenTTL)
	}
}

func TestTokenExpiry(t *testing.T) {
	s := NewSigner(testKey)
	exp := tokenEpoch.Add(2 * time.Minute)
	tok, err := s.Sign(Claims{RoomID: "r", UserID: "u", Role: RoleParticipant, Expires: exp})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		now  time.Time
		want error
	}{
		{tokenEpoch, nil},
		{exp.Add(-time.Nanosecond), nil},
		{exp, ErrExpiredToken}, // expired from its Expires instant on
		{exp.Add(time.Hour), ErrExpiredToken},
	} {
		_, err := s.Verify(tok, tc.now)
		if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("Verify at %v: err = %v, want %v", tc.now.Sub(exp), err, tc.want)
		}
	}
}

func TestTokenTamperAndMalformed(t *testing.T) {
	s := NewSigner(testKey)
	tok, err := s.Sign(Claims{RoomID: "r", UserID: "u", Role: RoleViewer, Expires: tokenEpoch.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	// Promote the viewer to host without re-signing.
	promoted := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"viewer"`, `"host"`, 1)))
	otherKey, _ := NewSigner([]byte("another-key-another-key-another-k")).Sign(Claims{RoomID: "r", UserID: "u", Role: RoleHost, Expires: tokenEpoch.Add(time.Minute)})
	flipped := []byte(parts[2])
	flipped[3] ^= 1
	if flipped[3] == '.' {
		flipped[3] ^= 2
	}

	cases := []struct {
		name, token string
		want        error
	}{
		{"promoted role", parts[0] + "." + promoted + "." + parts[2], ErrBadSignature},
		{"other key", otherKey, ErrBadSignature},
		{"flipped signature bit", parts[0] + "." + parts[1] + "." + string(flipped), ErrBadSignature},
		{"empty", "", ErrMalformedToken},
		{"two parts", parts[0] + "." + parts[1], ErrMalformedToken},
		{"future version", "v2." + parts[1] + "." + parts[2], ErrMalformedToken},
		{"truncated signature", parts[0] + "." + parts[1] + "." + parts[2][:20], ErrMalformedToken},
		{"not base64", parts[0] + "." + parts[1] + ".!!!", ErrMalformedToken},
		{"huge", strings.Repeat("a", maxTokenLen+1), ErrMalformedToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := s.Verify(tc.token, tokenEpoch)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %+v, %v; want %v", c, err, tc.want)
			}
		})
	}
}

func TestTokenSignerRejectsWeakKeyAndBadClaims(t *testing.T) {
	if _, err := NewSigner([]byte("short")).Sign(Claims{RoomID: "r", UserID: "u", Role: RoleHost}); !errors.Is(err, ErrWeakKey) {
		t.Errorf("Sign with a short key: %v, want ErrWeakKey", err)
	}
	if _, err := NewSigner(nil).Verify("v1.a.b", tokenEpoch); !errors.Is(err, ErrWeakKey) {
		t.Errorf("Verify with no key: %v, want ErrWeakKey", err)
	}
	s := NewSigner(testKey)
	for _, c := range []Claims{
		{UserID: "u", Role: RoleHost},
		{RoomID: "r", Role: RoleHost},
		{RoomID: "r", UserID: "u", Role: "admin"},
		{RoomID: "r", UserID: "u", Role: RoleHost, Name: strings.Repeat("x", maxClaimLen+1)},
	} {
		if _, err := s.Sign(c); !errors.Is(err, ErrInvalidClaims) {
			t.Errorf("Sign(%+v) = %v, want ErrInvalidClaims", c, err)
		}
	}
}

func TestRoleCanPublish(t *testing.T) {
	for r, want := range map[Role]bool{RoleHost: true, RoleParticipant: true, RoleViewer: false, "": false} {
		if r.CanPublish() != want {
			t.Errorf("%q.CanPublish() = %v", r, !want)
		}
	}
}
