package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/store"
)

func (s *Server) listUsers(c echo.Context) error {
	us, err := s.store.ListUsers(c.Request().Context(), store.UserFilter{Query: c.QueryParam("q"), InstitutionID: c.QueryParam("institutionId")})
	if err != nil {
		return err
	}
	ids := make([]string, len(us))
	for i, u := range us {
		ids[i] = u.InstitutionID
	}
	ins, err := s.institutionsOf(c, ids)
	if err != nil {
		return err
	}
	out := make([]userView, len(us))
	for i, u := range us {
		in := ins[u.InstitutionID]
		out[i] = viewUser(u, &in)
	}
	return c.JSON(http.StatusOK, listOf(out))
}

type userRequest struct {
	Username      *string   `json:"username"`
	DisplayName   *string   `json:"displayName"`
	Roles         *[]string `json:"roles"`
	InstitutionID *string   `json:"institutionId"`
	Title         *string   `json:"title"`
	PracticeYears *int      `json:"practiceYears"`
	Phone         *string   `json:"phone"`
	Password      *string   `json:"password"`
	Disabled      *bool     `json:"disabled"`
}

type createdUser struct {
	User            userView `json:"user"`
	InitialPassword string   `json:"initialPassword,omitempty"`
}

func (s *Server) createUser(c echo.Context) error {
	var req userRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.Disabled != nil {
		return apperr.InvalidField("disabled", "a new user cannot be created disabled")
	}
	var roles []auth.Role
	if req.Roles != nil {
		var err error
		if roles, err = auth.ParseRoles("roles", *req.Roles); err != nil {
			return err
		}
	}
	u := auth.User{Username: str(req.Username), DisplayName: str(req.DisplayName), Roles: roles,
		InstitutionID: str(req.InstitutionID), Title: auth.Title(str(req.Title)), Phone: str(req.Phone)}
	if req.PracticeYears != nil {
		u.PracticeYears = *req.PracticeYears
	}
	created, pw, err := s.store.CreateUser(c.Request().Context(), u, str(req.Password))
	if err != nil {
		return err
	}
	in, err := s.store.GetInstitution(c.Request().Context(), created.InstitutionID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, createdUser{User: viewUser(created, &in), InitialPassword: pw})
}

func (s *Server) patchUser(c echo.Context) error {
	var req userRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	switch {
	case req.Username != nil:
		return apperr.InvalidField("username", "a username cannot be changed")
	case req.InstitutionID != nil:
		return apperr.InvalidField("institutionId", "move a clinician by creating an account at the new institution")
	case req.Password != nil:
		return apperr.InvalidField("password", "use reset-password")
	}
	p := store.UserPatch{DisplayName: req.DisplayName, PracticeYears: req.PracticeYears, Phone: req.Phone, Disabled: req.Disabled}
	if req.Roles != nil {
		roles, err := auth.ParseRoles("roles", *req.Roles)
		if err != nil {
			return err
		}
		p.Roles = &roles
	}
	if req.Title != nil {
		t := auth.Title(*req.Title)
		p.Title = &t
	}
	u, err := s.store.UpdateUser(c.Request().Context(), c.Param("id"), p)
	if err != nil {
		return err
	}
	in, err := s.store.GetInstitution(c.Request().Context(), u.InstitutionID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewUser(u, &in))
}

func (s *Server) resetPassword(c echo.Context) error {
	pw, err := s.store.ResetPassword(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"initialPassword": pw})
}
