package audit

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"
)

func testMAC(key string) MAC {
	return func(b []byte) string {
		m := hmac.New(sha256.New, []byte(key))
		m.Write(b)
		return hex.EncodeToString(m.Sum(nil))
	}
}

// sealed builds a valid chain of n entries, as the sealer would.
func sealed(mac MAC, n int) []Entry {
	at := time.Date(2025, 3, 1, 9, 0, 0, 123456000, time.UTC)
	prev := Genesis
	out := make([]Entry, n)
	for i := range out {
		seq := int64(i + 1)
		e := Entry{ID: fmt.Sprintf("id-%02d", seq), At: at.Add(time.Duration(i) * time.Second), UserID: "u1", Username: "wang",
			InstitutionID: "i1", Action: PatientRead, PatientID: "p1", TargetType: "patient", TargetID: "p1",
			IP: "192.0.2.1", RequestID: fmt.Sprintf("r%d", i), Detail: "", Seq: &seq, PrevHash: prev}
		e.Hash = mac(e.Canonical(seq, prev))
		prev = e.Hash
		out[i] = e
	}
	return out
}

func verify(mac MAC, es []Entry) *Verifier {
	v := NewVerifier(mac)
	for i := range es {
		v.Add(&es[i])
	}
	return v
}

// problems renders a verifier's findings as "seq: reason" for comparison.
func problems(v *Verifier) []string {
	var out []string
	for _, p := range v.Problems {
		out = append(out, fmt.Sprintf("%d: %s", p.Seq, p.Reason))
	}
	return out
}

func wantProblems(t *testing.T, v *Verifier, want ...string) {
	t.Helper()
	got := problems(v)
	if len(got) != len(want) {
		t.Fatalf("problems %q, want %q", got, want)
	}
	for i, w := range want {
		seq, reason, _ := strings.Cut(w, ": ")
		if !strings.HasPrefix(got[i], seq+": ") || !strings.Contains(got[i], reason) {
			t.Errorf("problem %d = %q, want %q", i, got[i], w)
		}
	}
}

func TestVerifierAcceptsAnIntactChain(t *testing.T) {
	mac := testMAC("k")
	v := verify(mac, sealed(mac, 10))
	if len(v.Problems) != 0 || v.Checked != 10 {
		t.Fatalf("intact chain: checked %d, problems %q", v.Checked, problems(v))
	}
	if v := verify(mac, nil); len(v.Problems) != 0 || v.Checked != 0 {
		t.Fatal("an empty chain is not clean")
	}
}

func TestVerifierDetectsABrokenPrevHash(t *testing.T) {
	mac := testMAC("k")
	es := sealed(mac, 5)
	// The attacker relinks entry 3 to a made-up predecessor and even re-MACs
	// it with the key: the link to entry 2 is still broken.
	seq := *es[2].Seq
	es[2].PrevHash = strings.Repeat("0", 64)
	es[2].Hash = mac(es[2].Canonical(seq, es[2].PrevHash))
	wantProblems(t, verify(mac, es), "3: previous hash", "4: previous hash")
}

func TestVerifierDetectsAWrongHash(t *testing.T) {
	mac := testMAC("k")
	es := sealed(mac, 5)
	es[1].Hash = strings.Repeat("f", 64)
	wantProblems(t, verify(mac, es), "2: entry edited", "3: previous hash")
}

func TestVerifierDetectsEditedContent(t *testing.T) {
	mac := testMAC("k")
	for name, edit := range map[string]func(e *Entry){
		"user":        func(e *Entry) { e.UserID = "u2" },
		"username":    func(e *Entry) { e.Username = "li" },
		"institution": func(e *Entry) { e.InstitutionID = "i2" },
		"action":      func(e *Entry) { e.Action = PatientCreated },
		"patient":     func(e *Entry) { e.PatientID = "p2" },
		"target type": func(e *Entry) { e.TargetType = "consent" },
		"target":      func(e *Entry) { e.TargetID = "c1" },
		"ip":          func(e *Entry) { e.IP = "198.51.100.1" },
		"request":     func(e *Entry) { e.RequestID = "forged" },
		"detail":      func(e *Entry) { e.Detail = "nothing happened" },
		"time":        func(e *Entry) { e.At = e.At.Add(time.Microsecond) },
		"id":          func(e *Entry) { e.ID = "id-99" },
	} {
		t.Run(name, func(t *testing.T) {
			es := sealed(mac, 4)
			edit(&es[2])
			wantProblems(t, verify(mac, es), "3: entry edited")
		})
	}
}

func TestVerifierDetectsAGapInSeq(t *testing.T) {
	mac := testMAC("k")
	es := sealed(mac, 6)
	removed := append(es[:2:2], es[3:]...)
	wantProblems(t, verify(mac, removed), "4: sequence gap: expected 3", "4: previous hash")

	// The first entries removed: the chain must start at 1 from the genesis.
	wantProblems(t, verify(mac, sealed(mac, 6)[2:]), "3: sequence gap: expected 1", "3: previous hash")
}

func TestVerifierNeedsTheKey(t *testing.T) {
	es := sealed(testMAC("the hub's key"), 3)
	v := verify(testMAC("an attacker's key"), es)
	wantProblems(t, v, "1: entry edited", "2: entry edited", "3: entry edited")
}

// Fields are length-prefixed, so moving text from one field to the next
// changes the canonical bytes and no two entries share an encoding.
func TestCanonicalIsUnambiguous(t *testing.T) {
	a := Entry{ID: "x", Username: "ab", InstitutionID: "c", At: time.Unix(0, 0)}
	b := Entry{ID: "x", Username: "a", InstitutionID: "bc", At: time.Unix(0, 0)}
	if bytes.Equal(a.Canonical(1, Genesis), b.Canonical(1, Genesis)) {
		t.Fatal("shifting text between fields leaves the canonical form unchanged")
	}
	if bytes.Equal(a.Canonical(1, Genesis), a.Canonical(2, Genesis)) || bytes.Equal(a.Canonical(1, Genesis), a.Canonical(1, "h")) {
		t.Fatal("seq or previous hash is not covered")
	}
	// The time is covered in UTC: the same instant in another zone is the same entry.
	c := a
	c.At = a.At.In(time.FixedZone("CST", 8*3600))
	if !bytes.Equal(a.Canonical(1, Genesis), c.Canonical(1, Genesis)) {
		t.Fatal("the canonical form depends on the time zone")
	}
}

func TestProblemString(t *testing.T) {
	p := Problem{Seq: 7, ID: "abc", Reason: "content does not match its hash (entry edited)"}
	if got := p.String(); got != "seq 7 (id abc): content does not match its hash (entry edited)" {
		t.Fatalf("String = %q", got)
	}
}
