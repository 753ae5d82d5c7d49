// Package bench measures the hub's referral closed loop over HTTP against
// PostgreSQL, and this machine's ceiling for the same work with pgbench and
// a reference script of the bare SQL of one transition; `lianxin bench
// referrals` wires it to an in-process hub and prints the report. It speaks
// to the hub only through its public API (and reads the database to check
// the run). Nothing of the hub may import it.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/referral"
)

// Call is one kind of request of the closed loop.
type Call int

// The calls of one loop, in order.
const (
	CallCreate Call = iota
	CallAccept
	CallSchedule
	CallArrive
	CallComplete
	numCalls
)

var callNames = [numCalls]string{"create", "accept", "schedule", "arrive", "complete"}

func (c Call) String() string { return callNames[c] }

// TransitionsPerLoop is what one loop counts for in transitions per second:
// the create and the four actions each change the referral's state and write
// it with its timeline event, audit entry and outbox event in one
// transaction, as a reference transaction does.
const TransitionsPerLoop = 5

// The demo accounts the loop runs as (internal/demo; password demo.Password).
const (
	senderUser   = "chc-doctor"
	receiverUser = "specialist"
	demoPassword = "lianxin-demo"
)

// Driver runs the referral closed loop against one hub with a number of
// concurrent clients. Login must succeed before anything else; after that
// its methods may be called in turn (not concurrently).
type Driver struct {
	base    string
	clients int
	http    *http.Client

	sender, receiver string // bearer tokens
	receiverInstID   string // the core hospital, where the specialist works

	mu       sync.Mutex
	patients []string // ids of patients with a referral consent
	serial   atomic.Int64
	next     atomic.Int64 // next patient to refer
}

// NewDriver returns a driver for the hub at baseURL with the given number
// of concurrent clients, each on its own keep-alive connection.
func NewDriver(baseURL string, clients int) *Driver {
	if clients < 1 {
		clients = 1
	}
	tr := &http.Transport{MaxIdleConns: 4 * clients, MaxIdleConnsPerHost: 4 * clients, IdleConnTimeout: time.Minute,
		DisableCompression: true}
	return &Driver{base: baseURL, clients: clients, http: &http.Client{Transport: tr, Timeout: time.Minute}}
}

// Close releases the driver's idle connections.
func (d *Driver) Close() { d.http.CloseIdleConnections() }

// CallError is a hub answer the loop did not expect.
type CallError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *CallError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.Status, e.Body)
}

// do sends one JSON request with a bearer token and decodes the answer into
// out when it has the wanted status.
func (d *Driver) do(ctx context.Context, token, method, path string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, d.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := d.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode != want {
		if len(data) > 500 {
			data = data[:500]
		}
		return &CallError{Method: method, Path: path, Status: resp.StatusCode, Body: string(data)}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

// Login logs in as the sending doctor and the receiving specialist and
// finds the receiver: the core hospital among the suggestions for an
// upward referral (the specialist's institution).
func (d *Driver) Login(ctx context.Context) error {
	type login struct {
		Token string `json:"token"`
		User  struct {
			InstitutionID string `json:"institutionId"`
		} `json:"user"`
	}
	var snd, rcv login
	if err := d.do(ctx, "", "POST", "/api/v1/auth/login", map[string]string{"username": senderUser, "password": demoPassword},
		http.StatusOK, &snd); err != nil {
		return fmt.Errorf("log in as %s (is the demo alliance seeded?): %w", senderUser, err)
	}
	if err := d.do(ctx, "", "POST", "/api/v1/auth/login", map[string]string{"username": receiverUser, "password": demoPassword},
		http.StatusOK, &rcv); err != nil {
		return fmt.Errorf("log in as %s: %w", receiverUser, err)
	}
	d.sender, d.receiver = snd.Token, rcv.Token
	var sug struct {
		Items []struct {
			Institution struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"institution"`
		} `json:"items"`
	}
	if err := d.do(ctx, d.sender, "GET", "/api/v1/referrals/suggestions?direction=up", nil, http.StatusOK, &sug); err != nil {
		return err
	}
	for _, s := range sug.Items {
		if s.Institution.ID == rcv.User.InstitutionID {
			d.receiverInstID = s.Institution.ID
			return nil
		}
	}
	return fmt.Errorf("the core hospital (%s's institution) is not among the %d suggestions for an upward referral",
		receiverUser, len(sug.Items))
}

// nationalID returns the n-th valid, distinct 18-character resident
// identity number (GB 11643) of the run and the birth date and sex it
// encodes: a Hefei region code, a birth date from 1940 on (a thousand
// numbers per day), a sequence number whose parity gives the sex, and the
// check character.
func nationalID(n int64) (id, birth string, sex patient.Sex) {
	day := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(n/1000))
	seq := n % 1000
	first := fmt.Sprintf("340104%s%03d", day.Format("20060102"), seq)
	sex = "female"
	if seq%2 == 1 {
		sex = "male"
	}
	return first + string(patient.NationalIDCheckChar(first)), day.Format(time.DateOnly), sex
}

// AddPatients registers n more patients at the sender's institution, each
// with a signed consent of scope referral, using the driver's clients in
// parallel. It is set-up, not measured.
func (d *Driver) AddPatients(ctx context.Context, n int) error {
	d.mu.Lock()
	if d.next.Load() > int64(len(d.patients)) { // a run went round: hand out the new ones first
		d.next.Store(int64(len(d.patients)))
	}
	d.mu.Unlock()
	var todo atomic.Int64
	todo.Store(int64(n))
	today := time.Now().Format(time.DateOnly)
	return d.parallel(ctx, func(ctx context.Context, _ int) error {
		for todo.Add(-1) >= 0 {
			n := d.serial.Add(1)
			id, birth, sex := nationalID(n)
			var p struct {
				ID string `json:"id"`
			}
			err := d.do(ctx, d.sender, "POST", "/api/v1/patients", map[string]any{
				"name": fmt.Sprintf("压测患者%06d", n), "sex": sex, "birthDate": birth, "nationalId": id,
				"severeDisorder": true, "diagnosisCode": "F20.0"}, http.StatusCreated, &p)
			if err != nil {
				return fmt.Errorf("register a patient: %w", err)
			}
			err = d.do(ctx, d.sender, "POST", "/api/v1/patients/"+p.ID+"/consents", map[string]any{
				"scope": patient.ScopeReferral, "signedBy": "patient", "signerName": "压测患者", "signedOn": today},
				http.StatusCreated, nil)
			if err != nil {
				return fmt.Errorf("record a referral consent: %w", err)
			}
			d.mu.Lock()
			d.patients = append(d.patients, p.ID)
			d.mu.Unlock()
		}
		return nil
	})
}

// Patients reports how many patients are registered and how many loops have
// taken one.
func (d *Driver) Patients() (registered, used int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.patients), int(d.next.Load())
}

// patient returns the next patient to refer; when every registered patient
// has been referred it starts again (a second referral of the same patient
// is allowed) and reports the reuse.
func (d *Driver) patient() (id string, reused bool) {
	n := d.next.Add(1) - 1
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.patients[n%int64(len(d.patients))], n >= int64(len(d.patients))
}

// parallel runs fn on every client at once and returns the first error,
// cancelling the others.
func (d *Driver) parallel(ctx context.Context, fn func(ctx context.Context, client int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, d.clients)
	for i := range d.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx, i); err != nil {
				errs[i] = err
				cancel()
			}
		}()
	}
	wg.Wait()
	// The first real error, not the cancellations it caused.
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	return errors.Join(errs...)
}

// Plan says how long a run lasts: Loops loops in all when it is positive,
// otherwise until Duration has passed (loops already started finish).
type Plan struct {
	Duration time.Duration
	Loops    int
}

// Result is what a run measured.
type Result struct {
	Loops     int           // closed loops completed
	Elapsed   time.Duration // from the first request to the last answer
	Latencies [numCalls][]time.Duration
	Referrals []string // the referral of each loop
	Reused    int      // loops that referred an already referred patient
	Clients   int
}

// Run drives the closed loop with every client at once according to plan:
// per loop, the sender creates an upward fast-track referral to the core
// hospital and the specialist accepts, schedules, admits (arrive) and
// completes it with an outcome. Every answer must have the expected status
// and state; the first that does not stops the run and is returned.
func (d *Driver) Run(ctx context.Context, plan Plan) (*Result, error) {
	if d.sender == "" {
		return nil, errors.New("bench: Login first")
	}
	if r, _ := d.Patients(); r == 0 {
		return nil, errors.New("bench: AddPatients first")
	}
	type local struct {
		lat    [numCalls][]time.Duration
		ids    []string
		reused int
	}
	locals := make([]local, d.clients)
	var claimed atomic.Int64
	start := time.Now()
	deadline := start.Add(plan.Duration)
	err := d.parallel(ctx, func(ctx context.Context, i int) error {
		l := &locals[i]
		for {
			if plan.Loops > 0 {
				if claimed.Add(1) > int64(plan.Loops) {
					return nil
				}
			} else if !time.Now().Before(deadline) {
				return nil
			}
			id, reused, err := d.loop(ctx, &l.lat)
			if err != nil {
				return err
			}
			l.ids = append(l.ids, id)
			if reused {
				l.reused++
			}
		}
	})
	res := &Result{Elapsed: time.Since(start), Clients: d.clients}
	for i := range locals {
		for c := range numCalls {
			res.Latencies[c] = append(res.Latencies[c], locals[i].lat[c]...)
		}
		res.Referrals = append(res.Referrals, locals[i].ids...)
		res.Reused += locals[i].reused
	}
	res.Loops = len(res.Referrals)
	return res, err
}

// referralAnswer is what the loop reads of a referral in an answer.
type referralAnswer struct {
	ID      string          `json:"id"`
	Version int             `json:"version"`
	Status  referral.Status `json:"status"`
}

// step is one action of the loop after the create.
type step struct {
	call   Call
	action referral.Action
	want   referral.Status
	input  func(version int) referral.Input
}

var steps = []step{
	{CallAccept, referral.Accept, referral.Accepted, func(v int) referral.Input { return referral.Input{Version: v} }},
	{CallSchedule, referral.Schedule, referral.Scheduled, func(v int) referral.Input {
		at := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Minute)
		return referral.Input{Version: v, At: &at, Place: "门诊楼三楼 精神科快速通道诊室"}
	}},
	{CallArrive, referral.Arrive, referral.InProgress, func(v int) referral.Input { return referral.Input{Version: v} }},
	{CallComplete, referral.Complete, referral.Completed, func(v int) referral.Input {
		return referral.Input{Version: v, Outcome: &referral.Outcome{
			Summary:   "住院治疗两周，幻听消失，自知力部分恢复，病情稳定。",
			Diagnoses: []string{"F20.0"},
			Plan:      "利培酮 4 mg/日维持；社区每两周随访一次，监测体重与血糖。"}}
	}},
}

// loop runs one closed loop and records each call's latency.
func (d *Driver) loop(ctx context.Context, lat *[numCalls][]time.Duration) (string, bool, error) {
	pid, reused := d.patient()
	req := referral.Request{PatientID: pid, Direction: referral.Up, Urgency: referral.FastTrack,
		ReceiverInstitutionID: d.receiverInstID, Clinical: referral.Clinical{
			Reason:     "精神分裂症急性发作，社区处理困难，申请快速通道上转。",
			Summary:    "男性，32岁，近一周凭空闻语、被害妄想，拒食拒药，夜间冲动毁物。",
			Diagnoses:  []string{"F20.0"},
			RiskGrade:  4,
			Unstable:   true,
			Medication: "利培酮 2 mg/日（自行停药两周）",
		}}
	var r referralAnswer
	t := time.Now()
	if err := d.do(ctx, d.sender, "POST", "/api/v1/referrals", req, http.StatusCreated, &r); err != nil {
		return "", false, err
	}
	lat[CallCreate] = append(lat[CallCreate], time.Since(t))
	if r.Status != referral.Requested || r.ID == "" {
		return "", false, fmt.Errorf("create: got referral %q in status %q, want requested", r.ID, r.Status)
	}
	for _, s := range steps {
		path := "/api/v1/referrals/" + url.PathEscape(r.ID) + "/actions/" + string(s.action)
		var next referralAnswer
		t := time.Now()
		if err := d.do(ctx, d.receiver, "POST", path, s.input(r.Version), http.StatusOK, &next); err != nil {
			return "", false, err
		}
		lat[s.call] = append(lat[s.call], time.Since(t))
		if next.Status != s.want || next.Version != r.Version+1 {
			return "", false, fmt.Errorf("%s: referral %s is %s v%d, want %s v%d", s.action, r.ID, next.Status, next.Version,
				s.want, r.Version+1)
		}
		r = next
	}
	return r.ID, reused, nil
}
