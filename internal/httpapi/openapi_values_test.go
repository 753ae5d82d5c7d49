package httpapi

import (
	"fmt"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestOpenAPIHasNoNullValues catches a YAML slip that still parses: in a
// flow mapping such as `{ type: string, description: A, or B. }` the comma
// ends the description and makes "or B." a key with a null value, which
// OpenAPI tools reject.
func TestOpenAPIHasNoNullValues(t *testing.T) {
	var doc any
	if err := yaml.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if e == nil {
					t.Errorf("%s/%s is null (an unquoted comma in a flow mapping?)", path, k)
				}
				walk(e, path+"/"+k)
			}
		case []any:
			for i, e := range x {
				walk(e, fmt.Sprintf("%s/%d", path, i))
			}
		}
	}
	walk(doc, "")
}
