package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/signaling/record"
)

// recordingView is one recording of a room as the SFU's manifest describes
// it; files are named, not served (a download is a later slice).
type recordingView struct {
	ID        string               `json:"id"`
	StartedAt time.Time            `json:"startedAt"`
	EndedAt   *time.Time           `json:"endedAt"`
	Tracks    []recordingTrackView `json:"tracks"`
}

type recordingTrackView struct {
	TrackID   string     `json:"trackId"`
	UserID    string     `json:"userId"`
	Kind      string     `json:"kind"`
	Source    string     `json:"source"`
	Codec     string     `json:"codec"`
	File      string     `json:"file"`
	Bytes     int64      `json:"bytes"`
	SHA256    string     `json:"sha256"`
	StartedAt time.Time  `json:"startedAt"`
	EndedAt   *time.Time `json:"endedAt"`
}

// listRoomRecordings lists the recordings the SFU made of a room, newest
// first, to those who may see the room; the read is audited.
func (s *Server) listRoomRecordings(c echo.Context) error {
	if s.recordingDir == "" {
		return apperr.Errorf(apperr.Conflict, "recording is not enabled on this hub")
	}
	roomID := c.Param("id")
	var ms []record.Manifest
	err := s.store.ReadRoomRecordings(c.Request().Context(), roomID, func() (int, error) {
		var err error
		ms, err = record.List(s.recordingDir, roomID)
		return len(ms), err
	})
	if err != nil {
		return err
	}
	out := make([]recordingView, len(ms))
	for i, m := range ms {
		v := recordingView{ID: m.RecordingID, StartedAt: m.StartedAt, EndedAt: m.EndedAt, Tracks: make([]recordingTrackView, len(m.Tracks))}
		for j, t := range m.Tracks {
			v.Tracks[j] = recordingTrackView{TrackID: t.TrackID, UserID: t.UserID, Kind: t.Kind, Source: t.Source,
				Codec: t.Codec, File: t.File, Bytes: t.Bytes, SHA256: t.SHA256, StartedAt: t.StartedAt, EndedAt: t.EndedAt}
		}
		out[i] = v
	}
	return c.JSON(http.StatusOK, out)
}
