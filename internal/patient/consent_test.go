package patient

import (
	"testing"
	"time"
)

// A consent signed today in China is not in the future, though from 00:00
// to 08:00 in China the UTC date is still yesterday; tomorrow in China is.
func TestConsentSignedOnIsAChinaDate(t *testing.T) {
	valid := Consent{PatientID: "p", Scope: ScopeReferral, SignedBy: "patient", SignerName: "吴静"}
	for _, tc := range []struct {
		now      string // UTC
		signedOn string
		ok       bool
	}{
		{"2026-11-25T16:30:00Z", "2026-11-26", true},  // 00:30 on the 26th in China
		{"2026-11-25T16:30:00Z", "2026-11-25", true},  // yesterday in China
		{"2026-11-25T16:30:00Z", "2026-11-27", false}, // tomorrow in China
		{"2026-11-25T15:30:00Z", "2026-11-26", false}, // 23:30 on the 25th in China
		{"2026-11-25T15:30:00Z", "2026-11-25", true},
	} {
		now, err := time.Parse(time.RFC3339, tc.now)
		if err != nil {
			t.Fatal(err)
		}
		c := valid
		c.SignedOn = tc.signedOn
		if err := c.Validate(now); (err == nil) != tc.ok {
			t.Errorf("at %s, signed on %s: Validate = %v, want ok %v", tc.now, tc.signedOn, err, tc.ok)
		}
	}
}
