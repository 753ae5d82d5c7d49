package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/consult"
	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/store"
)

// consultView is an eConsult as the API shows it, with the names of its
// parties and people, and the actions the caller may take now.
type consultView struct {
	consult.Consult
	RequesterInstitution *institutionView `json:"requesterInstitution,omitempty"`
	TargetInstitution    *institutionView `json:"targetInstitution,omitempty"`
	Patient              *patientBrief    `json:"patient,omitempty"`
	AllowedActions       []consult.Action `json:"allowedActions"`
	CanRefer             bool             `json:"canRefer"`
}

type consultDetailView struct {
	consultView
	Messages []consult.Message `json:"messages"`
}

func consultActions(c *consult.Consult, a auth.Actor) []consult.Action {
	who := whoOfActor(a)
	out := []consult.Action{}
	for _, r := range consult.Rules {
		if _, err := consult.Authorize(c, r.Action, who); err == nil && slices.Contains(r.From, c.Status) {
			out = append(out, r.Action)
		}
	}
	return out
}

func (s *Server) viewConsults(c echo.Context, items []store.ConsultItem) ([]consultView, error) {
	ids := make([]string, 0, 2*len(items))
	for _, it := range items {
		ids = append(ids, it.Consult.RequesterInstitutionID, it.Consult.TargetInstitutionID)
	}
	ins, err := s.institutionsOf(c, ids)
	if err != nil {
		return nil, err
	}
	a, _ := auth.ActorFrom(c.Request().Context())
	out := make([]consultView, len(items))
	for i, it := range items {
		k := it.Consult
		req, tgt := viewInstitution(ins[k.RequesterInstitutionID]), viewInstitution(ins[k.TargetInstitutionID])
		out[i] = consultView{Consult: k, RequesterInstitution: &req, TargetInstitution: &tgt,
			AllowedActions: consultActions(&k, a),
			CanRefer:       k.Status == consult.Answered && k.ReferralID == "" && k.RequesterInstitutionID == a.InstitutionID}
		if it.PatientName != "" {
			out[i].Patient = &patientBrief{ID: k.PatientID, Name: it.PatientName}
		}
	}
	return out, nil
}

func (s *Server) createConsult(c echo.Context) error {
	var req consult.Request
	if err := bind(c, &req); err != nil {
		return err
	}
	k, err := s.store.CreateConsult(c.Request().Context(), req)
	if err != nil {
		return err
	}
	return s.answerConsult(c, http.StatusCreated, k.ID)
}

func (s *Server) answerConsult(c echo.Context, status int, id string) error {
	d, err := s.store.GetConsult(c.Request().Context(), id)
	if err != nil {
		return err
	}
	p, err := s.store.GetPatient(c.Request().Context(), d.Consult.PatientID)
	if err != nil {
		return err
	}
	views, err := s.viewConsults(c, []store.ConsultItem{{Consult: d.Consult, PatientName: p.Name}})
	if err != nil {
		return err
	}
	v := consultDetailView{consultView: views[0], Messages: d.Messages}
	v.Patient.Sex, v.Patient.BirthDate = string(p.Sex), p.BirthDate
	if v.Messages == nil {
		v.Messages = []consult.Message{}
	}
	return c.JSON(status, v)
}

func (s *Server) getConsult(c echo.Context) error {
	return s.answerConsult(c, http.StatusOK, c.Param("id"))
}

func (s *Server) listConsults(c echo.Context) error {
	f := store.ConsultFilter{Box: c.QueryParam("box")}
	if f.Box == "" {
		f.Box = "sent"
	}
	for _, st := range strings.Split(c.QueryParam("status"), ",") {
		if st == "" {
			continue
		}
		if !slices.Contains(consult.Statuses, consult.Status(st)) {
			return apperr.InvalidField("status", "unknown status %q", st)
		}
		f.Status = append(f.Status, consult.Status(st))
	}
	items, err := s.store.ListConsults(c.Request().Context(), f)
	if err != nil {
		return err
	}
	views, err := s.viewConsults(c, items)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(views))
}

func (s *Server) actOnConsult(c echo.Context) error {
	action := consult.Action(c.Param("action"))
	if !slices.Contains(consult.Actions, action) {
		return apperr.NotFoundf("no such action %q", action)
	}
	var in consult.Input
	if err := bind(c, &in); err != nil {
		return err
	}
	k, err := s.store.ActOnConsult(c.Request().Context(), c.Param("id"), action, in)
	if err != nil {
		return err
	}
	return s.answerConsult(c, http.StatusOK, k.ID)
}

func (s *Server) convertConsult(c echo.Context) error {
	var req struct {
		Urgency referral.Urgency `json:"urgency"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.Urgency != "" && !slices.Contains(referral.Urgencies, req.Urgency) {
		return apperr.InvalidField("urgency", "urgency must be routine, urgent or fast_track")
	}
	r, err := s.store.ConvertConsultToReferral(c.Request().Context(), c.Param("id"), req.Urgency,
		c.Request().Header.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	return s.answerReferral(c, http.StatusCreated, r.ID)
}

// listConsultants lists who may answer consults at an institution:
// specialists with at least three years of independent practice.
func (s *Server) listConsultants(c echo.Context) error {
	inst := c.QueryParam("institutionId")
	if inst == "" {
		return apperr.InvalidField("institutionId", "name the institution")
	}
	us, err := s.store.Consultants(c.Request().Context(), inst)
	if err != nil {
		return err
	}
	type consultantView struct {
		ID            string `json:"id"`
		DisplayName   string `json:"displayName"`
		Title         string `json:"title"`
		PracticeYears int    `json:"practiceYears"`
	}
	out := make([]consultantView, len(us))
	for i, u := range us {
		out[i] = consultantView{u.ID, u.DisplayName, string(u.Title), u.PracticeYears}
	}
	return c.JSON(http.StatusOK, listOf(out))
}
