package web

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The web edge reads the form, calls one domain method and renders: no
// database work of its own. Only the server (which opens and hands out the
// connection pool), the metrics (the pool's figures) and the middleware may
// import GORM or database/sql; no handler builds a query on the pool.
func TestWebDoesNoDatabaseWork(t *testing.T) {
	allowed := map[string]bool{"server.go": true, "metrics.go": true, "middleware.go": true}
	// s.db.Where(…), s.db.WithContext(ctx).Model(…): a query written in
	// web. Passing s.db to a domain function is how it should be.
	query := regexp.MustCompile(`\bs\.db(\.WithContext\([^()]*(\(\))?\))?\.(Model|Where|Table|Raw|Exec|Find|First|Take|Transaction|Select|Preload|Joins|Create|Save|Delete|Update|Updates|Pluck|Count|Order|Begin)\(`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		checked++
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		if !allowed[name] {
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if path == "database/sql" || strings.HasPrefix(path, "gorm.io/") {
					t.Errorf("%s imports %s: move the query or transaction into its domain package", name, path)
				}
			}
		}
		for i, line := range strings.Split(string(src), "\n") {
			if query.MatchString(line) {
				t.Errorf("%s:%d builds a query in web: %s", name, i+1, strings.TrimSpace(line))
			}
		}
	}
	if checked < 50 {
		t.Fatalf("only %d web files checked: the test runs in the wrong directory", checked)
	}
}
