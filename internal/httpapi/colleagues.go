package httpapi

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/lianxin-hub/lianxin/internal/store"
)

// colleagueView is what a clinician sees of another clinician of the
// alliance: enough to invite, assign or book for them, no contact details.
type colleagueView struct {
	ID            string   `json:"id"`
	DisplayName   string   `json:"displayName"`
	Title         string   `json:"title"`
	Roles         []string `json:"roles"`
	PracticeYears int      `json:"practiceYears"`
	InstitutionID string   `json:"institutionId"`
}

// listColleagues is the alliance's clinical directory for clinicians and
// conveners: the active users of the member institutions of their alliances
// (administrators use /users instead).
func (s *Server) listColleagues(c echo.Context) error {
	us, err := s.store.ListUsers(c.Request().Context(), store.UserFilter{Query: c.QueryParam("q"),
		InstitutionID: c.QueryParam("institutionId")})
	if err != nil {
		return err
	}
	out := make([]colleagueView, 0, len(us))
	for _, u := range us {
		if u.Disabled {
			continue
		}
		roles := make([]string, len(u.Roles))
		for i, r := range u.Roles {
			roles[i] = string(r)
		}
		if slices.Equal(roles, []string{"alliance_admin"}) || slices.Equal(roles, []string{"sysadmin"}) {
			continue // the alliance office takes no part in clinical work
		}
		out = append(out, colleagueView{ID: u.ID, DisplayName: u.DisplayName, Title: string(u.Title), Roles: roles,
			PracticeYears: u.PracticeYears, InstitutionID: u.InstitutionID})
	}
	return c.JSON(http.StatusOK, listOf(out))
}
