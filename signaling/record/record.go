// Package record writes a room's published tracks to disk as they are
// forwarded: Opus into Ogg, VP8 into IVF, one file per track, with a
// manifest.json per recording that lists each file's size and SHA-256. It
// also lists and prunes recordings for the hub (retention).
//
// Layout: <root>/<room dir>/<recording id>/{manifest.json, NN-<track>.ogg|ivf},
// directories 0700 and files 0600. RoomDir maps a room id to its directory.
//
// It knows RTP and files, not rooms, roles or signaling. It must never
// import the signaling package nor anything under internal/.
package record

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/ivfwriter"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"
)

// ManifestName is the manifest's file name inside a recording directory.
const ManifestName = "manifest.json"

// Permissions: recordings are sensitive personal information (PIPL), so
// only the server's own user may read them.
const (
	dirPerm  = 0o700
	filePerm = 0o600
)

// queueLen bounds the packets waiting for the disk per track (about 4 s of
// VP8 at a consultation's bitrate). Beyond it packets are dropped and
// counted rather than slowing the forwarding hot path.
const queueLen = 1024

// ErrClosed is returned by AddTrack after Close.
var ErrClosed = errors.New("record: recording is closed")

// Manifest describes one recording. EndedAt is nil while it is running (or
// if the server stopped without finishing it).
type Manifest struct {
	Room        string      `json:"room"`
	RecordingID string      `json:"recordingId"`
	StartedAt   time.Time   `json:"startedAt"`
	EndedAt     *time.Time  `json:"endedAt,omitempty"`
	Tracks      []TrackFile `json:"tracks"`
}

// TrackFile is one track's file in a Manifest. Bytes and SHA256 are set when
// the track has finished; Packets counts RTP packets with media written to
// the file (for VP8, several may make one frame),
// Dropped those lost to a full disk queue or a gap that never filled.
type TrackFile struct {
	TrackID   string     `json:"trackId"`
	SessionID string     `json:"sessionId"`
	UserID    string     `json:"userId"`
	Kind      string     `json:"kind"`   // audio or video
	Source    string     `json:"source"` // mic, camera, screen
	Codec     string     `json:"codec"`  // MIME type, e.g. audio/opus
	File      string     `json:"file"`   // name inside the recording directory
	Bytes     int64      `json:"bytes"`
	SHA256    string     `json:"sha256"`
	Packets   uint64     `json:"packets"`
	Dropped   uint64     `json:"dropped"`
	StartedAt time.Time  `json:"startedAt"`
	EndedAt   *time.Time `json:"endedAt,omitempty"`
}

// TrackMeta describes a track to record.
type TrackMeta struct {
	TrackID, SessionID, UserID string
	Kind, Source               string
	Codec                      webrtc.RTPCodecCapability
}

// Recording is one recording of one room. It is safe for concurrent use.
type Recording struct {
	dir string
	now func() time.Time
	log *slog.Logger

	mu     sync.Mutex
	m      Manifest
	tracks []*Track // in manifest order; nil once finished
	closed bool
}

var safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// RoomDir is the directory under root holding room's recordings: the room id
// itself when it is a safe file name, otherwise "x-" and its SHA-256, so no
// room id can point outside root.
func RoomDir(root, room string) string {
	if safeName.MatchString(room) && !strings.Contains(room, "..") {
		return filepath.Join(root, room)
	}
	sum := sha256.Sum256([]byte(room))
	return filepath.Join(root, "x-"+hex.EncodeToString(sum[:16]))
}

// Start creates a new recording directory for room under root and writes
// its first manifest. now may be nil (time.Now). Errors: the directory or
// manifest cannot be written.
func Start(root, room string, now func() time.Time, log *slog.Logger) (*Recording, error) {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	t := now().UTC()
	id := t.Format("20060102T150405Z") + "-" + strings.ToLower(rand.Text()[:6])
	dir := filepath.Join(RoomDir(root, room), id)
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	r := &Recording{dir: dir, now: now, log: log.With("recording", id),
		m: Manifest{Room: room, RecordingID: id, StartedAt: t, Tracks: []TrackFile{}}}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.writeManifestLocked(); err != nil {
		return nil, err
	}
	return r, nil
}

// ID is the recording's id (its directory name).
func (r *Recording) ID() string { return r.m.RecordingID }

// Dir is the recording's directory.
func (r *Recording) Dir() string { return r.dir }

// Manifest returns a copy of the manifest as it stands.
func (r *Recording) Manifest() Manifest {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.m
	m.Tracks = append([]TrackFile(nil), r.m.Tracks...)
	return m
}

// AddTrack opens a file for a track and returns the Track to feed it
// (forward.Up.AddSink). Errors: ErrClosed; an unsupported codec (only Opus
// and VP8 are recorded); the file cannot be created.
func (r *Recording) AddTrack(meta TrackMeta) (*Track, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	var ext string
	switch {
	case strings.EqualFold(meta.Codec.MimeType, webrtc.MimeTypeOpus):
		ext = ".ogg"
	case strings.EqualFold(meta.Codec.MimeType, webrtc.MimeTypeVP8):
		ext = ".ivf"
	default:
		return nil, fmt.Errorf("record: codec %s is not recorded", meta.Codec.MimeType)
	}
	idx := len(r.m.Tracks)
	name := fmt.Sprintf("%02d-%s%s", idx+1, fileSafe(meta.TrackID), ext)
	path := filepath.Join(r.dir, name)
	w, err := openWriter(path, ext, meta.Codec)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	t := &Track{rec: r, idx: idx, path: path, w: w, q: make(chan *rtp.Packet, queueLen), done: make(chan struct{})}
	r.m.Tracks = append(r.m.Tracks, TrackFile{TrackID: meta.TrackID, SessionID: meta.SessionID, UserID: meta.UserID,
		Kind: meta.Kind, Source: meta.Source, Codec: meta.Codec.MimeType, File: name, StartedAt: r.now().UTC()})
	r.tracks = append(r.tracks, t)
	if err := r.writeManifestLocked(); err != nil {
		r.log.Warn("manifest", "err", err)
	}
	go t.run()
	return t, nil
}

// Close finishes every track still open, stamps the end and writes the final
// manifest. It is idempotent; the error is the first file or manifest error.
func (r *Recording) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	open := append([]*Track(nil), r.tracks...)
	r.mu.Unlock()
	var errs []error
	for _, t := range open {
		if t != nil {
			errs = append(errs, t.Finish())
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	end := r.now().UTC()
	r.m.EndedAt = &end
	errs = append(errs, r.writeManifestLocked())
	return errors.Join(errs...)
}

// writeManifestLocked replaces manifest.json atomically (write, sync,
// rename), so a reader never sees half of one.
func (r *Recording) writeManifestLocked() error {
	data, err := json.MarshalIndent(r.m, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(r.dir, ".manifest-*")
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	_, err = tmp.Write(append(data, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil { // CreateTemp already makes it 0600
		err = os.Rename(tmp.Name(), filepath.Join(r.dir, ManifestName))
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("record: manifest: %w", err)
	}
	return nil
}

func fileSafe(s string) string {
	var b strings.Builder
	for _, c := range s {
		if b.Len() >= 48 {
			break
		}
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

type rtpWriter interface {
	WriteRTP(*rtp.Packet) error
	Close() error
}

// openWriter creates path 0600 first, because the Pion writers' New uses
// os.Create (0666 before umask) and would keep an existing file's mode.
// Going through New rather than NewWith lets them finish the file on Close
// (IVF frame count, Ogg end-of-stream flag) by seeking back.
func openWriter(path, ext string, codec webrtc.RTPCodecCapability) (rtpWriter, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	if ext == ".ogg" {
		rate, ch := codec.ClockRate, codec.Channels
		if rate == 0 {
			rate = 48000
		}
		if ch == 0 {
			ch = 2
		}
		return oggwriter.New(path, rate, ch)
	}
	return ivfwriter.New(path, ivfwriter.WithCodec(webrtc.MimeTypeVP8))
}

// Track is one track being written. WriteRTP is its forward.Sink side; it
// never blocks. Finish ends it.
type Track struct {
	rec  *Recording
	idx  int
	path string
	w    rtpWriter
	q    chan *rtp.Packet
	done chan struct{}

	mu       sync.Mutex
	finished bool
	queueOut uint64 // dropped because the queue was full; guarded by mu

	finish    sync.Once
	finishErr error

	// Owned by run.
	packets, gaps uint64
	werr          error
}

// WriteRTP queues a copy of p for the disk, or counts it as dropped when the
// disk is behind. Calls after Finish are ignored.
func (t *Track) WriteRTP(p *rtp.Packet) {
	c := p.Clone()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.finished {
		return
	}
	select {
	case t.q <- c:
	default:
		t.queueOut++
	}
}

func (t *Track) run() {
	defer close(t.done)
	var ro reorder
	emit := func(p *rtp.Packet) {
		if t.werr != nil {
			return
		}
		if err := t.w.WriteRTP(p); err != nil {
			t.werr = err
			return
		}
		if len(p.Payload) > 0 { // the writers skip empty (keepalive) packets
			t.packets++
		}
	}
	for p := range t.q {
		t.gaps += ro.push(p, emit)
	}
	ro.flush(emit)
}

// Finish stops accepting packets, writes what is queued, closes the file,
// hashes it and records the result in the manifest. Concurrent and later
// calls wait for the first to complete and return its error.
func (t *Track) Finish() error {
	t.finish.Do(func() { t.finishErr = t.doFinish() })
	return t.finishErr
}

func (t *Track) doFinish() error {
	t.mu.Lock()
	t.finished = true
	close(t.q)
	dropped := t.queueOut
	t.mu.Unlock()
	<-t.done
	errs := []error{t.werr, t.w.Close()}
	size, sum, err := hashFile(t.path)
	errs = append(errs, err)

	r := t.rec
	r.mu.Lock()
	defer r.mu.Unlock()
	end := r.now().UTC()
	e := &r.m.Tracks[t.idx]
	e.Bytes, e.SHA256, e.Packets, e.Dropped, e.EndedAt = size, sum, t.packets, dropped+t.gaps, &end
	r.tracks[t.idx] = nil
	errs = append(errs, r.writeManifestLocked())
	return errors.Join(errs...)
}

func hashFile(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return n, hex.EncodeToString(h.Sum(nil)), err
}
