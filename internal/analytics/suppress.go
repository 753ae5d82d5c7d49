package analytics

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/lianxin-hub/lianxin/internal/apperr"
)

// DefaultMinCell is the smallest count shown as a number: counts from 1 to
// DefaultMinCell-1 are shown as "<5", so that no patient can be singled out
// from an aggregate. Alliances may raise or lower it (MinCellRange).
const DefaultMinCell = 5

// MinCellRange bounds an alliance's threshold.
const (
	MinMinCell = 2
	MaxMinCell = 100
)

// ValidateMinCell checks a configured threshold. Errors: invalid.
func ValidateMinCell(n int) error {
	if n < MinMinCell || n > MaxMinCell {
		return apperr.InvalidField("minCellSize", "minCellSize must be between %d and %d", MinMinCell, MaxMinCell)
	}
	return nil
}

// SuppressedRate is what a rate, ratio or delay derived from a hidden count
// shows instead of its value.
const SuppressedRate = "suppressed"

// Count is a count as the dashboard shows it: the number, or "<5" when it
// is small enough to single a patient out. N is kept for the server's own
// arithmetic and never marshalled when hidden.
type Count struct {
	N      int64
	Hidden bool
	Under  int // the threshold of the "<N" label
}

// MarshalJSON writes the number, or the string "<N".
func (c Count) MarshalJSON() ([]byte, error) {
	if c.Hidden {
		return json.Marshal("<" + strconv.Itoa(c.Under))
	}
	return strconv.AppendInt(nil, c.N, 10), nil
}

// Value is a derived figure (a rate, ratio or delay): a number, null when it
// cannot be computed (nothing to divide by, nothing measured), or
// "suppressed" when it would reveal a hidden count.
type Value struct {
	V          float64
	NA         bool
	Suppressed bool
}

// MarshalJSON writes the number (four significant decimals), null or "suppressed".
func (v Value) MarshalJSON() ([]byte, error) {
	switch {
	case v.Suppressed:
		return json.Marshal(SuppressedRate)
	case v.NA:
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, math.Round(v.V*10000)/10000, 'f', -1, 64), nil
}

// Float returns the value and whether it is a shown number.
func (v Value) Float() (float64, bool) { return v.V, !v.NA && !v.Suppressed }

// Suppressor applies the small-cell rule with a threshold.
type Suppressor struct{ MinCell int }

// small reports whether n must be hidden.
func (s Suppressor) small(n int64) bool { return n > 0 && n < int64(s.MinCell) }

// Count shows n, hiding it when it is 1..MinCell-1.
func (s Suppressor) Count(n int64) Count {
	return Count{N: n, Hidden: s.small(n), Under: s.MinCell}
}

// Rate is num/den as a fraction. It is null when den is 0, and suppressed
// when num, den or den-num (the complement a reader could work out) is a
// hidden count.
func (s Suppressor) Rate(num, den int64) Value {
	if den == 0 {
		return Value{NA: true}
	}
	if s.small(num) || s.small(den) || s.small(den-num) {
		return Value{Suppressed: true}
	}
	return Value{V: float64(num) / float64(den)}
}

// Ratio is a/b (the up:down ratio): null when b is 0, suppressed when either
// count is hidden.
func (s Suppressor) Ratio(a, b int64) Value {
	if b == 0 {
		return Value{NA: true}
	}
	if s.small(a) || s.small(b) {
		return Value{Suppressed: true}
	}
	return Value{V: float64(a) / float64(b)}
}

// Hours is the q-quantile of h in hours: null when h is empty, suppressed
// when h counts fewer delays than the threshold (a median of three delays is
// one patient's delay).
func (s Suppressor) Hours(h Histogram, q float64) Value {
	secs, ok := h.Quantile(q)
	if !ok {
		return Value{NA: true}
	}
	if s.small(h.N()) {
		return Value{Suppressed: true}
	}
	return Value{V: hours(secs)}
}

// Mean is sum/n: null when n is 0, suppressed when n is hidden.
func (s Suppressor) Mean(sum float64, n int64) Value {
	if n == 0 {
		return Value{NA: true}
	}
	if s.small(n) {
		return Value{Suppressed: true}
	}
	return Value{V: sum / float64(n)}
}

// Group shows counts that are published together with their total (the
// total's parts by direction, say). Beyond each count's own rule, when
// exactly one part is hidden the smallest other non-zero part is hidden too,
// so the hidden one cannot be worked out as total minus the shown parts.
func (s Suppressor) Group(parts []int64) []Count {
	out := make([]Count, len(parts))
	hidden, smallest := 0, -1
	for i, n := range parts {
		out[i] = s.Count(n)
		if out[i].Hidden {
			hidden++
		} else if n > 0 && (smallest < 0 || n < parts[smallest]) {
			smallest = i
		}
	}
	if hidden == 1 && smallest >= 0 {
		out[smallest].Hidden = true
	}
	return out
}
