package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/store"
)

// viewMembers shapes memberships with their institutions and people.
func (s *Server) viewMembers(c echo.Context, ms []alliance.Membership) ([]membershipView, error) {
	ctx := c.Request().Context()
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.InstitutionID
	}
	ins, err := s.institutionsOf(c, ids)
	if err != nil {
		return nil, err
	}
	person := func(id string) (*string, *personRef, error) {
		if id == "" {
			return nil, nil, nil
		}
		u, err := s.store.GetUser(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		return &id, &personRef{ID: u.ID, DisplayName: u.DisplayName}, nil
	}
	out := make([]membershipView, len(ms))
	for i, m := range ms {
		v := membershipView{AllianceID: m.AllianceID, InstitutionID: m.InstitutionID, Institution: viewInstitution(ins[m.InstitutionID]),
			Role: string(m.Role), JoinedOn: m.JoinedOn}
		if v.ConvenerUserID, v.Convener, err = person(m.ConvenerUserID); err != nil {
			return nil, err
		}
		if v.SubRegionalExpertUserID, v.SubRegionalExpert, err = person(m.SubRegionalExpertUserID); err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (s *Server) listMembers(c echo.Context) error {
	ms, err := s.store.ListMembers(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	out, err := s.viewMembers(c, ms)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(out))
}

type memberRequest struct {
	InstitutionID           *string `json:"institutionId"`
	Role                    *string `json:"role"`
	JoinedOn                *string `json:"joinedOn"`
	ConvenerUserID          *string `json:"convenerUserId"`
	SubRegionalExpertUserID *string `json:"subRegionalExpertUserId"`
}

func (s *Server) addMember(c echo.Context) error {
	var req memberRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	m, err := s.store.AddMember(c.Request().Context(), alliance.Membership{AllianceID: c.Param("id"),
		InstitutionID: str(req.InstitutionID), Role: alliance.MemberRole(str(req.Role)), JoinedOn: str(req.JoinedOn),
		ConvenerUserID: str(req.ConvenerUserID), SubRegionalExpertUserID: str(req.SubRegionalExpertUserID)})
	if err != nil {
		return err
	}
	out, err := s.viewMembers(c, []alliance.Membership{m})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out[0])
}

func (s *Server) patchMember(c echo.Context) error {
	var req memberRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	switch { // fields of memberRequest that a membership cannot change
	case req.InstitutionID != nil:
		return apperr.InvalidField("institutionId", "the institution of a membership cannot be changed; remove it and add the other")
	case req.JoinedOn != nil:
		return apperr.InvalidField("joinedOn", "joinedOn cannot be changed")
	}
	p := store.MemberPatch{ConvenerUserID: req.ConvenerUserID, SubRegionalExpertUserID: req.SubRegionalExpertUserID}
	if req.Role != nil {
		r := alliance.MemberRole(*req.Role)
		p.Role = &r
	}
	m, err := s.store.UpdateMember(c.Request().Context(), c.Param("id"), c.Param("institutionId"), p)
	if err != nil {
		return err
	}
	out, err := s.viewMembers(c, []alliance.Membership{m})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out[0])
}

func (s *Server) removeMember(c echo.Context) error {
	if err := s.store.RemoveMember(c.Request().Context(), c.Param("id"), c.Param("institutionId")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
