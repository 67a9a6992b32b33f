package watchdog

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"testing"
)

// TestKindsListEveryConstant keeps EventKinds and Healths in step with the
// constants event.go declares: a new kind added there and not here would
// be refused by every chaos scenario that expects it.
func TestKindsListEveryConstant(t *testing.T) {
	declared := constantsOfType(t, "event.go")
	var kinds, healths []string
	for _, k := range EventKinds() {
		kinds = append(kinds, string(k))
	}
	for _, h := range Healths() {
		healths = append(healths, string(h))
	}
	for typ, got := range map[string][]string{"EventKind": kinds, "Health": healths} {
		if want := declared[typ]; !slices.Equal(got, want) {
			t.Errorf("the %s list = %v, want event.go's constants %v in order", typ, got, want)
		}
	}
}

// constantsOfType returns the values of file's typed string constants by
// type name, in declaration order.
func constantsOfType(t *testing.T, file string) map[string][]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			typ, ok := vs.Type.(*ast.Ident)
			if !ok || len(vs.Values) != 1 {
				continue
			}
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				continue
			}
			v, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			out[typ.Name] = append(out[typ.Name], v)
		}
	}
	return out
}
