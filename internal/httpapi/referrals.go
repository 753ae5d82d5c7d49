package httpapi

import (
	"context"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/store"
)

// referralView is a referral as the API shows it: the referral itself, the
// names of its parties, a brief of its patient, the clock that runs next, and
// the actions the calling user may take now.
type referralView struct {
	referral.Referral
	DueAt               any               `json:"dueAt"`
	SenderInstitution   *institutionView  `json:"senderInstitution,omitempty"`
	ReceiverInstitution *institutionView  `json:"receiverInstitution,omitempty"`
	Patient             *patientBrief     `json:"patient,omitempty"`
	AllowedActions      []referral.Action `json:"allowedActions"`
}

type patientBrief struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Sex       string `json:"sex,omitempty"` // omitted where a list shows only the name
	BirthDate string `json:"birthDate,omitempty"`
}

type referralDetailView struct {
	referralView
	Events      []referral.Event   `json:"events"`
	Attachments []store.Attachment `json:"attachments"`
}

// allowedActions lists what the actor may do to r now: the rules whose
// party, role and current status all fit.
func allowedActions(r *referral.Referral, a auth.Actor) []referral.Action {
	who := whoOfActor(a)
	out := []referral.Action{}
	for _, rule := range referral.Rules {
		if _, err := referral.Authorize(r, rule.Action, who); err == nil && slices.Contains(rule.From, r.Status) {
			out = append(out, rule.Action)
		}
	}
	return out
}

func whoOfActor(a auth.Actor) referral.Who {
	return referral.Who{UserID: a.UserID, Username: a.Username, InstitutionID: a.InstitutionID, Roles: a.Roles}
}

func (s *Server) viewReferrals(ctx context.Context, items []store.ReferralItem) ([]referralView, error) {
	ids := make([]string, 0, 2*len(items))
	for _, it := range items {
		ids = append(ids, it.Referral.SenderInstitutionID, it.Referral.ReceiverInstitutionID)
	}
	ins, err := s.store.Institutions(ctx, ids)
	if err != nil {
		return nil, err
	}
	a, _ := auth.ActorFrom(ctx)
	out := make([]referralView, len(items))
	for i, it := range items {
		r := it.Referral
		snd, rcv := viewInstitution(ins[r.SenderInstitutionID]), viewInstitution(ins[r.ReceiverInstitutionID])
		v := referralView{Referral: r, SenderInstitution: &snd, ReceiverInstitution: &rcv,
			AllowedActions: allowedActions(&r, a)}
		if due := r.DueAt(); due != nil {
			v.DueAt = due
		}
		if it.PatientName != "" {
			v.Patient = &patientBrief{ID: r.PatientID, Name: it.PatientName, Sex: string(it.PatientSex), BirthDate: it.PatientBirth}
		}
		out[i] = v
	}
	return out, nil
}

func (s *Server) createReferral(c echo.Context) error {
	var req referral.Request
	if err := bindReferralRequest(c, &req); err != nil {
		return err
	}
	r, created, err := s.store.CreateReferral(c.Request().Context(), req, c.Request().Header.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	return s.answerReferral(c, status, r.ID)
}

// bindReferralRequest binds a referral request. Request embeds Clinical,
// whose fields JSON flattens: errors name them as the client wrote them
// ("riskGrade", not "Clinical.riskGrade"), and a NUL in one of them is
// refused as anywhere else (bind does not look into embedded structs).
func bindReferralRequest(c echo.Context, req *referral.Request) error {
	if err := bind(c, req); err != nil {
		if e, ok := apperr.As(err); ok && strings.HasPrefix(e.Field, "Clinical.") {
			e.Field = strings.TrimPrefix(e.Field, "Clinical.")
			e.Message = strings.Replace(e.Message, "Clinical.", "", 1)
		}
		return err
	}
	if f, ok := nulField(reflect.ValueOf(&req.Clinical), "body"); ok {
		return apperr.InvalidField(f, "%s must not contain a NUL character", f)
	}
	return nil
}

// answerReferral answers with the referral's full detail as the caller sees
// it. Its reads, and the audit entries they write, share one transaction:
// every write and every answer of a referral is read back this way, so one
// commit instead of two matters.
func (s *Server) answerReferral(c echo.Context, status int, id string) error {
	var v referralDetailView
	err := s.store.WithTx(c.Request().Context(), func(ctx context.Context) error {
		d, err := s.store.GetReferral(ctx, id)
		if err != nil {
			return err
		}
		v, err = s.viewDetail(ctx, d)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(status, v)
}

func (s *Server) viewDetail(ctx context.Context, d store.ReferralDetail) (referralDetailView, error) {
	p, err := s.store.GetPatient(ctx, d.Referral.PatientID)
	if err != nil {
		return referralDetailView{}, err
	}
	views, err := s.viewReferrals(ctx, []store.ReferralItem{{Referral: d.Referral, PatientName: p.Name,
		PatientSex: p.Sex, PatientBirth: p.BirthDate}})
	if err != nil {
		return referralDetailView{}, err
	}
	out := referralDetailView{referralView: views[0], Events: d.Events, Attachments: d.Attachments}
	if out.Events == nil {
		out.Events = []referral.Event{}
	}
	if out.Attachments == nil {
		out.Attachments = []store.Attachment{}
	}
	return out, nil
}

func (s *Server) getReferral(c echo.Context) error {
	return s.answerReferral(c, http.StatusOK, c.Param("id"))
}

func (s *Server) actOnReferral(c echo.Context) error {
	action := referral.Action(c.Param("action"))
	if !slices.Contains(referral.Actions, action) {
		return apperr.NotFoundf("no such action %q (one of %s)", action, joinActions())
	}
	var in referral.Input
	if err := bind(c, &in); err != nil {
		return err
	}
	r, err := s.store.ActOnReferral(c.Request().Context(), c.Param("id"), action, in)
	if err != nil {
		return err
	}
	return s.answerReferral(c, http.StatusOK, r.ID)
}

func joinActions() string {
	s := make([]string, len(referral.Actions))
	for i, a := range referral.Actions {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

type pageView[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor"`
}

func (s *Server) listReferrals(c echo.Context) error {
	f := store.ReferralFilter{Box: store.ReferralBox(c.QueryParam("box")), Cursor: c.QueryParam("cursor"),
		PatientID: c.QueryParam("patientId")}
	if f.Box == "" {
		f.Box = store.Incoming
	}
	for _, st := range strings.Split(c.QueryParam("status"), ",") {
		if st == "" {
			continue
		}
		if !slices.Contains(referral.Statuses, referral.Status(st)) {
			return apperr.InvalidField("status", "unknown status %q", st)
		}
		f.Status = append(f.Status, referral.Status(st))
	}
	if u := referral.Urgency(c.QueryParam("urgency")); u != "" {
		if !slices.Contains(referral.Urgencies, u) {
			return apperr.InvalidField("urgency", "unknown urgency %q", u)
		}
		f.Urgency = u
	}
	if d := referral.Direction(c.QueryParam("direction")); d != "" {
		if !slices.Contains(referral.Directions, d) {
			return apperr.InvalidField("direction", "unknown direction %q", d)
		}
		f.Direction = d
	}
	if l := c.QueryParam("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 100 {
			return apperr.InvalidField("limit", "limit must be a number from 1 to 100")
		}
		f.Limit = n
	}
	items, next, err := s.store.ListReferrals(c.Request().Context(), f)
	if err != nil {
		return err
	}
	views, err := s.viewReferrals(c.Request().Context(), items)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageView[referralView]{Items: views, NextCursor: next})
}

func (s *Server) suggestReceivers(c echo.Context) error {
	sug, err := s.store.SuggestReceivers(c.Request().Context(), referral.Direction(c.QueryParam("direction")),
		c.QueryParam("subSpecialty"))
	if err != nil {
		return err
	}
	type suggestionView struct {
		Institution institutionView `json:"institution"`
		OpenLoad    int             `json:"openLoad"`
		Score       int             `json:"score"`
		Reasons     []string        `json:"reasons"`
	}
	out := make([]suggestionView, len(sug))
	for i, sg := range sug {
		out[i] = suggestionView{Institution: viewInstitution(sg.Institution), OpenLoad: sg.OpenLoad, Score: sg.Score,
			Reasons: sg.Reasons}
		if out[i].Reasons == nil {
			out[i].Reasons = []string{}
		}
	}
	return c.JSON(http.StatusOK, listOf(out))
}

func (s *Server) uploadAttachment(c echo.Context) error {
	name := c.QueryParam("name")
	if name == "" {
		if _, params, err := mime.ParseMediaType(c.Request().Header.Get("Content-Disposition")); err == nil {
			name = params["filename"]
		}
	}
	att, err := s.store.AddAttachment(c.Request().Context(), c.Param("id"), name, c.Request().Body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, att)
}

func (s *Server) downloadAttachment(c echo.Context) error {
	f, att, err := s.store.OpenAttachment(c.Request().Context(), c.Param("id"), c.Param("attachmentId"))
	if err != nil {
		return err
	}
	defer f.Close()
	c.Response().Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": att.Name}))
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Stream(http.StatusOK, att.ContentType, f)
}

func (s *Server) listICD10(c echo.Context) error {
	q := strings.ToLower(strings.TrimSpace(c.QueryParam("q")))
	type codeView struct {
		Code   string `json:"code"`
		NameZh string `json:"nameZh"`
		NameEn string `json:"nameEn"`
	}
	out := []codeView{}
	for _, e := range referral.ICD10Codes() {
		if q == "" || strings.Contains(strings.ToLower(e.Code), q) || strings.Contains(e.NameZh, q) ||
			strings.Contains(strings.ToLower(e.NameEn), q) {
			out = append(out, codeView{e.Code, e.NameZh, e.NameEn})
		}
	}
	return c.JSON(http.StatusOK, listOf(out))
}

func (s *Server) listSLABreaches(c echo.Context) error {
	bs, err := s.store.ListSLABreaches(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(bs))
}

// slaView shows an alliance's service levels in minutes.
type slaView struct {
	RoutineAcceptMinutes   int `json:"routineAcceptMinutes"`
	UrgentAcceptMinutes    int `json:"urgentAcceptMinutes"`
	FastTrackAcceptMinutes int `json:"fastTrackAcceptMinutes"`
	FastTrackAdmitMinutes  int `json:"fastTrackAdmitMinutes"`
	FirstFollowUpDays      int `json:"firstFollowUpDays"`
}

func (s *Server) getReferralSLA(c echo.Context) error {
	if _, err := s.store.GetAlliance(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	sla, err := s.store.ReferralSLA(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, slaView{
		RoutineAcceptMinutes: int(sla.Routine.Accept.Minutes()), UrgentAcceptMinutes: int(sla.Urgent.Accept.Minutes()),
		FastTrackAcceptMinutes: int(sla.FastTrack.Accept.Minutes()), FastTrackAdmitMinutes: int(sla.FastTrack.Admit.Minutes()),
		FirstFollowUpDays: int(sla.FirstFollowUp.Hours() / 24)})
}

func (s *Server) putReferralSLA(c echo.Context) error {
	var v slaView
	if err := bind(c, &v); err != nil {
		return err
	}
	sla := referral.SLA{
		Routine:       referral.Clock{Accept: minutes(v.RoutineAcceptMinutes)},
		Urgent:        referral.Clock{Accept: minutes(v.UrgentAcceptMinutes)},
		FastTrack:     referral.Clock{Accept: minutes(v.FastTrackAcceptMinutes), Admit: minutes(v.FastTrackAdmitMinutes)},
		FirstFollowUp: minutes(v.FirstFollowUpDays * 24 * 60),
	}
	if err := s.store.SetReferralSLA(c.Request().Context(), c.Param("id"), sla); err != nil {
		if e, ok := apperr.As(err); ok && e.Field != "" {
			e.Field = slaField(e.Field)
		}
		return err
	}
	return s.getReferralSLA(c)
}

func minutes(n int) time.Duration { return time.Duration(n) * time.Minute }

func slaField(domain string) string {
	switch domain {
	case "routine.accept":
		return "routineAcceptMinutes"
	case "urgent.accept":
		return "urgentAcceptMinutes"
	case "fastTrack.accept":
		return "fastTrackAcceptMinutes"
	case "fastTrack.admit":
		return "fastTrackAdmitMinutes"
	case "firstFollowUp":
		return "firstFollowUpDays"
	}
	return domain
}
