package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"

	"github.com/lianxin-hub/lianxin/internal/apperr"
)

// Argon2id parameters: OWASP's second recommended profile (19 MiB, 2 passes),
// chosen so a 2-core hub can take a burst of logins without stalling.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// MinPasswordLen is the shortest password a user may choose.
const MinPasswordLen = 10

// HashPassword returns an encoded argon2id hash of pw.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("auth: malformed password hash")

// CheckPassword reports whether pw matches the encoded hash. It takes the same
// time whether or not pw matches.
func CheckPassword(encoded, pw string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when a username does not exist, so that a
// login for an unknown user costs as much as one for a known user.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("lianxin-no-such-user")
	return h
})

// BurnPasswordCheck spends the time of one password check.
func BurnPasswordCheck(pw string) { _, _ = CheckPassword(dummyHash(), pw) }

// ValidateNewPassword checks a password a user chooses.
func ValidateNewPassword(field, pw string) error {
	if len([]rune(pw)) < MinPasswordLen {
		return apperr.InvalidField(field, "password must have at least %d characters", MinPasswordLen)
	}
	if len(pw) > 256 {
		return apperr.InvalidField(field, "password is too long")
	}
	return nil
}

// GeneratePassword returns a random password for a new account, shown once.
func GeneratePassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
