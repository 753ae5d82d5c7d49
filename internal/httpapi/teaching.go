package httpapi

import (
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/rounds"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/teaching"
)

// lectureView is a lecture or case conference as the caller sees it: the
// patient only when the caller's institution may see who it is.
type lectureView struct {
	teaching.Session
	Presenter            personRef       `json:"presenter"`
	PresenterInstitution institutionView `json:"presenterInstitution"`
	Patient              *patientName    `json:"patient"`
	Registered           bool            `json:"registered"`
	RegistrationCount    int             `json:"registrationCount"`
	RecordingCount       int             `json:"recordingCount"`
	CanManage            bool            `json:"canManage"`
}

func (s *Server) viewLectures(c echo.Context, items []store.LectureItem) ([]lectureView, error) {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.Session.PresenterInstitutionID
	}
	ins, err := s.institutionsOf(c, ids)
	if err != nil {
		return nil, err
	}
	who := whoOfActor(actorOf(c))
	out := make([]lectureView, len(items))
	for i, it := range items {
		l := it.Session
		v := lectureView{Session: l, Presenter: s.personOf(c, l.PresenterUserID),
			PresenterInstitution: viewInstitution(ins[l.PresenterInstitutionID]), Registered: it.Registered,
			RegistrationCount: it.Registrations, RecordingCount: it.Recordings, CanManage: l.CanManage(who)}
		if l.PatientID != "" {
			v.Patient = &patientName{ID: l.PatientID, Name: it.PatientName}
		}
		out[i] = v
	}
	return out, nil
}

func (s *Server) answerLecture(c echo.Context, status int, it store.LectureItem) error {
	vs, err := s.viewLectures(c, []store.LectureItem{it})
	if err != nil {
		return err
	}
	return c.JSON(status, vs[0])
}

// lectureDay reads a YYYY-MM-DD query parameter as Beijing midnight.
func lectureDay(c echo.Context, name string) (time.Time, error) {
	v := c.QueryParam(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, v, rounds.Shanghai)
	if err != nil {
		return t, apperr.InvalidField(name, "%s must be a date YYYY-MM-DD", name)
	}
	return t, nil
}

func (s *Server) listLectures(c echo.Context) error {
	var f store.LectureFilter
	var err error
	if f.From, err = lectureDay(c, "from"); err != nil {
		return err
	}
	if f.To, err = lectureDay(c, "to"); err != nil {
		return err
	}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // to is inclusive
		if !f.From.IsZero() && f.To.Before(f.From) {
			return apperr.InvalidField("to", "to is before from")
		}
	}
	if k := teaching.Kind(c.QueryParam("kind")); k != "" {
		if !slices.Contains(teaching.Kinds, k) {
			return apperr.InvalidField("kind", "kind must be lecture or case_conference")
		}
		f.Kind = k
	}
	switch c.QueryParam("recorded") {
	case "", "false":
	case "true":
		f.Recorded = true
	default:
		return apperr.InvalidField("recorded", "recorded must be true or false")
	}
	items, err := s.store.ListLectures(c.Request().Context(), f)
	if err != nil {
		return err
	}
	vs, err := s.viewLectures(c, items)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(vs))
}

func (s *Server) createLecture(c echo.Context) error {
	var q teaching.Request
	if err := bind(c, &q); err != nil {
		return err
	}
	it, err := s.store.CreateLecture(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return s.answerLecture(c, http.StatusCreated, it)
}

func (s *Server) getLecture(c echo.Context) error {
	it, err := s.store.GetLecture(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return s.answerLecture(c, http.StatusOK, it)
}

func (s *Server) patchLecture(c echo.Context) error {
	var p teaching.Patch
	if err := bind(c, &p); err != nil {
		return err
	}
	it, err := s.store.UpdateLecture(c.Request().Context(), c.Param("id"), p)
	if err != nil {
		return err
	}
	return s.answerLecture(c, http.StatusOK, it)
}

// registerForLecture answers 201 for a new registration and 200 when the
// caller was registered already.
func (s *Server) registerForLecture(c echo.Context) error {
	created, err := s.store.RegisterForLecture(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return s.getLectureAs(c, status)
}

func (s *Server) unregisterFromLecture(c echo.Context) error {
	if err := s.store.UnregisterFromLecture(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return s.getLectureAs(c, http.StatusOK)
}

func (s *Server) getLectureAs(c echo.Context, status int) error {
	it, err := s.store.GetLecture(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return s.answerLecture(c, status, it)
}

func (s *Server) checkInLecture(c echo.Context) error {
	var in teaching.CheckIn
	if err := bind(c, &in); err != nil {
		return err
	}
	m, err := s.store.CheckInLecture(c.Request().Context(), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewMyAttendance(m))
}

func (s *Server) listLectureRecordings(c echo.Context) error {
	rs, err := s.store.ListLectureRecordings(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(rs))
}

func (s *Server) addLectureRecording(c echo.Context) error {
	var q teaching.RecordingRequest
	if err := bind(c, &q); err != nil {
		return err
	}
	r, err := s.store.AddLectureRecording(c.Request().Context(), c.Param("id"), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}
