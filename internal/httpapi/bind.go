package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/lianxin-hub/lianxin/internal/apperr"
)

// bind decodes a JSON body strictly into dst: the content type must be JSON,
// unknown fields and trailing data are refused, and every failure names the
// field at fault.
func bind(c echo.Context, dst any) error {
	ct, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if ct != echo.MIMEApplicationJSON {
		return apperr.InvalidField("body", "Content-Type must be application/json")
	}
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.InvalidField("body", "unexpected data after the JSON object")
	}
	return nil
}

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var he *echo.HTTPError
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &he), errors.As(err, &mb):
		return apperr.Errorf(apperr.TooLarge, "the request body is too large")
	case errors.Is(err, io.EOF):
		return apperr.InvalidField("body", "the request body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.InvalidField("body", "malformed JSON: the body ends too soon")
	case errors.As(err, &syn):
		return apperr.InvalidField("body", "malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return apperr.InvalidField(field, "%s must be %s", field, jsonType(typ.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return apperr.InvalidField(name, "unknown field %q", name)
	}
	return apperr.InvalidField("body", "the request body is not valid JSON")
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	}
	return "of another type"
}
