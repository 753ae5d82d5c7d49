// Package audit defines the hub's audit trail: one Entry for every read or
// write of patient data and every permission-relevant action, chained by a
// keyed hash so that an edited, removed or reordered entry is detected.
// Entries are written in the transaction of the action they record and
// chained afterwards, in commit order, by a single sealer, so writers never
// wait on each other for the chain. Pure domain code: no adapter imports.
package audit

import (
	"encoding/binary"
	"fmt"
	"time"
)

// Action names what was done. Kept as constants so that a typo cannot make a
// new, unsearchable action.
type Action string

const (
	LoginOK          Action = "auth.login"
	LoginFailed      Action = "auth.login_failed"
	LoginLocked      Action = "auth.locked"
	Logout           Action = "auth.logout"
	PasswordChanged  Action = "auth.password_changed"
	PasswordReset    Action = "user.password_reset"
	UserCreated      Action = "user.create"
	UserUpdated      Action = "user.update"
	ProfileUpdated   Action = "user.profile_update"
	InstCreated      Action = "institution.create"
	InstUpdated      Action = "institution.update"
	MemberAdded      Action = "membership.create"
	MemberUpdated    Action = "membership.update"
	MemberRemoved    Action = "membership.delete"
	AuditRead        Action = "audit.read"
	PatientCreated   Action = "patient.create"
	PatientRead      Action = "patient.read"
	PatientSearched  Action = "patient.search"
	ConsentCreated   Action = "consent.create"
	ConsentsRead     Action = "consent.list"
	ConsentFormSaved Action = "consent.form_upload"
	ConsentFormRead  Action = "consent.form_download"
)

// Entry is one audit record. Seq, PrevHash and Hash are set by the sealer.
type Entry struct {
	ID            string
	At            time.Time // microsecond precision, UTC
	UserID        string
	Username      string
	InstitutionID string
	Action        Action
	PatientID     string
	TargetType    string
	TargetID      string
	IP            string
	RequestID     string
	Detail        string // never patient data: ids, field names, counts
	Seq           *int64
	PrevHash      string
	Hash          string
}

// Canonical is the byte string the chain MAC covers: every field of the
// entry, length-prefixed so that no two entries share an encoding.
func (e *Entry) Canonical(seq int64, prevHash string) []byte {
	var b []byte
	b = binary.BigEndian.AppendUint64(b, uint64(seq))
	for _, f := range []string{
		prevHash, e.ID, e.At.UTC().Format(time.RFC3339Nano), e.UserID, e.Username, e.InstitutionID,
		string(e.Action), e.PatientID, e.TargetType, e.TargetID, e.IP, e.RequestID, e.Detail,
	} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

// MAC is the chain function (a keyed hash); secret.Keys.AuditMAC satisfies it.
type MAC func([]byte) string

// Genesis is the PrevHash of the first entry in the chain.
const Genesis = "genesis"

// Problem is one break found by Verify.
type Problem struct {
	Seq    int64
	ID     string
	Reason string
}

func (p Problem) String() string { return fmt.Sprintf("seq %d (id %s): %s", p.Seq, p.ID, p.Reason) }

// Verifier checks sealed entries in sequence order, one at a time, so that a
// chain of millions of entries is verified in constant memory.
type Verifier struct {
	mac      MAC
	next     int64
	prevHash string
	Problems []Problem
	Checked  int64
}

// NewVerifier starts at the genesis of the chain.
func NewVerifier(mac MAC) *Verifier { return &Verifier{mac: mac, next: 1, prevHash: Genesis} }

// Add checks the next entry; entries must come in ascending Seq.
func (v *Verifier) Add(e *Entry) {
	v.Checked++
	seq := *e.Seq
	if seq != v.next {
		v.Problems = append(v.Problems, Problem{seq, e.ID, fmt.Sprintf("sequence gap: expected %d (entries removed)", v.next)})
	}
	if e.PrevHash != v.prevHash {
		v.Problems = append(v.Problems, Problem{seq, e.ID, "previous hash does not match the entry before it"})
	}
	if got := v.mac(e.Canonical(seq, e.PrevHash)); got != e.Hash {
		v.Problems = append(v.Problems, Problem{seq, e.ID, "content does not match its hash (entry edited)"})
	}
	v.next = seq + 1
	v.prevHash = e.Hash
}
