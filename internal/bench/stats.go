package bench

import (
	"slices"
	"time"
)

// Summary describes a set of latencies.
type Summary struct {
	N             int
	P50, P99, Max time.Duration
	Mean          time.Duration
}

// Summarize computes the nearest-rank percentiles of ds (which it sorts).
func Summarize(ds []time.Duration) Summary {
	if len(ds) == 0 {
		return Summary{}
	}
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return Summary{N: len(ds), P50: percentile(ds, 0.50), P99: percentile(ds, 0.99), Max: ds[len(ds)-1],
		Mean: sum / time.Duration(len(ds))}
}

// percentile of sorted ds by nearest rank: the smallest value with at least
// p of the values at or below it.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(float64(len(sorted))*p+0.999999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// PerCall summarizes the latencies of each call, and of all calls together.
func (r *Result) PerCall() (calls [numCalls]Summary, all Summary) {
	var every []time.Duration
	for c := range numCalls {
		calls[c] = Summarize(slices.Clone(r.Latencies[c]))
		every = append(every, r.Latencies[c]...)
	}
	return calls, Summarize(every)
}
