package httpapi

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/lianxin-hub/lianxin/internal/analytics"
	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/store"
)

// analyticsRoutes registers the alliance analytics API: dashboard views
// (aggregates only, small counts shown as "<5"), annual goals and the
// scoreboard. Administrators (PermAnalytics) see the alliances they
// administer; conveners (PermAnalyticsOwn) their own institution's figures
// and goals. Every read is audited as analytics.read.
func (s *Server) analyticsRoutes(j *echo.Group) {
	see := needAny(auth.PermAnalytics, auth.PermAnalyticsOwn)
	j.GET("/analytics/volume", s.analyticsVolume, see)
	j.GET("/analytics/kpis", s.analyticsKPIs, see)
	j.GET("/analytics/times", s.analyticsTimes, see)
	j.GET("/analytics/flows", s.analyticsFlows, see)
	j.GET("/analytics/members", s.analyticsMembers, see)
	j.GET("/analytics/consults", s.analyticsConsults, see)
	j.GET("/analytics/measures", s.analyticsMeasures, see)
	j.GET("/analytics/goals", s.listGoals, see)
	j.POST("/analytics/goals", s.createGoal, need(auth.PermAnalytics))
	j.PATCH("/analytics/goals/:id", s.patchGoal, need(auth.PermAnalytics))
	j.DELETE("/analytics/goals/:id", s.deleteGoal, need(auth.PermAnalytics))
	j.GET("/analytics/scoreboard", s.scoreboard, see)
	j.GET("/alliances/:id/analytics-settings", s.getAnalyticsSettings, need(auth.PermAnalytics))
	j.PUT("/alliances/:id/analytics-settings", s.putAnalyticsSettings, need(auth.PermAnalytics))
}

// needAny lets a request through when the actor holds any of ps.
func needAny(ps ...auth.Permission) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			a, ok := auth.ActorFrom(c.Request().Context())
			if ok {
				for _, p := range ps {
					if a.Can(p) {
						return next(c)
					}
				}
			}
			return apperr.Forbiddenf("your role does not allow this")
		}
	}
}

// analyticsQuery reads the dashboard filter from the query string:
// alliance, institution, side, direction, urgency, from, to (YYYY-MM-DD),
// interval and limit.
func analyticsQuery(c echo.Context) (store.AnalyticsQuery, error) {
	q := store.AnalyticsQuery{Filter: analytics.Filter{
		AllianceID: c.QueryParam("alliance"), InstitutionID: c.QueryParam("institution"),
		Side: analytics.Side(c.QueryParam("side")), Direction: referral.Direction(c.QueryParam("direction")),
		Urgency: referral.Urgency(c.QueryParam("urgency")), From: c.QueryParam("from"), To: c.QueryParam("to")}}
	iv, err := analytics.ParseInterval(c.QueryParam("interval"))
	if err != nil {
		return q, err
	}
	q.Interval = iv
	if l := c.QueryParam("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			return q, apperr.InvalidField("limit", "limit must be a number")
		}
		q.Limit = n
	}
	return q, nil
}

// analyticsView answers a dashboard view.
func analyticsView[T any](c echo.Context, view func(store.AnalyticsQuery) (T, error)) error {
	q, err := analyticsQuery(c)
	if err != nil {
		return err
	}
	out, err := view(q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) analyticsVolume(c echo.Context) error {
	return analyticsView(c, func(q store.AnalyticsQuery) (analytics.Volume, error) {
		return s.store.AnalyticsVolume(c.Request().Context(), q)
	})
}

func (s *Server) analyticsKPIs(c echo.Context) error {
	return analyticsView(c, func(q store.AnalyticsQuery) (analytics.KPIs, error) {
		return s.store.AnalyticsKPIs(c.Request().Context(), q)
	})
}

func (s *Server) analyticsTimes(c echo.Context) error {
	return analyticsView(c, func(q store.AnalyticsQuery) (analytics.Times, error) {
		return s.store.AnalyticsTimes(c.Request().Context(), q)
	})
}

func (s *Server) analyticsFlows(c echo.Context) error {
	return analyticsView(c, func(q store.AnalyticsQuery) (analytics.Flows, error) {
		return s.store.AnalyticsFlows(c.Request().Context(), q)
	})
}

func (s *Server) analyticsMembers(c echo.Context) error {
	return analyticsView(c, func(q store.AnalyticsQuery) (analytics.Members, error) {
		return s.store.AnalyticsMembers(c.Request().Context(), q)
	})
}

func (s *Server) analyticsConsults(c echo.Context) error {
	return analyticsView(c, func(q store.AnalyticsQuery) (analytics.Consults, error) {
		return s.store.AnalyticsConsults(c.Request().Context(), q)
	})
}

func (s *Server) analyticsMeasures(c echo.Context) error {
	return c.JSON(http.StatusOK, listOf(analytics.Measures))
}

// year reads the year query parameter; 0 when absent and optional.
func year(c echo.Context, required bool) (int, error) {
	v := c.QueryParam("year")
	if v == "" && !required {
		return 0, nil
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < 2000 || y > 2100 {
		return 0, apperr.InvalidField("year", "year must be a year between 2000 and 2100")
	}
	return y, nil
}

func (s *Server) listGoals(c echo.Context) error {
	y, err := year(c, false)
	if err != nil {
		return err
	}
	gs, err := s.store.ListGoals(c.Request().Context(), c.QueryParam("alliance"), y)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(gs))
}

type goalRequest struct {
	AllianceID    *string  `json:"allianceId"`
	InstitutionID *string  `json:"institutionId"`
	Year          *int     `json:"year"`
	Measure       *string  `json:"measure"`
	Target        *float64 `json:"target"`
	Weight        *float64 `json:"weight"`
	Version       *int     `json:"version"`
}

func (s *Server) createGoal(c echo.Context) error {
	var req goalRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	switch {
	case req.Version != nil:
		return apperr.InvalidField("version", "a new goal has no version")
	case req.Target == nil:
		return apperr.InvalidField("target", "target is required")
	}
	g := analytics.Goal{AllianceID: str(req.AllianceID), InstitutionID: str(req.InstitutionID),
		Measure: analytics.Measure(str(req.Measure)), Target: *req.Target, Weight: 1}
	if req.Year != nil {
		g.Year = *req.Year
	}
	if req.Weight != nil {
		g.Weight = *req.Weight
	}
	out, err := s.store.CreateGoal(c.Request().Context(), g)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) patchGoal(c echo.Context) error {
	var req goalRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		set  bool
	}{{"allianceId", req.AllianceID != nil}, {"institutionId", req.InstitutionID != nil}, {"year", req.Year != nil},
		{"measure", req.Measure != nil}} {
		if f.set {
			return apperr.InvalidField(f.name, "%s of a goal cannot be changed; delete it and set another", f.name)
		}
	}
	p := store.GoalPatch{Target: req.Target, Weight: req.Weight}
	if req.Version != nil {
		p.Version = *req.Version
	}
	out, err := s.store.UpdateGoal(c.Request().Context(), c.Param("id"), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) deleteGoal(c echo.Context) error {
	if err := s.store.DeleteGoal(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) scoreboard(c echo.Context) error {
	y, err := year(c, true)
	if err != nil {
		return err
	}
	out, err := s.store.Scoreboard(c.Request().Context(), c.QueryParam("alliance"), y)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

type analyticsSettingsView struct {
	AllianceID  string `json:"allianceId"`
	MinCellSize int    `json:"minCellSize"`
}

type analyticsSettingsRequest struct {
	MinCellSize *int `json:"minCellSize"`
}

func (s *Server) getAnalyticsSettings(c echo.Context) error {
	n, err := s.store.AnalyticsMinCell(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, analyticsSettingsView{AllianceID: c.Param("id"), MinCellSize: n})
}

func (s *Server) putAnalyticsSettings(c echo.Context) error {
	var req analyticsSettingsRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.MinCellSize == nil {
		return apperr.InvalidField("minCellSize", "minCellSize is required")
	}
	if err := s.store.SetAnalyticsMinCell(c.Request().Context(), c.Param("id"), *req.MinCellSize); err != nil {
		return err
	}
	return s.getAnalyticsSettings(c)
}
