package patient

import (
	"slices"
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/apperr"
)

// Scope is what a consent allows. Each clinical feature asks for its own
// scope: PIPL wants separate consent per purpose.
type Scope string

const (
	ScopeReferral    Scope = "referral"
	ScopeTeleconsult Scope = "teleconsult"
	ScopeFollowUp    Scope = "follow_up"
	ScopeRecording   Scope = "recording"
)

// Scopes lists every scope.
var Scopes = []Scope{ScopeReferral, ScopeTeleconsult, ScopeFollowUp, ScopeRecording}

// Consent is a signed, written informed consent.
type Consent struct {
	ID             string
	PatientID      string
	Scope          Scope
	SignedBy       string // "patient" or "guardian"
	SignerName     string
	SignerRelation string // required for a guardian, e.g. 母亲 / mother
	SignedOn       string // YYYY-MM-DD
	HasForm        bool
	CreatedAt      time.Time
}

// Form limits for the scanned consent form.
const MaxFormBytes = 10 << 20

// FormTypes are the accepted scanned-form content types, checked by sniffing.
var FormTypes = []string{"application/pdf", "image/jpeg", "image/png"}

// Validate checks a new consent.
func (c *Consent) Validate(now time.Time) error {
	c.SignerName = strings.TrimSpace(c.SignerName)
	c.SignerRelation = strings.TrimSpace(c.SignerRelation)
	if !slices.Contains(Scopes, c.Scope) {
		return apperr.InvalidField("scope", "scope must be one of referral, teleconsult, follow_up, recording")
	}
	switch c.SignedBy {
	case "patient":
	case "guardian":
		if c.SignerRelation == "" {
			return apperr.InvalidField("signerRelation", "signerRelation is required when a guardian signs")
		}
	default:
		return apperr.InvalidField("signedBy", "signedBy must be patient or guardian")
	}
	if c.SignerName == "" {
		return apperr.InvalidField("signerName", "signerName is required")
	}
	if len([]rune(c.SignerName)) > 64 || len([]rune(c.SignerRelation)) > 32 {
		return apperr.InvalidField("signerName", "signer name or relation is too long")
	}
	if err := alliance.ValidateDate("signedOn", c.SignedOn); err != nil {
		return err
	}
	if c.SignedOn > alliance.Today(now) { // YYYY-MM-DD compares as text
		return apperr.InvalidField("signedOn", "signedOn cannot be in the future")
	}
	return nil
}
