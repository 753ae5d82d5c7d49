// Package turn is the video relay of last resort: an embedded TURN server
// (pion/turn) listening on UDP and TCP, so a browser behind a hospital
// firewall that lets only TCP out still reaches the SFU, and the short-lived
// credentials it checks. The credentials follow the TURN REST API scheme that
// coturn implements as use-auth-secret, so an external coturn sharing the
// secret accepts the same ones. It imports nothing of the hub and nothing of
// signaling (signaling's tests import it).
package turn

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // HMAC-SHA1 is what the TURN REST API scheme (and coturn) specify
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// DefaultTTL is how long issued credentials stay valid. A TURN allocation is
// refreshed with the same credentials every few minutes, so the TTL bounds
// how long a relayed call can last without rejoining: long enough for a
// lecture, short enough that a leaked credential soon stops working.
const DefaultTTL = 12 * time.Hour

// Errors returned by Credentials.Check.
var (
	ErrMalformed = errors.New("turn: username is not <expiry>:<user>")
	ErrExpired   = errors.New("turn: credentials have expired")
	ErrMismatch  = errors.New("turn: credential does not match the username")
)

// Credentials issues and checks TURN REST API credentials: the username is
// "<expiry as Unix seconds>:<user id>" and the credential (password) is
// base64(HMAC-SHA1(Secret, username)). They are valid through the expiry
// second. Credentials is a value; it is safe for concurrent use.
type Credentials struct {
	// Secret is shared with every TURN server that checks these
	// credentials (coturn's static-auth-secret). It must not be empty.
	Secret string
	// TTL is the lifetime of issued credentials; 0 means DefaultTTL.
	TTL time.Duration
}

// Issue returns a username and credential for userID, valid for the TTL
// from now.
func (c Credentials) Issue(userID string, now time.Time) (username, credential string) {
	ttl := c.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	username = strconv.FormatInt(now.Add(ttl).Unix(), 10) + ":" + userID
	return username, c.credential(username)
}

// Check verifies a username and credential made by Issue with the same
// secret, and returns the user id. Errors: ErrMalformed, ErrExpired,
// ErrMismatch (a tampered username, a wrong credential or another secret).
// The credential is compared in constant time.
func (c Credentials) Check(username, credential string, now time.Time) (userID string, err error) {
	userID, err = c.unexpired(username, now)
	if err != nil {
		return "", err
	}
	if !hmac.Equal([]byte(credential), []byte(c.credential(username))) {
		return "", ErrMismatch
	}
	return userID, nil
}

// unexpired parses the username and checks its expiry; it does not look at
// the credential (the TURN server checks that through MESSAGE-INTEGRITY).
func (c Credentials) unexpired(username string, now time.Time) (userID string, err error) {
	exp, user, ok := strings.Cut(username, ":")
	if !ok || user == "" || exp == "" || exp[0] == '+' || exp[0] == '-' {
		return "", ErrMalformed
	}
	expiry, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return "", ErrMalformed
	}
	if now.Unix() > expiry {
		return "", ErrExpired
	}
	return user, nil
}

func (c Credentials) credential(username string) string {
	m := hmac.New(sha1.New, []byte(c.Secret))
	m.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
