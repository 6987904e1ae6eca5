package audit

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestActionsListed reads the application's source for the actions it
// records — the literal action of every audit.Record call, the literals
// given to a variable named action, and the actions of event status
// changes — and fails when one is not in Actions (so not translated).
func TestActionsListed(t *testing.T) {
	known := map[string]bool{}
	for _, a := range Actions {
		if known[a] {
			t.Errorf("action %q listed twice", a)
		}
		known[a] = true
	}
	found := map[string]string{}
	lit := func(e ast.Expr, where string) {
		if b, ok := e.(*ast.BasicLit); ok && b.Kind == token.STRING {
			if s, err := strconv.Unquote(b.Value); err == nil {
				found[s] = where
			}
		}
	}
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				switch fn := x.Fun.(type) {
				case *ast.SelectorExpr:
					if id, ok := fn.X.(*ast.Ident); ok && id.Name == "audit" && fn.Sel.Name == "Record" && len(x.Args) > 2 {
						lit(x.Args[2], fset.Position(x.Pos()).String())
					}
				case *ast.Ident:
					if fn.Name == "Record" && len(x.Args) > 2 && strings.HasSuffix(filepath.Dir(path), "audit") {
						lit(x.Args[2], fset.Position(x.Pos()).String())
					}
					if fn.Name == "setStatus" && len(x.Args) > 5 {
						lit(x.Args[5], fset.Position(x.Pos()).String())
					}
				}
			case *ast.AssignStmt:
				for i, l := range x.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Name == "action" && i < len(x.Rhs) {
						lit(x.Rhs[i], fset.Position(x.Pos()).String())
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) < 20 {
		t.Fatalf("found only %d actions in the source: %v", len(found), found)
	}
	for a, where := range found {
		if !known[a] {
			t.Errorf("%s records action %q, missing from audit.Actions (and its audit.action.* messages)", where, a)
		}
	}
}
