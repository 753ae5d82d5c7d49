package sfubench

// The processes of a run: the SFU (`lianxin sfu`) or the floor (`lianxin
// bench sfu-floor`) as a child pinned to the first core, the benchmark's own
// clients pinned to the others, and the child's CPU time read from /proc.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat:
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// Pinning says where the child and the clients run.
type Pinning struct {
	Child   string // e.g. "taskset -c 0", or why not pinned
	Clients string // e.g. "CPU 1", or why not pinned
	cpu     int    // the child's core, -1 when not pinned
	taskset string // the taskset program when pinned
}

// pin pins this process's threads to every core but the first, and plans
// the child onto the first. Threads the runtime starts later inherit the
// mask of the thread that starts them. Without taskset or with one core
// nothing is pinned, and the report says so.
func pin() Pinning {
	n := runtime.NumCPU()
	taskset, err := exec.LookPath("taskset")
	switch {
	case n < 2:
		return Pinning{Child: "not pinned (1 CPU)", Clients: "not pinned (1 CPU)", cpu: -1}
	case err != nil:
		return Pinning{Child: "not pinned (no taskset)", Clients: "not pinned (no taskset)", cpu: -1}
	}
	var set unix.CPUSet
	var cpus []string
	for i := 1; i < n; i++ {
		set.Set(i)
		cpus = append(cpus, strconv.Itoa(i))
	}
	tasks, _ := os.ReadDir("/proc/self/task")
	pinned := 0
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err == nil && unix.SchedSetaffinity(tid, &set) == nil {
			pinned++
		}
	}
	clients := "CPU " + strings.Join(cpus, ",")
	if pinned == 0 {
		clients = "not pinned (sched_setaffinity failed)"
	}
	return Pinning{Child: taskset + " -c 0", Clients: clients, cpu: 0, taskset: taskset}
}

// child is a process started by the benchmark.
type child struct {
	cmd  *exec.Cmd
	log  *tailBuffer
	done chan struct{}
	err  error
}

// startChild runs exe with args (under taskset when pinned) and env added
// to this process's environment.
func startChild(exe string, args, env []string, p Pinning) (*child, error) {
	if p.cpu >= 0 {
		args = append([]string{"-c", strconv.Itoa(p.cpu), exe}, args...)
		exe = p.taskset
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), env...)
	c := &child{cmd: cmd, log: &tailBuffer{max: 16 << 10}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = c.log, c.log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { c.err = cmd.Wait(); close(c.done) }()
	return c, nil
}

// cpu returns the child's user+system CPU time so far, all threads.
func (c *child) cpu() (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(c.cmd.Process.Pid), "stat"))
	if err != nil {
		return 0, fmt.Errorf("child CPU time: %w", err)
	}
	// The command name (field 2) may contain spaces; fields after it are
	// plain. utime and stime are fields 14 and 15.
	rest := b[bytes.LastIndexByte(b, ')')+2:]
	f := strings.Fields(string(rest))
	if len(f) < 13 {
		return 0, errors.New("child CPU time: short /proc stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("child CPU time: unparseable /proc stat")
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// exited reports whether the child has ended, with its error and log.
func (c *child) exited() error {
	select {
	case <-c.done:
		return fmt.Errorf("child %s exited: %v; its last output:\n%s", filepath.Base(c.cmd.Path), c.err, c.log.String())
	default:
		return nil
	}
}

// stop interrupts the child and waits for it (killing it after 10 s).
func (c *child) stop() {
	_ = c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// freeAddr returns a loopback TCP address nobody listens on right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitHealthy polls the SFU's health check until it answers 200.
func waitHealthy(ctx context.Context, c *child, addr string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/rtc/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if err := c.exited(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the SFU at %s is not healthy after 30s: %v", addr, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond): // polling a child's startup; nothing to wait on
		}
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// loadAverage returns the 1-minute load average, or -1.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}
