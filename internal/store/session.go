package store

import (
	"context"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/secret"
)

// SessionTTL is how long a login lasts: one long clinical shift.
const SessionTTL = 12 * time.Hour

type sessionRow struct {
	TokenHash string `gorm:"primaryKey"`
	UserID    string
	CsrfToken string
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time
}

func (sessionRow) TableName() string { return "sessions" }

// Login is a successful login.
type Login struct {
	Token string // bearer token; also the session cookie's value
	CSRF  string // the token cookie-authenticated writes must echo
	User  auth.User
}

var errBadLogin = apperr.Errorf(apperr.Unauthorized, "wrong username or password, or the account is locked for %d minutes after %d failed attempts",
	int(auth.LockoutPeriod/time.Minute), auth.MaxFailedLogins)

// Login checks a username and password and opens a session. Wrong
// credentials, unknown users, disabled and locked accounts all give the same
// unauthorized error, so the answer does not tell whether a user exists. The
// fifth failure in a row locks the account for auth.LockoutPeriod. Every
// attempt is audited.
func (s *Store) Login(ctx context.Context, username, password string) (Login, error) {
	var rows []userRow
	if err := s.conn(ctx).Where("username = ?", username).Limit(1).Find(&rows).Error; err != nil {
		return Login{}, err
	}
	if len(rows) == 0 {
		auth.BurnPasswordCheck(password)
		if err := s.Record(ctx, Audit{Action: audit.LoginFailed, TargetType: "user", Detail: "unknown username"}); err != nil {
			return Login{}, err
		}
		return Login{}, errBadLogin
	}
	row := rows[0]
	ok, err := auth.CheckPassword(row.PasswordHash, password)
	if err != nil {
		return Login{}, err
	}
	now := s.now()
	locked := row.LockedUntil != nil && row.LockedUntil.After(now)
	if locked || row.Disabled {
		reason := "account locked"
		if row.Disabled {
			reason = "account disabled"
		}
		if err := s.Record(ctx, Audit{Action: audit.LoginFailed, TargetType: "user", TargetID: row.ID, Detail: reason}); err != nil {
			return Login{}, err
		}
		return Login{}, errBadLogin
	}
	if !ok {
		err := s.WithTx(ctx, func(ctx context.Context) error {
			db := s.conn(ctx)
			if err := db.Exec("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?", row.ID).Error; err != nil {
				return err
			}
			var failures int
			if err := db.Raw("SELECT failed_logins FROM users WHERE id = ?", row.ID).Scan(&failures).Error; err != nil {
				return err
			}
			if failures >= auth.MaxFailedLogins {
				until := now.Add(auth.LockoutPeriod)
				if err := db.Exec("UPDATE users SET failed_logins = 0, locked_until = ? WHERE id = ?", until, row.ID).Error; err != nil {
					return err
				}
				return s.record(ctx, Audit{Action: audit.LoginLocked, TargetType: "user", TargetID: row.ID,
					Detail: "locked after repeated failures"})
			}
			return s.record(ctx, Audit{Action: audit.LoginFailed, TargetType: "user", TargetID: row.ID, Detail: "wrong password"})
		})
		if err != nil {
			return Login{}, err
		}
		return Login{}, errBadLogin
	}
	login := Login{Token: secret.Token(32), CSRF: secret.Token(24), User: row.domain()}
	err = s.WithTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		if err := db.Exec("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?", row.ID).Error; err != nil {
			return err
		}
		sess := sessionRow{TokenHash: secret.HashToken(login.Token), UserID: row.ID, CsrfToken: login.CSRF,
			CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}
		if err := db.Create(&sess).Error; err != nil {
			return err
		}
		a, _ := auth.ActorFrom(ctx)
		a.UserID, a.Username, a.InstitutionID, a.Roles = row.ID, row.Username, row.InstitutionID, login.User.Roles
		return s.record(auth.WithActor(ctx, a), Audit{Action: audit.LoginOK, TargetType: "user", TargetID: row.ID})
	})
	if err != nil {
		return Login{}, err
	}
	login.User.LockedUntil = nil
	return login, nil
}

// Session is an authenticated session.
type Session struct {
	TokenHash string
	CSRF      string
	User      auth.User
}

// Authenticate returns the live session for a bearer token. Errors:
// unauthorized when the token is unknown, expired or revoked, or its user is
// disabled.
func (s *Store) Authenticate(ctx context.Context, token string) (Session, error) {
	h := secret.HashToken(token)
	// The session and its user in one query: every request runs this.
	var row struct {
		User           userRow    `gorm:"embedded"`
		SessionCSRF    string     `gorm:"column:session_csrf"`
		SessionExpires time.Time  `gorm:"column:session_expires"`
		SessionRevoked *time.Time `gorm:"column:session_revoked"`
	}
	err := s.conn(ctx).Table("sessions").
		Select("users.*, sessions.csrf_token AS session_csrf, sessions.expires_at AS session_expires, sessions.revoked_at AS session_revoked").
		Joins("JOIN users ON users.id = sessions.user_id").Where("sessions.token_hash = ?", h).Take(&row).Error
	if err != nil {
		return Session{}, apperr.Errorf(apperr.Unauthorized, "please log in")
	}
	if row.SessionRevoked != nil || !row.SessionExpires.After(s.now()) {
		return Session{}, apperr.Errorf(apperr.Unauthorized, "the session has ended; please log in again")
	}
	u := row.User.domain()
	if u.Disabled {
		return Session{}, apperr.Errorf(apperr.Unauthorized, "the account is disabled")
	}
	return Session{TokenHash: h, CSRF: row.SessionCSRF, User: u}, nil
}

// Logout revokes the actor's session.
func (s *Store) Logout(ctx context.Context) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.conn(ctx).Model(&sessionRow{}).Where("token_hash = ? AND revoked_at IS NULL", a.Session).
			Update("revoked_at", s.now()).Error; err != nil {
			return err
		}
		return s.record(ctx, Audit{Action: audit.Logout, TargetType: "user", TargetID: a.UserID})
	})
}

func (s *Store) revokeUserSessions(ctx context.Context, userID, keep string) error {
	return s.conn(ctx).Model(&sessionRow{}).Where("user_id = ? AND revoked_at IS NULL AND token_hash <> ?", userID, keep).
		Update("revoked_at", s.now()).Error
}
