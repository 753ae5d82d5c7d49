package httpapi

import (
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/consult"
	"github.com/lianxin-hub/lianxin/internal/schedule"
	"github.com/lianxin-hub/lianxin/internal/store"
)

// videoView is a booked video consultation with what the caller may do.
type videoView struct {
	consult.Video
	AllowedActions []consult.VideoAction `json:"allowedActions"`
	Attendance     []store.Attendance    `json:"attendance"`
	DurationSecs   int64                 `json:"durationSeconds"`
}

func (s *Server) viewVideo(c echo.Context, v consult.Video) (videoView, error) {
	a, _ := auth.ActorFrom(c.Request().Context())
	out := videoView{Video: v, AllowedActions: []consult.VideoAction{}}
	if v.Status == consult.Booked {
		for _, act := range consult.VideoActions {
			if consult.AuthorizeVideo(&v, act, whoOfActor(a)) == nil {
				out.AllowedActions = append(out.AllowedActions, act)
			}
		}
	}
	att, dur, err := s.store.RoomAttendance(c.Request().Context(), v.RoomID)
	if err != nil {
		return out, err
	}
	if att == nil {
		att = []store.Attendance{}
	}
	out.Attendance, out.DurationSecs = att, dur
	return out, nil
}

func (s *Server) bookVideo(c echo.Context) error {
	var b consult.Booking
	if err := bind(c, &b); err != nil {
		return err
	}
	v, err := s.store.BookVideo(c.Request().Context(), b)
	if err != nil {
		return err
	}
	out, err := s.viewVideo(c, v)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) getVideo(c echo.Context) error {
	v, err := s.store.GetVideo(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	out, err := s.viewVideo(c, v)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// window reads ?from=&to= (RFC 3339 or YYYY-MM-DD, China time) with a
// default of the next 14 days.
func window(c echo.Context, now time.Time) (time.Time, time.Time, error) {
	parse := func(field, v string, def time.Time) (time.Time, error) {
		if v == "" {
			return def, nil
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t.UTC(), nil
		}
		if t, err := time.ParseInLocation(time.DateOnly, v, schedule.Zone); err == nil {
			return t.UTC(), nil
		}
		return time.Time{}, apperr.InvalidField(field, "%s must be a date YYYY-MM-DD or an RFC 3339 time", field)
	}
	from, err := parse("from", c.QueryParam("from"), now)
	if err != nil {
		return from, from, err
	}
	to, err := parse("to", c.QueryParam("to"), from.Add(14*24*time.Hour))
	return from, to, err
}

func (s *Server) listVideos(c echo.Context) error {
	from, to, err := window(c, s.store.Now().Add(-24*time.Hour))
	if err != nil {
		return err
	}
	vs, err := s.store.ListVideos(c.Request().Context(), from, to, c.QueryParam("specialistId"))
	if err != nil {
		return err
	}
	if vs == nil {
		vs = []consult.Video{}
	}
	return c.JSON(http.StatusOK, listOf(vs))
}

func (s *Server) actOnVideo(c echo.Context) error {
	action := consult.VideoAction(c.Param("action"))
	if !slices.Contains(consult.VideoActions, action) {
		return apperr.NotFoundf("no such action %q", action)
	}
	var in consult.VideoInput
	if err := bind(c, &in); err != nil {
		return err
	}
	v, err := s.store.ActOnVideo(c.Request().Context(), c.Param("id"), action, in)
	if err != nil {
		return err
	}
	out, err := s.viewVideo(c, v)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) getAvailability(c echo.Context) error {
	ts, xs, err := s.store.Availability(c.Request().Context(), c.Param("userId"))
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []schedule.Template{}
	}
	if xs == nil {
		xs = []schedule.Exception{}
	}
	return c.JSON(http.StatusOK, map[string]any{"templates": ts, "exceptions": xs})
}

func (s *Server) addTemplate(c echo.Context) error {
	var t schedule.Template
	if err := bind(c, &t); err != nil {
		return err
	}
	t.UserID = c.Param("userId")
	t, err := s.store.AddTemplate(c.Request().Context(), t)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, t)
}

func (s *Server) addException(c echo.Context) error {
	var x schedule.Exception
	if err := bind(c, &x); err != nil {
		return err
	}
	x.UserID = c.Param("userId")
	x, err := s.store.AddException(c.Request().Context(), x)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, x)
}

func (s *Server) deleteAvailability(c echo.Context) error {
	if err := s.store.DeleteAvailability(c.Request().Context(), c.Param("userId"), c.Param("entryId")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) freeSlots(c echo.Context) error {
	from, to, err := window(c, s.store.Now())
	if err != nil {
		return err
	}
	slots, err := s.store.FreeSlots(c.Request().Context(), c.Param("userId"), from, to)
	if err != nil {
		return err
	}
	if slots == nil {
		slots = []schedule.Slot{}
	}
	return c.JSON(http.StatusOK, listOf(slots))
}
