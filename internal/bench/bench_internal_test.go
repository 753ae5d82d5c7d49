package bench

import (
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/patient"
)

func TestNationalIDsAreValidAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range []int64{0, 1, 2, 999, 1000, 1001, 123_456, 199_999} {
		id, birth, sex := nationalID(n)
		if err := patient.ValidateNationalID(id); err != nil {
			t.Errorf("nationalID(%d) = %s: %v", n, id, err)
		}
		if seen[id] {
			t.Errorf("nationalID(%d) = %s again", n, id)
		}
		seen[id] = true
		if id[6:14] != birth[0:4]+birth[5:7]+birth[8:10] {
			t.Errorf("nationalID(%d) = %s does not encode its birth date %s", n, id, birth)
		}
		if odd := (id[16]-'0')%2 == 1; odd != (sex == "male") {
			t.Errorf("nationalID(%d) = %s, sex %s: GB 11643 gives odd sequence numbers to men", n, id, sex)
		}
	}
	if _, birth, _ := nationalID(maxPatients); birth > time.Now().Format(time.DateOnly) {
		t.Errorf("the last patient would be born on %s, in the future", birth)
	}
}

func TestParsePgbench(t *testing.T) {
	const out = `pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: reference.sql
scaling factor: 1
query mode: prepared
number of clients: 16
number of threads: 2
maximum number of tries: 1
duration: 5 s
number of transactions actually processed: 12021
number of failed transactions: 0 (0.000%)
latency average = 6.668 ms
initial connection time = 36.408 ms
tps = 2399.639246 (without initial connection time)
`
	var r ReferenceResult
	if err := parsePgbench(out, &r); err != nil {
		t.Fatal(err)
	}
	if r.TPS != 2399.639246 || r.Transactions != 12021 || r.Failed != 0 || r.Latency != 6668*time.Microsecond {
		t.Errorf("parsed %+v", r)
	}
	if err := parsePgbench("pgbench: error: connection refused\n", &r); err == nil {
		t.Error("a report without tps parsed")
	}
}

func TestSummarize(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	s := Summarize(ds)
	if s.N != 100 || s.P50 != 50*time.Millisecond || s.P99 != 99*time.Millisecond || s.Max != 100*time.Millisecond ||
		s.Mean != 50500*time.Microsecond {
		t.Errorf("Summarize(1…100 ms) = %+v", s)
	}
	if s := Summarize([]time.Duration{7}); s.P50 != 7 || s.P99 != 7 {
		t.Errorf("Summarize of one = %+v", s)
	}
	if s := Summarize(nil); s.N != 0 {
		t.Errorf("Summarize(nil) = %+v", s)
	}
}
