package referral

import (
	"slices"
	"strings"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/apperr"
)

// Candidate is a member institution that could receive a referral, with its
// current load (referrals it has open: requested, accepted, scheduled or in
// progress).
type Candidate struct {
	Institution alliance.Institution `json:"institution"`
	OpenLoad    int                  `json:"openLoad"`
}

// Suggestion is a ranked candidate with the reasons for its place.
type Suggestion struct {
	Candidate
	Score   int      `json:"score"`
	Reasons []string `json:"reasons"` // machine words: subspecialty, level, region, province, load
}

// Suggest ranks candidates for a referral from sender in direction d that
// wants subSpecialty ("" for any): matched referral, as the SMHC alliance's
// principles ask. The score weighs, in order, the sub-specialty match, a level
// that fits the direction, the same prefecture or province as the sender, and
// a low open load. Candidates whose level does not fit d are left out, and so
// is the sender itself.
func Suggest(sender alliance.Institution, d Direction, subSpecialty string, cands []Candidate) []Suggestion {
	var out []Suggestion
	for _, c := range cands {
		in := c.Institution
		if in.ID == sender.ID || CheckLevels(d, sender.Level, in.Level) != nil {
			continue
		}
		s := Suggestion{Candidate: c}
		if subSpecialty != "" && slices.Contains(in.SubSpecialties, subSpecialty) {
			s.Score += 1000
			s.Reasons = append(s.Reasons, "subspecialty")
		}
		// Upward, the higher the better (the core hospital first); downward,
		// the nearest level below (a county hospital before a CHC only when
		// the patient needs a hospital — the doctor decides, the rank helps).
		if d == Up && in.Level == alliance.LevelTertiary {
			s.Score += 300
			s.Reasons = append(s.Reasons, "level")
		}
		switch {
		case len(in.RegionCode) >= 4 && len(sender.RegionCode) >= 4 && in.RegionCode[:4] == sender.RegionCode[:4]:
			s.Score += 200
			s.Reasons = append(s.Reasons, "region")
		case len(in.RegionCode) >= 2 && len(sender.RegionCode) >= 2 && in.RegionCode[:2] == sender.RegionCode[:2]:
			s.Score += 100
			s.Reasons = append(s.Reasons, "province")
		}
		load := min(c.OpenLoad, 99)
		s.Score += 99 - load
		if c.OpenLoad < 10 {
			s.Reasons = append(s.Reasons, "load")
		}
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(a, b Suggestion) int {
		if a.Score != b.Score {
			return b.Score - a.Score
		}
		return strings.Compare(a.Institution.Name, b.Institution.Name)
	})
	return out
}

// CheckLevels checks that direction d fits the levels of sender and
// receiver: up goes to a higher level, down to a lower one, lateral stays.
// Errors: invalid, on field direction.
func CheckLevels(d Direction, sender, receiver alliance.Level) error {
	s, r := sender.Rank(), receiver.Rank() // tertiary ranks 0
	ok := (d == Up && r < s) || (d == Down && r > s) || (d == Lateral && r == s)
	if !ok {
		return errDirection(d, sender, receiver)
	}
	return nil
}

func errDirection(d Direction, sender, receiver alliance.Level) error {
	return apperr.InvalidField("direction", "a %s referral cannot go from a %s institution to a %s one", d, sender, receiver)
}
