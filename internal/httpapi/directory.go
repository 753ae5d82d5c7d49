package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/region"
	"github.com/lianxin-hub/lianxin/internal/store"
)

func (s *Server) listRegions(c echo.Context) error {
	return c.JSON(http.StatusOK, listOf(region.All()))
}

func (s *Server) listInstitutions(c echo.Context) error {
	level := c.QueryParam("level")
	if level != "" && alliance.Level(level).Rank() < 0 {
		return apperr.InvalidField("level", "unknown level %q", level)
	}
	ins, err := s.store.ListInstitutions(c.Request().Context(), store.InstitutionFilter{Query: c.QueryParam("q"), Level: level})
	if err != nil {
		return err
	}
	out := make([]institutionView, len(ins))
	for i, in := range ins {
		out[i] = viewInstitution(in)
	}
	return c.JSON(http.StatusOK, listOf(out))
}

type institutionRequest struct {
	Name           *string   `json:"name"`
	Level          *string   `json:"level"`
	Kind           *string   `json:"kind"`
	RegionCode     *string   `json:"regionCode"`
	SubSpecialties *[]string `json:"subSpecialties"`
	Beds           *int      `json:"beds"`
}

func (r institutionRequest) patch() store.InstitutionPatch {
	p := store.InstitutionPatch{Name: r.Name, RegionCode: r.RegionCode, SubSpecialties: r.SubSpecialties, Beds: r.Beds}
	if r.Level != nil {
		l := alliance.Level(*r.Level)
		p.Level = &l
	}
	if r.Kind != nil {
		k := alliance.Kind(*r.Kind)
		p.Kind = &k
	}
	return p
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Server) createInstitution(c echo.Context) error {
	var req institutionRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	in := alliance.Institution{Name: str(req.Name), Level: alliance.Level(str(req.Level)), Kind: alliance.Kind(str(req.Kind)),
		RegionCode: str(req.RegionCode)}
	if req.SubSpecialties != nil {
		in.SubSpecialties = *req.SubSpecialties
	}
	if req.Beds != nil {
		in.Beds = *req.Beds
	}
	created, err := s.store.CreateInstitution(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, viewInstitution(created))
}

func (s *Server) getInstitution(c echo.Context) error {
	in, err := s.store.GetInstitution(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewInstitution(in))
}

func (s *Server) patchInstitution(c echo.Context) error {
	var req institutionRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	in, err := s.store.UpdateInstitution(c.Request().Context(), c.Param("id"), req.patch())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewInstitution(in))
}

func (s *Server) listAlliances(c echo.Context) error {
	as, err := s.store.ListAlliances(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]allianceView, len(as))
	for i, a := range as {
		out[i] = viewAlliance(a)
	}
	return c.JSON(http.StatusOK, listOf(out))
}

func (s *Server) getAlliance(c echo.Context) error {
	a, err := s.store.GetAlliance(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewAlliance(a))
}
