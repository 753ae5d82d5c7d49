package secret

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testKeys(t *testing.T, master string) *Keys {
	t.Helper()
	k, err := Derive([]byte(master))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

const masterA = "master-key-a-0123456789abcdef0123456789"
const masterB = "master-key-b-0123456789abcdef0123456789"

func TestDeriveRejectsShortMasterKeys(t *testing.T) {
	if _, err := Derive(bytes.Repeat([]byte{1}, MinMasterLen-1)); err == nil {
		t.Fatal("Derive accepted a master key shorter than MinMasterLen")
	}
	if _, err := Derive(bytes.Repeat([]byte{1}, MinMasterLen)); err != nil {
		t.Fatalf("Derive(%d bytes): %v", MinMasterLen, err)
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	k := testKeys(t, masterA)
	for _, plain := range []string{"34010419800101123X", "", "王小明 · ünïcødé", strings.Repeat("x", 10000)} {
		sealed := k.Seal(plain)
		if plain != "" && strings.Contains(sealed, plain) {
			t.Fatalf("Seal(%q) contains the clear text", plain)
		}
		got, err := k.Open(sealed)
		if err != nil || got != plain {
			t.Fatalf("Open(Seal(%.20q)) = %.20q, %v", plain, got, err)
		}
	}
	if a, b := k.Seal("same"), k.Seal("same"); a == b {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	// Keys derived again from the same master open earlier ciphertexts (a restart).
	if got, err := testKeys(t, masterA).Open(k.Seal("persisted")); err != nil || got != "persisted" {
		t.Fatalf("re-derived keys: %q, %v", got, err)
	}
}

func TestOpenRejectsDamagedOrForeignCiphertext(t *testing.T) {
	k := testKeys(t, masterA)
	sealed := k.Seal("34010419800101123X")
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) string {
		b := bytes.Clone(raw)
		b[i] ^= 0x01
		return base64.StdEncoding.EncodeToString(b)
	}
	for name, bad := range map[string]string{
		"flipped nonce bit":      flip(0),
		"flipped ciphertext bit": flip(len(raw) / 2),
		"flipped tag bit":        flip(len(raw) - 1),
		"truncated":              base64.StdEncoding.EncodeToString(raw[:len(raw)-1]),
		"shorter than a nonce":   base64.StdEncoding.EncodeToString(raw[:5]),
		"not base64":             "%%%not-base64%%%",
		"empty":                  "",
		"another key's":          testKeys(t, masterB).Seal("34010419800101123X"),
	} {
		if got, err := k.Open(bad); !errors.Is(err, ErrOpen) || got != "" {
			t.Errorf("%s: Open = %q, %v; want ErrOpen", name, got, err)
		}
	}
}

func TestLookupIsAStableKeyedHash(t *testing.T) {
	a, a2, b := testKeys(t, masterA), testKeys(t, masterA), testKeys(t, masterB)
	h := a.Lookup("34010419800101123X")
	if len(h) != 64 {
		t.Fatalf("Lookup = %q, want 64 hex digits", h)
	}
	if _, err := hex.DecodeString(h); err != nil {
		t.Fatalf("Lookup is not hex: %v", err)
	}
	if a.Lookup("34010419800101123X") != h || a2.Lookup("34010419800101123X") != h {
		t.Fatal("Lookup of one value under one master key is not stable")
	}
	if a.Lookup("340104198001011230") == h {
		t.Fatal("two values share a lookup hash")
	}
	if b.Lookup("34010419800101123X") == h {
		t.Fatal("the lookup hash does not depend on the key")
	}
	plain := sha256.Sum256([]byte("34010419800101123X"))
	if h == hex.EncodeToString(plain[:]) {
		t.Fatal("the lookup hash is an unkeyed SHA-256: IDs could be found by brute force")
	}
	// Purpose separation: the audit MAC of the same bytes is a different key's.
	if a.AuditMAC([]byte("34010419800101123X")) == h {
		t.Fatal("AuditMAC and Lookup share a key")
	}
	if a.AuditMAC([]byte("entry")) != a2.AuditMAC([]byte("entry")) || a.AuditMAC([]byte("entry")) == b.AuditMAC([]byte("entry")) {
		t.Fatal("AuditMAC is not a stable keyed hash")
	}
}

func TestTokens(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok := Token(32)
		if len(tok) != 43 || seen[tok] {
			t.Fatalf("Token(32) = %q (len %d, repeated %v)", tok, len(tok), seen[tok])
		}
		seen[tok] = true
	}
	sum := sha256.Sum256([]byte("abc"))
	if HashToken("abc") != hex.EncodeToString(sum[:]) {
		t.Fatal("HashToken is not the hex SHA-256 of the token")
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	key, created, err := LoadOrCreateKeyFile(dir)
	if err != nil || !created || len(key) != 32 {
		t.Fatalf("first LoadOrCreateKeyFile = %d bytes, created %v, %v", len(key), created, err)
	}
	st, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("secret.key has mode %v, want 0600", st.Mode().Perm())
	}
	if dst, _ := os.Stat(dir); dst.Mode().Perm() != 0o700 {
		t.Fatalf("the data dir has mode %v, want 0700", dst.Mode().Perm())
	}
	again, created, err := LoadOrCreateKeyFile(dir)
	if err != nil || created || !bytes.Equal(again, key) {
		t.Fatalf("second LoadOrCreateKeyFile = created %v, same key %v, %v", created, bytes.Equal(again, key), err)
	}
	if _, err := Derive(key); err != nil {
		t.Fatalf("the generated key does not derive keys: %v", err)
	}
}

func TestLoadOrCreateKeyFileReadsAnOperatorsKey(t *testing.T) {
	dir := t.TempDir()
	want := bytes.Repeat([]byte{0xab}, 40)
	if err := os.WriteFile(filepath.Join(dir, "secret.key"), []byte(hex.EncodeToString(want)+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, created, err := LoadOrCreateKeyFile(dir)
	if err != nil || created || !bytes.Equal(got, want) {
		t.Fatalf("LoadOrCreateKeyFile = %x, created %v, %v", got, created, err)
	}
	for name, content := range map[string]string{"not hex": "this is not a key\n", "too short": hex.EncodeToString(want[:16])} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "secret.key"), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := LoadOrCreateKeyFile(dir); err == nil {
			t.Errorf("%s key file accepted", name)
		}
		// A bad key file is never overwritten: the encrypted fields depend on it.
		if b, _ := os.ReadFile(filepath.Join(dir, "secret.key")); string(b) != content {
			t.Errorf("%s key file was rewritten", name)
		}
	}
}

// The TURN secret is bound to its purpose and to the master key: the same
// master gives the same secret (hub and standalone SFU agree), another
// gives another, and it is not the room-token key.
func TestTURNSecret(t *testing.T) {
	a, b, other := testKeys(t, masterA), testKeys(t, masterA), testKeys(t, masterB)
	s := a.TURNSecret()
	if len(s) != 64 || s != b.TURNSecret() || s == other.TURNSecret() {
		t.Fatalf("TURN secrets %q, %q, %q: want 64 hex digits, equal for one master, different for another",
			s, b.TURNSecret(), other.TURNSecret())
	}
	if s == hex.EncodeToString(a.RoomTokenKey()) {
		t.Fatal("the TURN secret is the room-token key")
	}
}
