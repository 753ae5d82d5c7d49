package httpapi

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/store"
)

type auditPage struct {
	Items      []auditView `json:"items"`
	NextCursor string      `json:"nextCursor"`
}

func (s *Server) listAudit(c echo.Context) error {
	f := store.AuditFilter{UserID: c.QueryParam("userId"), PatientID: c.QueryParam("patientId"),
		Action: c.QueryParam("action"), Cursor: c.QueryParam("cursor")}
	if l := c.QueryParam("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			return apperr.InvalidField("limit", "limit must be a number")
		}
		f.Limit = n
	}
	es, next, err := s.store.ListAudit(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := auditPage{Items: make([]auditView, len(es)), NextCursor: next}
	for i, e := range es {
		out.Items[i] = viewAudit(e)
	}
	return c.JSON(http.StatusOK, out)
}
