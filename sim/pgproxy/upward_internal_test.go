package pgproxy

import (
	"maps"
	"slices"
	"testing"
)

// Statements freed with SQL are forgotten, so a long-lived PDO connection does not grow the
// proxy's map of prepared statements without bound.
func TestForgetDeallocated(t *testing.T) {
	cases := []struct {
		query string
		left  []string
	}{
		{"DEALLOCATE pdo_stmt_00000001\x00", []string{"Mixed", "keep"}},
		{"deallocate prepare PDO_STMT_00000001;\x00", []string{"Mixed", "keep"}},
		{`DEALLOCATE "Mixed"` + "\x00", []string{"keep", "pdo_stmt_00000001"}},
		{"DEALLOCATE ALL\x00", nil},
		{"discard all\x00", nil},
		{"DELETE FROM keep\x00", []string{"Mixed", "keep", "pdo_stmt_00000001"}},
		{"SELECT 1\x00", []string{"Mixed", "keep", "pdo_stmt_00000001"}},
	}
	for _, tc := range cases {
		u := upward{prepared: map[string]string{"pdo_stmt_00000001": "", "Mixed": "", "keep": ""}}
		u.forgetDeallocated([]byte(tc.query))
		if got := slices.Sorted(maps.Keys(u.prepared)); !slices.Equal(got, tc.left) {
			t.Errorf("%q left %v, want %v", tc.query, got, tc.left)
		}
	}
}
