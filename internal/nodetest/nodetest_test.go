package nodetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A directory without node_modules/pg is reported as missing the npm packages, naming it;
// with it, nothing is missing.
func TestPackagesProblem(t *testing.T) {
	dir := t.TempDir()
	if got := packagesProblem(dir); !strings.Contains(got, "npm packages are not installed in "+dir) {
		t.Fatalf("packagesProblem(%s) = %q", dir, got)
	}
	if err := os.MkdirAll(filepath.Join(dir, "node_modules", "pg"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "node_modules", "pg", "package.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := packagesProblem(dir); got != "" {
		t.Fatalf("with pg installed: %q", got)
	}
}
