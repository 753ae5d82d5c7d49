package signaling

import (
	"os"
	"regexp"
	"slices"
	"testing"
)

// The TypeScript ErrorCode union lists exactly the ErrorCode constants of
// protocol.go, so a new code (wrong_node, say) cannot reach browsers that
// do not know it.
func TestErrorCodesMatchTypeScript(t *testing.T) {
	goSrc, err := os.ReadFile("protocol.go")
	if err != nil {
		t.Fatal(err)
	}
	tsSrc, err := os.ReadFile("../frontend/src/rtc/protocol.ts")
	if err != nil {
		t.Fatal(err)
	}
	var goCodes []string
	for _, m := range regexp.MustCompile(`(?m)^\s*Code\w+\s+ErrorCode = "([a-z_]+)"`).FindAllSubmatch(goSrc, -1) {
		goCodes = append(goCodes, string(m[1]))
	}
	union := regexp.MustCompile(`(?s)export type ErrorCode =(.*?);`).FindSubmatch(tsSrc)
	if union == nil {
		t.Fatal("protocol.ts has no ErrorCode union")
	}
	var tsCodes []string
	for _, m := range regexp.MustCompile(`"([a-z_]+)"`).FindAllSubmatch(union[1], -1) {
		tsCodes = append(tsCodes, string(m[1]))
	}
	slices.Sort(goCodes)
	slices.Sort(tsCodes)
	if len(goCodes) < 8 || !slices.Equal(goCodes, tsCodes) {
		t.Fatalf("error codes: Go has %v, TypeScript has %v", goCodes, tsCodes)
	}
	if !regexp.MustCompile(`signalingUrl\?: string`).Match(tsSrc) {
		t.Error("protocol.ts ErrorMessage lacks signalingUrl")
	}
}
