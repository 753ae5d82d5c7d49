package signaling

// Recording: when a room token carries Record and Options.RecordingDir is
// set, the room is recorded from then until it empties. Each published
// track gets a record.Track attached to its forward.Up as a sink (so
// nothing is added to the hot path of rooms that do not record), the files
// land under RecordingDir/<room>/<recording id>/, and the manifest is
// finalised when the room empties, which Close also brings about.
//
// Locking: the *Locked functions run under room.mu (and, for recordLocked,
// Server.mu); they only open files. Finishing a track (drain, close, hash)
// happens after the locks are released.

import (
	"log/slog"

	"github.com/lianxin-hub/lianxin/signaling/forward"
	"github.com/lianxin-hub/lianxin/signaling/record"
)

type roomRecording struct {
	rec    *record.Recording
	tracks map[string]recordedTrack // by track id
}

type recordedTrack struct {
	up *forward.Up
	w  *record.Track
}

// recordLocked starts recording r, and every track it already has, unless
// it is recording already or the server has no RecordingDir.
func (s *Server) recordLocked(r *room, log *slog.Logger) {
	if s.recordingDir == "" || r.rec != nil {
		return
	}
	rec, err := record.Start(s.recordingDir, r.id, s.now, s.log)
	if err != nil {
		log.Error("cannot start recording", "err", err)
		return
	}
	log.Info("recording started", "recording", rec.ID(), "dir", rec.Dir())
	r.rec = &roomRecording{rec: rec, tracks: map[string]recordedTrack{}}
	for _, t := range r.sortedTracks() {
		r.recordTrackLocked(t)
	}
}

// recordTrackLocked attaches a recorder to t when r is recording.
func (r *room) recordTrackLocked(t *roomTrack) {
	if r.rec == nil {
		return
	}
	w, err := r.rec.rec.AddTrack(record.TrackMeta{TrackID: t.info.TrackID, SessionID: t.info.SessionID,
		UserID: t.info.UserID, Kind: string(t.info.Kind), Source: string(t.info.Source), Codec: t.codec})
	if err != nil {
		t.owner.log.Error("cannot record track", "track", t.info.TrackID, "err", err)
		return
	}
	// The best layer present when recording starts: with simulcast, the
	// first to arrive is usually the top one (see README "Recording").
	ups := t.ups()
	if len(ups) == 0 {
		finishTrack(w, t.owner.log)
		return
	}
	up := ups[len(ups)-1]
	if !up.AddSink(w) {
		finishTrack(w, t.owner.log)
		return
	}
	r.rec.tracks[t.info.TrackID] = recordedTrack{up: up, w: w}
	// A recording must start on a keyframe; the IVF writer skips to one.
	go up.RequestKeyframe()
}

// unrecordLocked detaches the recorder of trackID, returning it for
// finishTrack; nil when it was not recorded.
func (r *room) unrecordLocked(trackID string) *record.Track {
	if r.rec == nil {
		return nil
	}
	rt, ok := r.rec.tracks[trackID]
	if !ok {
		return nil
	}
	delete(r.rec.tracks, trackID)
	rt.up.RemoveSink(rt.w)
	return rt.w
}

// takeRecordingLocked ends r's recording, detaching every recorder; the
// caller finalises it with closeRecording once the locks are released.
func (r *room) takeRecordingLocked() *record.Recording {
	if r.rec == nil {
		return nil
	}
	for _, rt := range r.rec.tracks {
		rt.up.RemoveSink(rt.w)
	}
	rec := r.rec.rec
	r.rec = nil
	return rec
}

// finishTrack completes a track's file in the background; closeRecording
// waits for it.
func finishTrack(w *record.Track, log *slog.Logger) {
	if w == nil {
		return
	}
	go func() {
		if err := w.Finish(); err != nil {
			log.Error("recording track", "err", err)
		}
	}()
}

// closeRecording finishes every track, writes the final manifest and tells
// OnRecording (even after file errors: the manifest says what there is).
func (s *Server) closeRecording(rec *record.Recording, log *slog.Logger) {
	if rec == nil {
		return
	}
	if err := rec.Close(); err != nil {
		log.Error("recording finished with errors", "recording", rec.ID(), "err", err)
	} else {
		log.Info("recording finished", "recording", rec.ID(), "dir", rec.Dir())
	}
	if s.onRecording != nil {
		s.onRecording(rec.Manifest())
	}
}
