// Package patient is the minimal patient record every clinical feature builds
// on, and the patient's consents. Patient data is sensitive personal
// information (PIPL): this package validates it and never logs it. Pure
// domain code: it must never import an adapter or a database driver.
package patient

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/apperr"
)

// Sex as recorded on the patient's identity document.
type Sex string

// Sexes lists the accepted values.
var Sexes = []Sex{"male", "female", "unknown"}

// Patient is what the hub keeps of a person in care. The national ID is held
// only encrypted and as a keyed hash; MaskedNationalID is what the API shows.
type Patient struct {
	ID                string
	Name              string
	Sex               Sex
	BirthDate         string // YYYY-MM-DD
	Phone             string
	NationalID        string // clear text only on the way in; never read back
	MaskedNationalID  string
	HomeInstitutionID string
	SevereDisorder    bool   // registered in the severe mental disorder programme
	DiagnosisCode     string // ICD-10, e.g. F20.0; may be empty
	CreatedAt         time.Time
}

var (
	phoneRe = regexp.MustCompile(`^\+?[0-9][0-9 -]{5,19}$`)
	icdRe   = regexp.MustCompile(`^[A-Z][0-9]{2}(\.[0-9A-Z]{1,2})?$`)
)

// Validate checks and normalises the fields of a new patient.
func (p *Patient) Validate(now time.Time) error {
	p.Name = strings.TrimSpace(p.Name)
	p.Phone = strings.TrimSpace(p.Phone)
	p.NationalID = strings.ToUpper(strings.TrimSpace(p.NationalID))
	p.DiagnosisCode = strings.ToUpper(strings.TrimSpace(p.DiagnosisCode))
	switch {
	case p.Name == "":
		return apperr.InvalidField("name", "name is required")
	case len([]rune(p.Name)) > 64:
		return apperr.InvalidField("name", "name is longer than 64 characters")
	case !slices.Contains(Sexes, p.Sex):
		return apperr.InvalidField("sex", "sex must be male, female or unknown")
	}
	if err := alliance.ValidateDate("birthDate", p.BirthDate); err != nil {
		return err
	}
	if bd, _ := time.Parse(time.DateOnly, p.BirthDate); bd.After(now) || bd.Year() < 1900 {
		return apperr.InvalidField("birthDate", "birthDate must be between 1900 and today")
	}
	if p.Phone != "" && !phoneRe.MatchString(p.Phone) {
		return apperr.InvalidField("phone", "phone is not a telephone number")
	}
	if err := ValidateNationalID(p.NationalID); err != nil {
		return err
	}
	if p.DiagnosisCode != "" && !icdRe.MatchString(p.DiagnosisCode) {
		return apperr.InvalidField("diagnosisCode", "diagnosisCode must be an ICD-10 code such as F20.0")
	}
	return nil
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// ValidateNationalID checks an 18-character resident identity number
// (GB 11643): 17 digits and an ISO 7064 MOD 11-2 check character.
func ValidateNationalID(id string) error {
	if len(id) != 18 {
		return apperr.InvalidField("nationalId", "nationalId must have 18 characters")
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := id[i]
		if c < '0' || c > '9' {
			return apperr.InvalidField("nationalId", "nationalId must be 17 digits and a check character")
		}
		sum += int(c-'0') * idWeights[i]
	}
	if "10X98765432"[sum%11] != id[17] {
		return apperr.InvalidField("nationalId", "nationalId check character is wrong")
	}
	return nil
}

// NationalIDCheckChar returns the check character for 17 digits; the demo
// seed uses it to make valid identity numbers.
func NationalIDCheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return "10X98765432"[sum%11]
}

// MaskNationalID keeps the region prefix and the last four characters.
func MaskNationalID(id string) string {
	if len(id) < 10 {
		return strings.Repeat("*", len(id))
	}
	return id[:6] + strings.Repeat("*", len(id)-10) + id[len(id)-4:]
}
