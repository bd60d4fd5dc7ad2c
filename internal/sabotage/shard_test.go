package sabotage_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// The shards of one N split the catalogue: disjoint, together the whole catalogue in its
// order, a slice never split (its control run is made once), and the work balanced — no
// shard holds more than twice the runs of the lightest, for every N a CI matrix would use.
func TestShardsSplitTheCatalogueBySlice(t *testing.T) {
	all := sabotage.All()
	for n := 1; n <= 8; n++ {
		var union []sabotage.Name
		sliceOwner := map[string]int{}
		runs := make([]int, n)
		for k := 1; k <= n; k++ {
			part := sabotage.Shard(all, sabotage.ShardSpec{Index: k, Of: n})
			if len(part) == 0 {
				t.Errorf("%d/%d is empty", k, n)
			}
			own := map[string]bool{}
			for _, s := range part {
				union = append(union, s.Name)
				if owner, ok := sliceOwner[s.Slice]; ok && owner != k {
					t.Errorf("%d/%d: slice %q is split between shards %d and %d", k, n, s.Slice, owner, k)
				}
				sliceOwner[s.Slice] = k
				own[s.Slice] = true
			}
			runs[k-1] = len(part) + len(own)
		}
		var want []sabotage.Name
		for _, s := range all {
			want = append(want, s.Name)
		}
		slices.Sort(union)
		slices.Sort(want)
		if !slices.Equal(union, want) {
			t.Errorf("N=%d: the shards hold %d sabotages (%v), the catalogue %d", n, len(union), union, len(want))
		}
		if lo, hi := slices.Min(runs), slices.Max(runs); hi > 2*lo && n > 1 {
			t.Errorf("N=%d: runs per shard %v are unbalanced", n, runs)
		}
	}
	one := sabotage.Shard(all, sabotage.ShardSpec{Index: 1, Of: 1})
	if len(one) != len(all) || one[0].Name != all[0].Name || one[len(one)-1].Name != all[len(all)-1].Name {
		t.Errorf("1/1 is not the catalogue in its order")
	}
}

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want sabotage.ShardSpec
		bad  bool
	}{
		{in: "1/1", want: sabotage.ShardSpec{Index: 1, Of: 1}},
		{in: " 3/4 ", want: sabotage.ShardSpec{Index: 3, Of: 4}},
		{in: "0/4", bad: true},
		{in: "5/4", bad: true},
		{in: "4", bad: true},
		{in: "a/b", bad: true},
		{in: "1/0", bad: true},
	} {
		got, err := sabotage.ParseShard(tc.in)
		switch {
		case tc.bad && (err == nil || !strings.Contains(err.Error(), "want K/N")):
			t.Errorf("ParseShard(%q) = %v, %v; want an error saying K/N", tc.in, got, err)
		case !tc.bad && (err != nil || got != tc.want || got.String() != strings.TrimSpace(tc.in)):
			t.Errorf("ParseShard(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}
