package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// List reads the manifests of room's recordings under root, newest first. A
// room with no recordings gives an empty list, not an error; a recording
// directory without a readable manifest is skipped.
func List(root, room string) ([]Manifest, error) {
	dir := RoomDir(root, room)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []Manifest{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	out := []Manifest{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		m, err := readManifest(filepath.Join(dir, e.Name()))
		if err != nil || m.Room != room {
			continue
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Manifest) int { return b.StartedAt.Compare(a.StartedAt) })
	return out, nil
}

func readManifest(dir string) (Manifest, error) {
	var m Manifest
	data, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return m, err
	}
	err = json.Unmarshal(data, &m)
	return m, err
}

// Pruned names one recording Prune deleted.
type Pruned struct {
	Room, RecordingID string
	EndedAt           time.Time
}

// Prune deletes every recording under root that ended before cutoff (for a
// retention of three years: cutoff = now - 3 years). A recording's end is
// its manifest's EndedAt, else its StartedAt (a recording the server never
// finished), else, without a readable manifest, its directory's mtime. Room
// directories left empty are removed. It returns what it deleted, and the
// errors it met on the way (it carries on past them).
func Prune(root string, cutoff time.Time) ([]Pruned, error) {
	rooms, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	var out []Pruned
	var errs []error
	for _, rd := range rooms {
		if !rd.IsDir() {
			continue
		}
		roomDir := filepath.Join(root, rd.Name())
		recs, err := os.ReadDir(roomDir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		left := len(recs)
		for _, e := range recs {
			if !e.IsDir() {
				continue
			}
			dir := filepath.Join(roomDir, e.Name())
			p := Pruned{Room: rd.Name(), RecordingID: e.Name()}
			if m, err := readManifest(dir); err == nil {
				p.Room, p.EndedAt = m.Room, m.StartedAt
				if m.EndedAt != nil {
					p.EndedAt = *m.EndedAt
				}
			} else if info, err := e.Info(); err == nil {
				p.EndedAt = info.ModTime()
			} else {
				errs = append(errs, err)
				continue
			}
			if !p.EndedAt.Before(cutoff) {
				continue
			}
			if err := os.RemoveAll(dir); err != nil {
				errs = append(errs, err)
				continue
			}
			left--
			out = append(out, p)
		}
		if left == 0 {
			_ = os.Remove(roomDir) // fails harmlessly if something appeared meanwhile
		}
	}
	return out, errors.Join(errs...)
}
