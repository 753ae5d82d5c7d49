package httpapi

import (
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/rounds"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/teaching"
)

// roundsTeachingRoutes registers the ward-round and teaching routes on the
// authenticated JSON group. Rounds and their cases are clinical work
// (PermReferrals); lectures may be browsed by anyone with directory access
// and are scheduled, attended and recorded by clinicians.
func (s *Server) roundsTeachingRoutes(j *echo.Group) {
	j.GET("/rounds", s.listRounds, need(auth.PermReferrals))
	j.POST("/rounds", s.createRound, need(auth.PermReferrals))
	j.GET("/rounds/tasks", s.listRoundTasks, need(auth.PermReferrals))
	j.PATCH("/rounds/tasks/:id", s.patchRoundTask, need(auth.PermReferrals))
	j.GET("/rounds/occurrences/:id", s.getRoundOccurrence, need(auth.PermReferrals))
	j.POST("/rounds/occurrences/:id/actions/:action", s.actOnRoundOccurrence, need(auth.PermReferrals))
	j.GET("/rounds/occurrences/:id/cases", s.listRoundCases, need(auth.PermReferrals))
	j.POST("/rounds/occurrences/:id/cases", s.presentRoundCase, need(auth.PermReferrals))
	j.GET("/rounds/occurrences/:id/attendance", s.listRoundAttendance, need(auth.PermReferrals))
	j.POST("/rounds/occurrences/:id/attendance", s.checkInRound, need(auth.PermReferrals))
	j.GET("/rounds/cases/:id", s.getRoundCase, need(auth.PermReferrals))
	j.PUT("/rounds/cases/:id/notes", s.putRoundCaseNotes, need(auth.PermReferrals))
	j.POST("/rounds/cases/:id/tasks", s.addRoundTask, need(auth.PermReferrals))
	j.GET("/rounds/:id", s.getRound, need(auth.PermReferrals))
	j.GET("/rounds/:id/occurrences", s.listRoundOccurrences, need(auth.PermReferrals))
	j.POST("/rounds/:id/occurrences", s.addRoundOccurrence, need(auth.PermReferrals))
	j.GET("/me/training-credits", s.trainingCredits, need(auth.PermSelf))

	j.GET("/lectures", s.listLectures, need(auth.PermDirectoryRead))
	j.POST("/lectures", s.createLecture, need(auth.PermReferrals))
	j.GET("/lectures/:id", s.getLecture, need(auth.PermDirectoryRead))
	j.PATCH("/lectures/:id", s.patchLecture, need(auth.PermReferrals))
	j.POST("/lectures/:id/registration", s.registerForLecture, need(auth.PermReferrals))
	j.DELETE("/lectures/:id/registration", s.unregisterFromLecture, need(auth.PermReferrals))
	j.POST("/lectures/:id/attendance", s.checkInLecture, need(auth.PermReferrals))
	j.GET("/lectures/:id/recordings", s.listLectureRecordings, need(auth.PermDirectoryRead))
	j.POST("/lectures/:id/recordings", s.addLectureRecording, need(auth.PermReferrals))
}

// roundView is a ward-round series with its parties' names and whether the
// caller may schedule its sessions.
type roundView struct {
	rounds.Series
	HostInstitution  institutionView   `json:"hostInstitution"`
	Host             personRef         `json:"host"`
	WardInstitutions []institutionView `json:"wardInstitutions"`
	CanSchedule      bool              `json:"canSchedule"`
}

// occurrenceView is a session with the series' title and what the caller
// may do to it now.
type occurrenceView struct {
	rounds.Occurrence
	Title          string          `json:"title"`
	AllowedActions []rounds.Action `json:"allowedActions"`
}

type occurrenceDetailView struct {
	occurrenceView
	Round roundView `json:"round"`
}

type roundCaseView struct {
	rounds.Case
	Patient       patientBrief `json:"patient"`
	Presenter     personRef    `json:"presenter"`
	CanWriteNotes bool         `json:"canWriteNotes"`
}

type roundCaseDetailView struct {
	roundCaseView
	Tasks []rounds.Task `json:"tasks"`
}

// patientName is what a task or lecture shows of its patient.
type patientName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type roundTaskView struct {
	rounds.Task
	Patient       patientName `json:"patient"`
	RoundTitle    string      `json:"roundTitle"`
	RoundStartsAt time.Time   `json:"roundStartsAt"`
}

type myAttendanceView struct {
	RoomID    string             `json:"roomId"`
	Present   bool               `json:"present"`
	Stretches []teaching.Stretch `json:"stretches"`
	Minutes   int                `json:"minutes"`
}

type attendeeView struct {
	User          personRef          `json:"user"`
	InstitutionID string             `json:"institutionId"`
	Stretches     []teaching.Stretch `json:"stretches"`
	Minutes       int                `json:"minutes"`
}

func actorOf(c echo.Context) auth.Actor {
	a, _ := auth.ActorFrom(c.Request().Context())
	return a
}

// personOf names a user; an unknown id shows as itself.
func (s *Server) personOf(c echo.Context, id string) personRef {
	u, err := s.store.GetUser(c.Request().Context(), id)
	if err != nil {
		return personRef{ID: id}
	}
	return personRef{ID: u.ID, DisplayName: u.DisplayName}
}

func (s *Server) viewRounds(c echo.Context, srs []rounds.Series) ([]roundView, error) {
	var ids []string
	for _, sr := range srs {
		ids = append(append(ids, sr.HostInstitutionID), sr.WardInstitutionIDs...)
	}
	ins, err := s.institutionsOf(c, ids)
	if err != nil {
		return nil, err
	}
	who := whoOfActor(actorOf(c))
	hosts := map[string]personRef{}
	out := make([]roundView, len(srs))
	for i, sr := range srs {
		if _, ok := hosts[sr.HostUserID]; !ok {
			hosts[sr.HostUserID] = s.personOf(c, sr.HostUserID)
		}
		v := roundView{Series: sr, HostInstitution: viewInstitution(ins[sr.HostInstitutionID]), Host: hosts[sr.HostUserID],
			WardInstitutions: []institutionView{}, CanSchedule: rounds.CanSchedule(who, sr.HostInstitutionID) == nil}
		for _, w := range sr.WardInstitutionIDs {
			v.WardInstitutions = append(v.WardInstitutions, viewInstitution(ins[w]))
		}
		out[i] = v
	}
	return out, nil
}

func (s *Server) answerRound(c echo.Context, status int, sr rounds.Series) error {
	vs, err := s.viewRounds(c, []rounds.Series{sr})
	if err != nil {
		return err
	}
	return c.JSON(status, vs[0])
}

func (s *Server) createRound(c echo.Context) error {
	var q rounds.SeriesRequest
	if err := bind(c, &q); err != nil {
		return err
	}
	sr, err := s.store.CreateRound(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return s.answerRound(c, http.StatusCreated, sr)
}

func (s *Server) getRound(c echo.Context) error {
	sr, err := s.store.GetRound(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return s.answerRound(c, http.StatusOK, sr)
}

func (s *Server) listRounds(c echo.Context) error {
	srs, err := s.store.ListRounds(c.Request().Context())
	if err != nil {
		return err
	}
	vs, err := s.viewRounds(c, srs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(vs))
}

func viewOccurrence(o rounds.Occurrence, sr *rounds.Series, a auth.Actor, now time.Time) occurrenceView {
	return occurrenceView{Occurrence: o, Title: sr.Title, AllowedActions: rounds.AllowedActions(&o, sr, whoOfActor(a), now)}
}

func (s *Server) listRoundOccurrences(c echo.Context) error {
	ctx := c.Request().Context()
	os, err := s.store.RoundOccurrences(ctx, c.Param("id"), c.QueryParam("from"), c.QueryParam("to"))
	if err != nil {
		return err
	}
	sr, err := s.store.GetRound(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	a, now := actorOf(c), s.store.Now()
	out := make([]occurrenceView, len(os))
	for i, o := range os {
		out[i] = viewOccurrence(o, &sr, a, now)
	}
	return c.JSON(http.StatusOK, listOf(out))
}

func (s *Server) answerOccurrence(c echo.Context, status int, id string) error {
	o, sr, err := s.store.GetRoundOccurrence(c.Request().Context(), id)
	if err != nil {
		return err
	}
	rv, err := s.viewRounds(c, []rounds.Series{sr})
	if err != nil {
		return err
	}
	return c.JSON(status, occurrenceDetailView{occurrenceView: viewOccurrence(o, &sr, actorOf(c), s.store.Now()), Round: rv[0]})
}

func (s *Server) addRoundOccurrence(c echo.Context) error {
	var q rounds.OccurrenceRequest
	if err := bind(c, &q); err != nil {
		return err
	}
	o, err := s.store.AddRoundOccurrence(c.Request().Context(), c.Param("id"), q)
	if err != nil {
		return err
	}
	return s.answerOccurrence(c, http.StatusCreated, o.ID)
}

func (s *Server) getRoundOccurrence(c echo.Context) error {
	return s.answerOccurrence(c, http.StatusOK, c.Param("id"))
}

func (s *Server) actOnRoundOccurrence(c echo.Context) error {
	action := rounds.Action(c.Param("action"))
	if !slices.Contains(rounds.Actions, action) {
		return apperr.NotFoundf("no such action %q (hold or cancel)", action)
	}
	var in rounds.ActInput
	if err := bind(c, &in); err != nil {
		return err
	}
	o, err := s.store.ActOnRoundOccurrence(c.Request().Context(), c.Param("id"), action, in)
	if err != nil {
		return err
	}
	return s.answerOccurrence(c, http.StatusOK, o.ID)
}

func (s *Server) viewRoundCase(c echo.Context, it store.RoundCaseItem, sr *rounds.Series) roundCaseView {
	k := it.Case
	return roundCaseView{Case: k,
		Patient:   patientBrief{ID: k.PatientID, Name: it.PatientName, Sex: string(it.PatientSex), BirthDate: it.PatientBirth},
		Presenter: s.personOf(c, k.PresenterUserID), CanWriteNotes: sr.HostSide(whoOfActor(actorOf(c)))}
}

func (s *Server) listRoundCases(c echo.Context) error {
	ctx := c.Request().Context()
	items, err := s.store.ListRoundCases(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	_, sr, err := s.store.GetRoundOccurrence(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	out := make([]roundCaseView, len(items))
	for i, it := range items {
		out[i] = s.viewRoundCase(c, it, &sr)
	}
	return c.JSON(http.StatusOK, listOf(out))
}

func (s *Server) answerRoundCase(c echo.Context, status int, id string) error {
	d, err := s.store.GetRoundCase(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(status, roundCaseDetailView{roundCaseView: s.viewRoundCase(c, d.RoundCaseItem, &d.Series), Tasks: d.Tasks})
}

func (s *Server) presentRoundCase(c echo.Context) error {
	var q rounds.CaseRequest
	if err := bind(c, &q); err != nil {
		return err
	}
	k, err := s.store.PresentRoundCase(c.Request().Context(), c.Param("id"), q)
	if err != nil {
		return err
	}
	return s.answerRoundCase(c, http.StatusCreated, k.ID)
}

func (s *Server) getRoundCase(c echo.Context) error {
	return s.answerRoundCase(c, http.StatusOK, c.Param("id"))
}

func (s *Server) putRoundCaseNotes(c echo.Context) error {
	var in rounds.NotesInput
	if err := bind(c, &in); err != nil {
		return err
	}
	k, err := s.store.WriteRoundCaseNotes(c.Request().Context(), c.Param("id"), in)
	if err != nil {
		return err
	}
	return s.answerRoundCase(c, http.StatusOK, k.ID)
}

func (s *Server) addRoundTask(c echo.Context) error {
	var q rounds.TaskRequest
	if err := bind(c, &q); err != nil {
		return err
	}
	t, err := s.store.AddRoundTask(c.Request().Context(), c.Param("id"), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, t)
}

func (s *Server) patchRoundTask(c echo.Context) error {
	var u rounds.TaskUpdate
	if err := bind(c, &u); err != nil {
		return err
	}
	t, err := s.store.UpdateRoundTask(c.Request().Context(), c.Param("id"), u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (s *Server) listRoundTasks(c echo.Context) error {
	var all bool
	switch c.QueryParam("status") {
	case "", "open":
	case "all":
		all = true
	default:
		return apperr.InvalidField("status", "status must be open or all")
	}
	items, err := s.store.ListRoundTasks(c.Request().Context(), all)
	if err != nil {
		return err
	}
	out := make([]roundTaskView, len(items))
	for i, it := range items {
		out[i] = roundTaskView{Task: it.Task, Patient: patientName{ID: it.PatientID, Name: it.PatientName},
			RoundTitle: it.SeriesTitle, RoundStartsAt: it.StartsAt}
	}
	return c.JSON(http.StatusOK, listOf(out))
}

func viewMyAttendance(m store.MyAttendance) myAttendanceView {
	return myAttendanceView{RoomID: m.RoomID, Present: m.Present, Stretches: m.Stretches, Minutes: m.Minutes}
}

func (s *Server) checkInRound(c echo.Context) error {
	var in teaching.CheckIn
	if err := bind(c, &in); err != nil {
		return err
	}
	m, err := s.store.CheckInRound(c.Request().Context(), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewMyAttendance(m))
}

func (s *Server) listRoundAttendance(c echo.Context) error {
	as, err := s.store.RoundAttendance(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	out := make([]attendeeView, len(as))
	for i, a := range as {
		out[i] = attendeeView{User: personRef{ID: a.UserID, DisplayName: a.DisplayName}, InstitutionID: a.InstitutionID,
			Stretches: a.Stretches, Minutes: a.Minutes}
	}
	return c.JSON(http.StatusOK, listOf(out))
}

// trainingCredits sums the caller's attended minutes per year across ward
// rounds and lectures.
func (s *Server) trainingCredits(c echo.Context) error {
	cs, err := s.store.TrainingCredits(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(cs))
}
