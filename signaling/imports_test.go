package signaling

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/lianxin-hub/lianxin"

// TestNeverImportsInternal enforces the package contract: nothing under
// signaling/ may reach internal/, directly or through another package of
// this module. Other modules cannot import our internal/ (the toolchain
// forbids it), so following module-local imports covers the whole graph.
func TestNeverImportsInternal(t *testing.T) {
	root, err := filepath.Abs("..") // module root; go test runs in signaling/
	if err != nil {
		t.Fatal(err)
	}

	// Start with every directory under signaling/, test files included: a
	// test that needs clinical data is as much a boundary breach as code.
	var queue []string
	err = filepath.WalkDir(filepath.Join(root, "signaling"), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			rel, _ := filepath.Rel(root, path)
			queue = append(queue, module+"/"+filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	signalingPkgs := len(queue)

	seen := map[string]bool{}
	via := map[string]string{} // import path -> importer, for the failure message
	for i := 0; i < len(queue); i++ {
		pkg := queue[i]
		if seen[pkg] {
			continue
		}
		seen[pkg] = true
		dir := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(pkg, module)))
		withTests := i < signalingPkgs
		for _, imp := range importsOf(t, dir, withTests) {
			// An external _test package imports its own directory; skip it
			// so the importer chain below cannot loop.
			if !strings.HasPrefix(imp, module+"/") || imp == pkg {
				continue
			}
			if _, ok := via[imp]; !ok {
				via[imp] = pkg
			}
			if imp == module+"/internal" || strings.HasPrefix(imp, module+"/internal/") {
				chain := imp
				for p, n := pkg, 0; p != "" && n < len(seen); p, n = via[p], n+1 {
					chain = p + " -> " + chain
				}
				t.Errorf("forbidden import of internal/: %s", chain)
				continue
			}
			queue = append(queue, imp)
		}
	}
}

// importsOf lists the imports of the .go files in dir, ignoring build tags
// so a platform-specific file cannot hide a forbidden import.
func importsOf(t *testing.T, dir string, withTests bool) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || (!withTests && strings.HasSuffix(name, "_test.go")) {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		for _, is := range f.Imports {
			p, err := strconv.Unquote(is.Path.Value)
			if err != nil {
				t.Fatalf("%s: bad import %s", name, is.Path.Value)
			}
			out = append(out, p)
		}
	}
	return out
}
