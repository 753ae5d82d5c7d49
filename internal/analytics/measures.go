package analytics

import (
	"fmt"
	"math"
	"time"

	"github.com/lianxin-hub/lianxin/internal/referral"
)

// Counts are the referral measures of one rollup cell. Each is a number of
// transitions of the cell's day, not of referrals: a referral returned and
// resubmitted counts once in Returned and once in Resubmitted.
type Counts struct {
	Created     int64 // referrals made (drafts and redirect successors included)
	Submitted   int64 // first submissions: created as requested, or a draft submitted
	Resubmitted int64 // a returned referral revised and submitted again
	Accepted    int64
	Returned    int64 // returned to the sender with advice
	Redirected  int64
	Cancelled   int64 // submitted referrals cancelled (a discarded draft is not counted)
	Failed      int64 // no-shows: the patient did not arrive
	Scheduled   int64 // first appointment booked
	Admitted    int64 // the patient arrived
	Completed   int64
	FTMet       int64 // fast track admitted within both clocks
	FTMissed    int64 // fast track admitted late, or closed unadmitted after the admit clock ran out
	FUOnTime    int64 // downward referral completed with its first follow-up on time
	FULate      int64 // … and late
}

// CountColumns names the Counts fields as rollup columns, in field order.
var CountColumns = []string{"created", "submitted", "resubmitted", "accepted", "returned", "redirected", "cancelled",
	"failed", "scheduled", "admitted", "completed", "ft_met", "ft_missed", "fu_on_time", "fu_late"}

// Fields returns pointers to the fields in CountColumns order, for scanning.
func (c *Counts) Fields() []*int64 {
	return []*int64{&c.Created, &c.Submitted, &c.Resubmitted, &c.Accepted, &c.Returned, &c.Redirected, &c.Cancelled,
		&c.Failed, &c.Scheduled, &c.Admitted, &c.Completed, &c.FTMet, &c.FTMissed, &c.FUOnTime, &c.FULate}
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	dst, src := c.Fields(), o.Fields()
	for i := range dst {
		*dst[i] += *src[i]
	}
}

// IsZero reports whether every count is zero.
func (c Counts) IsZero() bool { return c == Counts{} }

// Triaged is the receiver's decisions: accepted, returned or redirected.
func (c Counts) Triaged() int64 { return c.Accepted + c.Returned + c.Redirected }

// TimeKind names a measured delay of a referral.
type TimeKind string

const (
	ToAccept   TimeKind = "accept"   // submission → acceptance
	ToSchedule TimeKind = "schedule" // submission → first appointment booked
	ToAdmit    TimeKind = "admit"    // submission → arrival (admission)
)

// TimeKinds lists the delays.
var TimeKinds = []TimeKind{ToAccept, ToSchedule, ToAdmit}

// Timing is one measured delay, in whole seconds.
type Timing struct {
	Kind    TimeKind
	Seconds int64
}

// Seconds is the delay from a to b in whole seconds, each instant first
// truncated to its second (as SQL's epoch of a timestamp is in the rebuild,
// so a live rollup and a rebuild agree to the second).
func Seconds(a, b time.Time) int64 { return b.Unix() - a.Unix() }

// Tally is how one referral transition counts: ev is the event, r the
// referral after it. The rebuild's SQL (store) classifies raw events by the
// same rules; a test holds the two together.
func Tally(r *referral.Referral, ev referral.Event) (c Counts, times []Timing) {
	since := func(k TimeKind) {
		if r.SubmittedAt != nil {
			times = append(times, Timing{k, Seconds(*r.SubmittedAt, ev.At)})
		}
	}
	fast := r.Urgency == referral.FastTrack
	missedOnClose := func() {
		if fast && ev.From != referral.Returned && ev.From != referral.Draft && r.ArrivedAt == nil &&
			r.AdmitDueAt != nil && ev.At.After(*r.AdmitDueAt) {
			c.FTMissed = 1
		}
	}
	switch ev.Action {
	case referral.Create:
		c.Created = 1
		if ev.To == referral.Requested {
			c.Submitted = 1
		}
	case referral.Submit:
		if ev.From == referral.Draft {
			c.Submitted = 1
		} else {
			c.Resubmitted = 1
		}
	case referral.Accept:
		c.Accepted = 1
		since(ToAccept)
	case referral.Return:
		c.Returned = 1
	case referral.Redirect:
		c.Redirected = 1
		missedOnClose()
	case referral.Cancel:
		if ev.From != referral.Draft { // a draft thrown away was never a referral to cancel
			c.Cancelled = 1
		}
		missedOnClose()
	case referral.Fail:
		c.Failed = 1
		missedOnClose()
	case referral.Schedule:
		if ev.From == referral.Accepted { // the first booking; later ones move it
			c.Scheduled = 1
			since(ToSchedule)
		}
	case referral.Arrive:
		c.Admitted = 1
		since(ToAdmit)
		if fast {
			acceptOK := r.AcceptDueAt == nil || (r.AcceptedAt != nil && !r.AcceptedAt.After(*r.AcceptDueAt))
			admitOK := r.AdmitDueAt == nil || (r.ArrivedAt != nil && !r.ArrivedAt.After(*r.AdmitDueAt))
			if acceptOK && admitOK {
				c.FTMet = 1
			} else {
				c.FTMissed = 1
			}
		}
	case referral.Complete:
		c.Completed = 1
		if r.Direction == referral.Down && r.FollowUp != nil {
			if r.FollowUp.OnTime {
				c.FUOnTime = 1
			} else {
				c.FULate = 1
			}
		}
	}
	return c, times
}

// BucketEdges are the lower bounds, in minutes, of the delay histogram's
// buckets: roughly logarithmic from five minutes to ninety days. The last
// bucket is open-ended.
var BucketEdges = []int64{0, 5, 10, 15, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 1080, 1440, 2160, 2880,
	4320, 5760, 7200, 10080, 14400, 20160, 30240, 43200, 64800, 86400, 129600}

// NumBuckets is the number of histogram buckets.
var NumBuckets = len(BucketEdges)

// BucketColumns name the buckets as rollup columns: b00, b01, …
var BucketColumns = func() []string {
	out := make([]string, len(BucketEdges))
	for i := range out {
		out[i] = fmt.Sprintf("b%02d", i)
	}
	return out
}()

// Bucket returns the histogram bucket of a delay of secs seconds.
func Bucket(secs int64) int {
	if secs < 0 {
		secs = 0
	}
	for i := len(BucketEdges) - 1; i > 0; i-- {
		if secs >= BucketEdges[i]*60 {
			return i
		}
	}
	return 0
}

// Histogram counts delays per bucket.
type Histogram []int64

// NewHistogram returns an empty histogram.
func NewHistogram() Histogram { return make(Histogram, NumBuckets) }

// N is the number of delays counted.
func (h Histogram) N() int64 {
	var n int64
	for _, c := range h {
		n += c
	}
	return n
}

// Quantile estimates the q-quantile (0 < q < 1) in seconds by linear
// interpolation inside the bucket that holds it; in the open last bucket it
// answers the bucket's lower bound. ok is false for an empty histogram.
func (h Histogram) Quantile(q float64) (secs float64, ok bool) {
	n := h.N()
	if n == 0 {
		return 0, false
	}
	target := q * float64(n)
	var cum float64
	for i, c := range h {
		if c == 0 {
			continue
		}
		if cum+float64(c) >= target {
			lo := float64(BucketEdges[i] * 60)
			if i == len(h)-1 {
				return lo, true
			}
			hi := float64(BucketEdges[i+1] * 60)
			return lo + (target-cum)/float64(c)*(hi-lo), true
		}
		cum += float64(c)
	}
	return float64(BucketEdges[len(BucketEdges)-1] * 60), true
}

// hours rounds seconds to hours with one decimal.
func hours(secs float64) float64 { return math.Round(secs/360) / 10 }
