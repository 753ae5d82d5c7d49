package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/store"
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string   `json:"token"`
	CSRFToken string   `json:"csrfToken"`
	User      userView `json:"user"`
}

func (s *Server) login(c echo.Context) error {
	var req loginRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.Username == "" {
		return apperr.InvalidField("username", "username is required")
	}
	if req.Password == "" {
		return apperr.InvalidField("password", "password is required")
	}
	l, err := s.store.Login(c.Request().Context(), req.Username, req.Password)
	if err != nil {
		return err
	}
	setSessionCookies(c, l)
	in, err := s.store.GetInstitution(c.Request().Context(), l.User.InstitutionID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, loginResponse{Token: l.Token, CSRFToken: l.CSRF, User: viewUser(l.User, &in)})
}

func (s *Server) logout(c echo.Context) error {
	if err := s.store.Logout(c.Request().Context()); err != nil {
		return err
	}
	clearSessionCookies(c)
	return c.NoContent(http.StatusNoContent)
}

type meView struct {
	userView
	Alliances []allianceView `json:"alliances"`
}

func (s *Server) me(c echo.Context, u auth.User) (meView, error) {
	ctx := c.Request().Context()
	in, err := s.store.GetInstitution(ctx, u.InstitutionID)
	if err != nil {
		return meView{}, err
	}
	as, err := s.store.AlliancesOf(ctx, u.InstitutionID)
	if err != nil {
		return meView{}, err
	}
	v := meView{userView: viewUser(u, &in), Alliances: []allianceView{}}
	for _, a := range as {
		v.Alliances = append(v.Alliances, viewAlliance(a))
	}
	return v, nil
}

func (s *Server) getMe(c echo.Context) error {
	v, err := s.me(c, currentUser(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

type profileRequest struct {
	DisplayName *string `json:"displayName"`
	Phone       *string `json:"phone"`
	Title       *string `json:"title"`
}

func (s *Server) patchMe(c echo.Context) error {
	var req profileRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	p := store.ProfilePatch{DisplayName: req.DisplayName, Phone: req.Phone}
	if req.Title != nil {
		t := auth.Title(*req.Title)
		p.Title = &t
	}
	u, err := s.store.UpdateProfile(c.Request().Context(), p)
	if err != nil {
		return err
	}
	v, err := s.me(c, u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

type passwordRequest struct {
	CurrentPassword string `json:"currentPassword"`
	NewPassword     string `json:"newPassword"`
}

func (s *Server) changePassword(c echo.Context) error {
	var req passwordRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if err := s.store.ChangePassword(c.Request().Context(), req.CurrentPassword, req.NewPassword); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// institutionsOf loads the institutions of a set of ids for embedding in
// views, in one query however many there are.
func (s *Server) institutionsOf(c echo.Context, ids []string) (map[string]alliance.Institution, error) {
	return s.store.Institutions(c.Request().Context(), ids)
}
