package httpapi

import (
	"crypto/subtle"
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/store"
)

// Cookie and header names of the browser session.
const (
	sessionCookie = "lianxin_session"
	csrfCookie    = "lianxin_csrf"
	csrfHeader    = "X-CSRF-Token"
)

var safeRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// dropUnsafeRequestID discards a client's X-Request-Id unless it is a short
// token, so that middleware.RequestID makes one instead. The id goes into the
// logs and the audit log: an arbitrary one could forge log lines, and bytes
// PostgreSQL refuses (invalid UTF-8) would fail every audited request.
func dropUnsafeRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header
		if id := h.Get(echo.HeaderXRequestID); id != "" && !safeRequestID.MatchString(id) {
			h.Del(echo.HeaderXRequestID)
		}
		return next(c)
	}
}

// withRequestActor puts an anonymous actor (address and request id only)
// into the request context, so that the audit log of a login knows where it
// came from.
func (s *Server) withRequestActor(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := auth.Actor{IP: c.RealIP(), RequestID: requestID(c)}
		c.SetRequest(c.Request().WithContext(auth.WithActor(c.Request().Context(), a)))
		return next(c)
	}
}

// authenticate requires a live session from a bearer token or the session
// cookie, and puts its actor into the request context. Cookie-authenticated
// writes must carry the session's CSRF token in X-CSRF-Token; bearer clients
// need not, since a browser never sends their token on its own.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		token, viaCookie := "", false
		if h := req.Header.Get(echo.HeaderAuthorization); strings.HasPrefix(h, "Bearer ") {
			token = strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
		} else if ck, err := req.Cookie(sessionCookie); err == nil {
			token, viaCookie = ck.Value, true
		}
		if token == "" {
			return apperr.Errorf(apperr.Unauthorized, "please log in")
		}
		sess, err := s.store.Authenticate(req.Context(), token)
		if err != nil {
			return err
		}
		if viaCookie && !safeMethod(req.Method) {
			got := req.Header.Get(csrfHeader)
			if subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRF)) != 1 {
				return apperr.Forbiddenf("missing or wrong CSRF token (send the %s cookie's value in %s)", csrfCookie, csrfHeader)
			}
		}
		a := actorFor(sess.User, c)
		a.Session = sess.TokenHash
		c.Set("user", sess.User)
		c.SetRequest(req.WithContext(auth.WithActor(req.Context(), a)))
		return next(c)
	}
}

func actorFor(u auth.User, c echo.Context) auth.Actor {
	return auth.Actor{UserID: u.ID, Username: u.Username, InstitutionID: u.InstitutionID, Roles: u.Roles,
		IP: c.RealIP(), RequestID: requestID(c)}
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// need admits the request only when the actor's roles grant p. It is the
// only place routes are authorised; institution scoping of the rows
// themselves happens in the store.
func need(p auth.Permission) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			a, ok := auth.ActorFrom(c.Request().Context())
			if !ok || !a.Can(p) {
				return apperr.Forbiddenf("your role does not allow this")
			}
			return next(c)
		}
	}
}

// currentUser is the logged-in user (set by authenticate).
func currentUser(c echo.Context) auth.User {
	u, _ := c.Get("user").(auth.User)
	return u
}

// setSessionCookies gives the browser its session and CSRF cookies. Secure
// is set whenever the request came over TLS (directly or via a proxy).
func setSessionCookies(c echo.Context, l store.Login) {
	secure := c.Scheme() == "https"
	maxAge := int(store.SessionTTL.Seconds())
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: l.Token, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode, MaxAge: maxAge})
	c.SetCookie(&http.Cookie{Name: csrfCookie, Value: l.CSRF, Path: "/", HttpOnly: false, Secure: secure,
		SameSite: http.SameSiteStrictMode, MaxAge: maxAge})
}

func clearSessionCookies(c echo.Context) {
	for _, n := range []string{sessionCookie, csrfCookie} {
		c.SetCookie(&http.Cookie{Name: n, Value: "", Path: "/", MaxAge: -1, HttpOnly: n == sessionCookie,
			SameSite: http.SameSiteLaxMode})
	}
}
