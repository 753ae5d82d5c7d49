package httpapi

import (
	"context"
	_ "embed"
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lianxin-hub/lianxin/internal/apperr"
)

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": s.version})
}

// readyz answers 200 only when the database and presence both answer.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{"database": "ok", "presence": "ok"}
	status := http.StatusOK
	if err := s.store.Ping(ctx); err != nil {
		checks["database"], status = "unreachable", http.StatusServiceUnavailable
	}
	if s.presence != nil {
		if err := s.presence.Ping(ctx); err != nil {
			checks["presence"], status = "unreachable", http.StatusServiceUnavailable
		}
	}
	return c.JSON(status, checks)
}

//go:embed openapi.yaml
var openAPIDoc []byte

// OpenAPI returns the API's OpenAPI 3 document.
func OpenAPI() []byte { return openAPIDoc }

func (s *Server) openAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", openAPIDoc)
}

const notBuilt = `<!doctype html><meta charset="utf-8"><title>Lianxin</title>
<p>The web app has not been built into this binary. Run <code>make run</code> (it builds the frontend first).</p>`

// serveWeb serves the single-page app: real files by path, and index.html
// for every other path so client-side routes survive a reload. Unknown API
// paths get the JSON 404.
func (s *Server) serveWeb(c echo.Context) error {
	p := c.Request().URL.Path
	if strings.HasPrefix(p, "/api/") {
		return apperr.NotFoundf("no such API endpoint")
	}
	if s.web == nil {
		return c.HTML(http.StatusOK, notBuilt)
	}
	name := strings.TrimPrefix(path.Clean(p), "/")
	if name != "" {
		if st, err := fs.Stat(s.web, name); err == nil && !st.IsDir() {
			if strings.HasPrefix(name, "assets/") { // content-hashed by Vite
				c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			}
			return echo.StaticFileHandler(name, s.web)(c)
		}
	}
	index, err := fs.ReadFile(s.web, "index.html")
	if errors.Is(err, fs.ErrNotExist) {
		return c.HTML(http.StatusOK, notBuilt)
	} else if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.HTMLBlob(http.StatusOK, index)
}
