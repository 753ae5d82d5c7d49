package httpapi

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/consult"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/rounds"
	"github.com/lianxin-hub/lianxin/internal/schedule"
	"github.com/lianxin-hub/lianxin/internal/teaching"
)

type openAPIDocument struct {
	OpenAPI string                    `yaml:"openapi"`
	Paths   map[string]map[string]any `yaml:"paths"`
	Comps   struct {
		Schemas map[string]struct {
			Enum []string `yaml:"enum"`
		} `yaml:"schemas"`
	} `yaml:"components"`
}

func loadOpenAPI(t *testing.T) openAPIDocument {
	t.Helper()
	var doc openAPIDocument
	if err := yaml.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.yaml does not parse: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q, want 3.x", doc.OpenAPI)
	}
	return doc
}

// TestOpenAPIMatchesRoutes keeps the document true: every /api/v1 route is
// documented with its method, and every documented operation is routed.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented = append(documented, strings.ToUpper(method)+" /api/v1"+path)
		}
	}
	var routed []string
	for _, r := range New(Options{}).Echo().Routes() {
		// Echo adds a catch-all "/*" to every group with middleware, so that
		// unmatched paths still run it; those are not operations.
		if !strings.HasPrefix(r.Path, "/api/v1/") || strings.HasSuffix(r.Path, "/*") {
			continue
		}
		p := r.Path
		// Echo writes :name where OpenAPI writes {name}.
		parts := strings.Split(p, "/")
		for i, part := range parts {
			if strings.HasPrefix(part, ":") {
				parts[i] = "{" + part[1:] + "}"
			}
		}
		routed = append(routed, r.Method+" "+strings.Join(parts, "/"))
	}
	sort.Strings(documented)
	sort.Strings(routed)
	routed = slices.Compact(routed)
	for _, r := range routed {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in openapi.yaml", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routed, d) {
			t.Errorf("openapi.yaml documents %s, which is not routed", d)
		}
	}
	if len(routed) < 25 {
		t.Fatalf("only %d API routes found; the route listing is broken", len(routed))
	}
}

// TestOpenAPIEnumsMatchDomain keeps the documented enums equal to the
// domain's lists, so a value added in code is added to the document too.
func TestOpenAPIEnumsMatchDomain(t *testing.T) {
	doc := loadOpenAPI(t)
	strs := func(xs any) []string {
		var out []string
		switch v := xs.(type) {
		case []auth.Role:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []auth.Title:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []alliance.Level:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []alliance.Kind:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []patient.Sex:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []patient.Scope:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []referral.Direction:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []referral.Urgency:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []referral.Status:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []referral.Action:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []referral.Condition:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []consult.Status:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []consult.Action:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []consult.Urgency:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []consult.VideoStatus:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []consult.VideoAction:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []schedule.ExceptionKind:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []rounds.Status:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []rounds.Action:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []teaching.Kind:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []teaching.Event:
			for _, x := range v {
				out = append(out, string(x))
			}
		case []string:
			out = v
		default:
			t.Fatalf("no conversion for %T", xs)
		}
		return out
	}
	for name, want := range map[string]any{
		"Role": auth.Roles, "Title": auth.Titles, "Level": alliance.Levels, "Kind": alliance.Kinds,
		"SubSpecialty": alliance.SubSpecialties, "Sex": patient.Sexes, "Scope": patient.Scopes,
		"Direction": referral.Directions, "Urgency": referral.Urgencies, "Status": referral.Statuses,
		"Action": referral.Actions, "Condition": referral.Conditions,
		"ConsultStatus": consult.Statuses, "ConsultAction": consult.Actions, "ConsultUrgency": consult.Urgencies,
		"VideoStatus": consult.VideoStatuses, "VideoAction": consult.VideoActions,
		"RoundStatus": rounds.Statuses, "RoundAction": rounds.Actions, "Weekday": rounds.Weekdays,
		"LectureKind": teaching.Kinds,
		// schedule and teaching keep no list of these; name every constant.
		"ExceptionKind":   []schedule.ExceptionKind{schedule.Off, schedule.Extra},
		"AttendanceEvent": []teaching.Event{teaching.Join, teaching.Leave},
	} {
		got := doc.Comps.Schemas[name].Enum
		if !slices.Equal(got, strs(want)) {
			t.Errorf("schema %s enum = %v, domain has %v", name, got, strs(want))
		}
	}
}
