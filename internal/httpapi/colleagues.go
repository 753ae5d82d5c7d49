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
	ID              string   `json:"id"`
	DisplayName     string   `json:"displayName"`
	Title           string   `json:"title"`
	Roles           []string `json:"roles"`
	PracticeYears   int      `json:"practiceYears"`
	InstitutionID   string   `json:"institutionId"`
	InstitutionName string   `json:"institutionName"`
}

// listColleagues is the alliance's clinical directory for clinicians and
// conveners: the other active users of the member institutions of their
// alliances, with their institution's name (administrators use /users).
func (s *Server) listColleagues(c echo.Context) error {
	us, err := s.store.ListUsers(c.Request().Context(), store.UserFilter{Query: c.QueryParam("q"),
		InstitutionID: c.QueryParam("institutionId")})
	if err != nil {
		return err
	}
	self := currentUser(c).ID
	ids := make([]string, 0, len(us))
	for _, u := range us {
		ids = append(ids, u.InstitutionID)
	}
	ins, err := s.institutionsOf(c, ids)
	if err != nil {
		return err
	}
	out := make([]colleagueView, 0, len(us))
	for _, u := range us {
		if u.Disabled || u.ID == self {
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
			PracticeYears: u.PracticeYears, InstitutionID: u.InstitutionID, InstitutionName: ins[u.InstitutionID].Name})
	}
	return c.JSON(http.StatusOK, listOf(out))
}
