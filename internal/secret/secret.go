// Package secret turns the hub's one master key into purpose-bound keys and
// does the field-level cryptography: AES-GCM encryption of identifiers at
// rest, keyed hashes to find them, and HMAC for the audit chain. Imports
// nothing of the hub.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/crypto/hkdf"
)

// Keys holds the keys derived from the master key, one per purpose, so that
// no key serves two uses.
type Keys struct {
	fieldEnc  cipher.AEAD
	fieldHash []byte
	audit     []byte
	rooms     []byte
	turn      []byte
}

// MinMasterLen is the least master key material accepted, in bytes.
const MinMasterLen = 32

// Derive builds the purpose keys from master key material.
func Derive(master []byte) (*Keys, error) {
	if len(master) < MinMasterLen {
		return nil, fmt.Errorf("secret: master key must have at least %d bytes", MinMasterLen)
	}
	sub := func(purpose string) []byte {
		k := make([]byte, 32)
		if _, err := io.ReadFull(hkdf.New(sha256.New, master, nil, []byte("lianxin/"+purpose)), k); err != nil {
			panic(err) // hkdf only fails past 255*32 bytes
		}
		return k
	}
	block, err := aes.NewCipher(sub("field-encryption/v1"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Keys{fieldEnc: aead, fieldHash: sub("field-hash/v1"), audit: sub("audit-chain/v1"),
		rooms: sub("room-tokens/v1"), turn: sub("turn-rest/v1")}, nil
}

// RoomTokenKey is the key that signs video room tokens. The hub signs with
// it and the signaling server verifies with it, so a standalone SFU needs the
// same master key and nothing else.
func (k *Keys) RoomTokenKey() []byte { return append([]byte(nil), k.rooms...) }

// TURNSecret is the TURN REST API secret (hex) of the embedded TURN server,
// used when LIANXIN_TURN_SECRET is not set: a hub and a standalone SFU with
// the same master key derive the same one.
func (k *Keys) TURNSecret() string { return hex.EncodeToString(k.turn) }

// Seal encrypts a field value; the result is base64 text with the nonce in front.
func (k *Keys) Seal(plain string) string {
	nonce := make([]byte, k.fieldEnc.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.StdEncoding.EncodeToString(k.fieldEnc.Seal(nonce, nonce, []byte(plain), nil))
}

// ErrOpen is returned when a sealed value is damaged or sealed under another key.
var ErrOpen = errors.New("secret: cannot decrypt field")

// Open decrypts a value made by Seal.
func (k *Keys) Open(sealed string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < k.fieldEnc.NonceSize() {
		return "", ErrOpen
	}
	n := k.fieldEnc.NonceSize()
	plain, err := k.fieldEnc.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return "", ErrOpen
	}
	return string(plain), nil
}

// Lookup returns the keyed hash (hex) used to find a field value without
// storing it in clear.
func (k *Keys) Lookup(value string) string {
	m := hmac.New(sha256.New, k.fieldHash)
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))
}

// AuditMAC returns the audit chain's MAC over data (hex).
func (k *Keys) AuditMAC(data []byte) string {
	m := hmac.New(sha256.New, k.audit)
	m.Write(data)
	return hex.EncodeToString(m.Sum(nil))
}

// Token returns a random URL-safe token of n bytes of entropy.
func Token(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the hex SHA-256 of a bearer token: the database keeps
// only this, so a stolen table grants no session.
func HashToken(tok string) string {
	s := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(s[:])
}

// LoadOrCreateKeyFile returns the master key kept in dir/secret.key,
// creating it (0600) with fresh random bytes when absent. created reports
// whether it was made now.
func LoadOrCreateKeyFile(dir string) (key []byte, created bool, err error) {
	path := filepath.Join(dir, "secret.key")
	if b, err := os.ReadFile(path); err == nil {
		key, err := hex.DecodeString(string(trimNL(b)))
		if err != nil || len(key) < MinMasterLen {
			return nil, false, fmt.Errorf("secret: %s is not a hex key of at least %d bytes", path, MinMasterLen)
		}
		return key, false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, err
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) { // another process won the race: use its key
			return LoadOrCreateKeyFile(dir)
		}
		return nil, false, err
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, false, err
	}
	return key, true, f.Close()
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}
