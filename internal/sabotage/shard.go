package sabotage

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ShardSpec is one part of the self-test when it is split across CI runners: shard Index of
// Of (1-based), written "2/4".
type ShardSpec struct {
	Index int `json:"index"`
	Of    int `json:"of"`
}

// String is the "2/4" form ParseShard reads.
func (s ShardSpec) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Of) }

// ParseShard reads "K/N" (1 ≤ K ≤ N): shard K of N.
func ParseShard(value string) (ShardSpec, error) {
	k, n, ok := strings.Cut(strings.TrimSpace(value), "/")
	index, errK := strconv.Atoi(k)
	of, errN := strconv.Atoi(n)
	if !ok || errK != nil || errN != nil || of < 1 || index < 1 || index > of {
		return ShardSpec{}, fmt.Errorf("sabotage: shard %q: want K/N with 1 ≤ K ≤ N, e.g. 2/4", value)
	}
	return ShardSpec{Index: index, Of: of}, nil
}

// Shard returns the sabotages of all that shard s runs. A slice's sabotages stay together,
// so each slice's control run is made once across all shards; slices go to the shard with
// the fewest runs so far (a slice costs its control run plus one run per sabotage), the
// biggest slices first, ties broken by the catalogue's order. The shards of one N are
// disjoint and together hold all, in the catalogue's order.
func Shard(all []Sabotage, s ShardSpec) []Sabotage {
	type group struct {
		slice string
		first int
		size  int
	}
	var groups []group
	for i, sb := range all {
		if j := slices.IndexFunc(groups, func(g group) bool { return g.slice == sb.Slice }); j >= 0 {
			groups[j].size++
			continue
		}
		groups = append(groups, group{slice: sb.Slice, first: i, size: 1})
	}
	slices.SortStableFunc(groups, func(a, b group) int { return cmp.Or(cmp.Compare(b.size, a.size), cmp.Compare(a.first, b.first)) })
	load := make([]int, s.Of)
	mine := map[string]bool{}
	for _, g := range groups {
		least := 0
		for i := range load {
			if load[i] < load[least] {
				least = i
			}
		}
		load[least] += g.size + 1
		if least == s.Index-1 {
			mine[g.slice] = true
		}
	}
	var out []Sabotage
	for _, sb := range all {
		if mine[sb.Slice] {
			out = append(out, sb)
		}
	}
	return out
}
