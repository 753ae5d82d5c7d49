// Package apperr is the hub's one error type. Domain packages return *Error
// values with a code from the fixed list below; the HTTP adapter maps each code
// to a status in one place. It imports nothing from the hub.
package apperr

import (
	"errors"
	"fmt"
)

// Codes shared by every package. The HTTP adapter owns the code → status map.
const (
	Invalid      = "invalid"      // bad input: the Field names what is wrong
	TooLarge     = "too_large"    // request body or upload over its limit
	Unauthorized = "unauthorized" // not logged in, or wrong credentials
	Forbidden    = "forbidden"    // logged in, but not allowed
	NotFound     = "not_found"    // absent, or not visible to the caller
	Conflict     = "conflict"     // duplicate, stale version, or forbidden state change
	Internal     = "internal"     // anything else; never shown in detail to clients
)

// Error is an application error a client may see. Message is safe to show
// to the user; it never carries SQL or patient data.
type Error struct {
	Code    string
	Field   string
	Message string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	return e.Code + ": " + e.Message
}

// Errorf returns an Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidField reports bad input in one named field (JSON name).
func InvalidField(field, format string, args ...any) *Error {
	return &Error{Code: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFoundf reports an absent or invisible resource.
func NotFoundf(format string, args ...any) *Error { return Errorf(NotFound, format, args...) }

// Conflictf reports a state conflict.
func Conflictf(format string, args ...any) *Error { return Errorf(Conflict, format, args...) }

// Forbiddenf reports a permission failure.
func Forbiddenf(format string, args ...any) *Error { return Errorf(Forbidden, format, args...) }

// Code returns the code of err, Internal for errors that are not *Error and
// "" for nil.
func Code(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
