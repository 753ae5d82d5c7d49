package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

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
	if field, ok := nulField(reflect.ValueOf(dst), "body"); ok {
		return apperr.InvalidField(field, "%s must not contain a NUL character", field)
	}
	return nil
}

// storable reports whether s can be stored as text: PostgreSQL refuses NUL
// characters and invalid UTF-8, which would otherwise surface as a 500.
// (encoding/json already replaces invalid UTF-8 in JSON strings.)
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// nulField returns the JSON name of the first string in v that holds a NUL
// character; name is the name of v itself.
func nulField(v reflect.Value, name string) (string, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return nulField(v.Elem(), name)
		}
	case reflect.String:
		return name, strings.ContainsRune(v.String(), 0)
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if f, ok := nulField(v.Index(i), name); ok {
				return f, true
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			tag, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
			if tag == "" || tag == "-" {
				continue
			}
			if f, ok := nulField(v.Field(i), tag); ok {
				return f, true
			}
		}
	}
	return "", false
}

// checkParams refuses path and query parameters that cannot be stored as
// text (see storable) with a 400 naming the parameter.
func checkParams(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for i, name := range c.ParamNames() {
			if i < len(c.ParamValues()) && !storable(c.ParamValues()[i]) {
				return apperr.InvalidField(name, "%s must be UTF-8 text without NUL characters", name)
			}
		}
		for name, vs := range c.QueryParams() {
			for _, v := range vs {
				if !storable(v) {
					return apperr.InvalidField(name, "%s must be UTF-8 text without NUL characters", name)
				}
			}
		}
		return next(c)
	}
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
