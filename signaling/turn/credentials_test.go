package turn

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // the scheme's MAC
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)

func TestCredentialsRoundTrip(t *testing.T) {
	c := Credentials{Secret: "s3cret", TTL: time.Hour}
	user, cred := c.Issue("user-1", t0)
	if want := "1772532000:user-1"; user != want {
		t.Fatalf("username = %q, want %q (expiry as Unix seconds, then the user)", user, want)
	}
	// The scheme coturn checks with use-auth-secret, computed independently.
	m := hmac.New(sha1.New, []byte("s3cret"))
	m.Write([]byte(user))
	if want := base64.StdEncoding.EncodeToString(m.Sum(nil)); cred != want {
		t.Fatalf("credential = %q, want base64(HMAC-SHA1(secret, username)) = %q", cred, want)
	}
	for _, at := range []time.Time{t0, t0.Add(time.Hour)} { // valid through the expiry second
		if id, err := c.Check(user, cred, at); err != nil || id != "user-1" {
			t.Fatalf("Check at %v = %q, %v", at, id, err)
		}
	}
	// A user id may itself hold a colon: only the first one separates.
	u2, c2 := c.Issue("ns:user-2", t0)
	if id, err := c.Check(u2, c2, t0); err != nil || id != "ns:user-2" {
		t.Fatalf("Check with a colon in the user = %q, %v", id, err)
	}
	if u, _ := (Credentials{Secret: "x"}).Issue("u", t0); u != "1772571600:u" {
		t.Fatalf("default TTL username = %q, want 12 h ahead", u)
	}
}

func TestCredentialsRefused(t *testing.T) {
	c := Credentials{Secret: "s3cret", TTL: time.Hour}
	user, cred := c.Issue("user-1", t0)
	longer := strings.Replace(user, "1772532000", "1772618400", 1) // a day more, same user
	cases := []struct {
		name       string
		c          Credentials
		user, cred string
		at         time.Time
		want       error
	}{
		{"expired one second after", c, user, cred, t0.Add(time.Hour + time.Second), ErrExpired},
		{"expiry extended", c, longer, cred, t0, ErrMismatch},
		{"user swapped", c, strings.Replace(user, "user-1", "user-9", 1), cred, t0, ErrMismatch},
		{"credential flipped", c, user, flip(cred), t0, ErrMismatch},
		{"empty credential", c, user, "", t0, ErrMismatch},
		{"another secret", Credentials{Secret: "other", TTL: time.Hour}, user, cred, t0, ErrMismatch},
		{"no colon", c, "1772532000", cred, t0, ErrMalformed},
		{"no user", c, "1772532000:", cred, t0, ErrMalformed},
		{"expiry not a number", c, "soon:user-1", cred, t0, ErrMalformed},
		{"signed expiry", c, "+1772532000:user-1", cred, t0, ErrMalformed},
		{"empty", c, "", "", t0, ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if id, err := tc.c.Check(tc.user, tc.cred, tc.at); !errors.Is(err, tc.want) || id != "" {
				t.Fatalf("Check = %q, %v; want %v", id, err, tc.want)
			}
		})
	}
}

// flip changes the first character of a base64 string.
func flip(s string) string {
	b := []byte(s)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}
