package reports

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"testing"
)

// The scenario suite may skip nothing the declared skip list (DeclaredSkips) does not name —
// and it names nothing, so the suite holds no Skip, no pending and no focused spec — and every
// Eventually or Consistently is bounded by the spec's context (or an explicit WithTimeout /
// WithContext), never by Gomega's one-second default: on a loaded machine a default timeout
// decides an outcome by the clock.
func TestScenariosSkipNothingAndBoundEveryWait(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "scenarios", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario file found: %v", err)
	}
	banned := []string{"Skip", "PIt", "FIt", "XIt", "PDescribe", "FDescribe", "XDescribe", "PContext", "FContext", "XContext",
		"PWhen", "FWhen", "XWhen", "PEntry", "FEntry", "XEntry", "PDescribeTable", "FDescribeTable", "XDescribeTable", "Focus", "Pending"}
	fset := token.NewFileSet()
	for _, file := range files {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		bounded := map[*ast.CallExpr]bool{}
		methods := map[*ast.Ident]bool{} // x.Pending() is a method, not the decorator
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				methods[sel.Sel] = true
			}
			if call, ok := n.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "WithTimeout" || sel.Sel.Name == "WithContext") {
					if inner := innermostCall(sel.X); inner != nil {
						bounded[inner] = true
					}
				}
			}
			return true
		})
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				name := calledName(x)
				if slices.Contains(banned, name) {
					t.Errorf("%s: %s: the suite skips, focuses or leaves nothing pending (reports/skips.go declares no skip)", fset.Position(x.Pos()), name)
				}
				if (name == "Eventually" || name == "Consistently") && !bounded[x] && !firstArgIsCtx(x) {
					t.Errorf("%s: %s without the spec's context or an explicit bound: Gomega's default timeout would decide the outcome", fset.Position(x.Pos()), name)
				}
			case *ast.Ident:
				if (x.Name == "Focus" || x.Name == "Pending") && !methods[x] {
					t.Errorf("%s: decorator %s in the suite", fset.Position(x.Pos()), x.Name)
				}
			}
			return true
		})
	}
}

func calledName(c *ast.CallExpr) string {
	switch f := c.Fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		if pkg, ok := f.X.(*ast.Ident); ok && (pkg.Name == "ginkgo" || pkg.Name == "gomega") {
			return f.Sel.Name
		}
	}
	return ""
}

// innermostCall follows a chain x.A(...).B(...) down to its first call.
func innermostCall(e ast.Expr) *ast.CallExpr {
	for {
		call, ok := e.(*ast.CallExpr)
		if !ok {
			return nil
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return call
		}
		e = sel.X
	}
}

func firstArgIsCtx(c *ast.CallExpr) bool {
	if len(c.Args) == 0 {
		return false
	}
	id, ok := c.Args[0].(*ast.Ident)
	return ok && id.Name == "ctx"
}
