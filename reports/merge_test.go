package reports

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// splitFixture splits a complete reports/out (copyFixture) into the shard directories CI
// jobs would leave: the suite with its coverage, one per necessity layer, the self-test in
// n shards, and the black-box gate. It returns the shards' directories.
func splitFixture(t *testing.T, full string, n int) []string {
	t.Helper()
	root := t.TempDir()
	move := func(shard string, rels ...string) string {
		dir := filepath.Join(root, shard)
		for _, rel := range rels {
			data, err := os.ReadFile(filepath.Join(full, rel))
			if err != nil {
				t.Fatal(err)
			}
			must(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755))
			must(t, os.WriteFile(filepath.Join(dir, rel), data, 0o644))
		}
		return dir
	}
	shards := []string{move("suite", FileGinkgoJSON, FileJUnit, FileCoverProfile, FileCoverStamp, FileCoverFunc)}
	for _, l := range PolicyLayers() {
		shards = append(shards, move("necessity-"+l, filepath.Join(DirNecessity, l+".json")))
	}
	shards = append(shards, move("blackbox", filepath.Join(DirBlackBox, FileBlackBox), filepath.Join(DirBlackBox, FileBlackBoxSummary)))
	whole, err := ReadMutation(filepath.Join(full, FileMutation))
	if err != nil {
		t.Fatal(err)
	}
	for k := 1; k <= n; k++ {
		sp := sabotage.ShardSpec{Index: k, Of: n}
		part := Mutation{Survived: []string{}, Inconclusive: []string{}, Stamp: whole.Stamp, Shard: &sp}
		for _, sb := range sabotage.Shard(sabotage.All(), sp) {
			for _, r := range whole.Results {
				if r.Sabotage == string(sb.Name) {
					part.Add(r)
				}
			}
		}
		dir := filepath.Join(root, "selftest-"+sp.String()[:1])
		must(t, os.MkdirAll(dir, 0o755))
		writeJSON(t, filepath.Join(dir, FileMutation), part)
		shards = append(shards, dir)
	}
	return shards
}

// Shards merged with MergeShards give the facts of one run: the same gate verdict, the same
// coverage and necessity matrices, the same mutation score with every result, the same
// suite summary, and the same artefacts.
func TestMergedShardsAreOneRun(t *testing.T) {
	full := copyFixture(t)
	one, err := Collect(fixtureInputs(full))
	if err != nil {
		t.Fatal(err)
	}
	merged := filepath.Join(t.TempDir(), "out")
	lines, err := MergeShards(merged, splitFixture(t, full, 3))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2+len(PolicyLayers())+3 || !strings.Contains(lines[0], "ginkgo.json") {
		t.Errorf("merge summary:\n%s", strings.Join(lines, "\n"))
	}
	got, err := Collect(fixtureInputs(merged))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Gate.Pass || !reflect.DeepEqual(got.Gate, one.Gate) {
		t.Errorf("gate: merged %s, one run %s", got.Gate, one.Gate)
	}
	for what, pair := range map[string][2]any{
		"coverage matrix":  {got.Coverage, one.Coverage},
		"necessity matrix": {got.Necessity, one.Necessity},
		"mutation score":   {got.Mutation, one.Mutation},
		"suite":            {got.Suite, one.Suite},
		"artefacts":        {len(got.Artefacts), len(one.Artefacts)},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Errorf("%s differs:\nmerged   %+v\none run  %+v", what, pair[0], pair[1])
		}
	}
	if diff := CompareFacts(got, one); len(diff) > 0 {
		t.Errorf("CompareFacts finds differences: %v", diff)
	}
}

// What MergeShards refuses, each named: shards made from different trees, a file in two
// shards, self-test shards that are not one whole split, an artefact without a stamp, a
// directory holding no artefact, and a destination that already holds something.
func TestMergeRefusesShardsThatAreNotOneRun(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(t *testing.T, shards []string) []string
		refused bool
		want    string
	}{
		{"a necessity run made from another tree", func(t *testing.T, shards []string) []string {
			restamp(t, filepath.Join(shards[1], DirNecessity, PolicyLayers()[0]+".json"), olderTree())
			return shards
		}, true, "the shards' stamps disagree"},
		{"a self-test shard made from another tree", func(t *testing.T, shards []string) []string {
			editMutation(t, shards[len(shards)-1], func(m *Mutation) { m.Stamp = olderTree() })
			return shards
		}, true, "sha256:older"},
		{"the suite in two shards", func(t *testing.T, shards []string) []string {
			return append(shards, shards[0])
		}, true, "ginkgo.json is in two shards"},
		{"a self-test shard missing", func(t *testing.T, shards []string) []string {
			return shards[:len(shards)-1]
		}, true, "self-test shard(s) 3/3 missing"},
		{"self-test shards of two splits", func(t *testing.T, shards []string) []string {
			editMutation(t, shards[len(shards)-1], func(m *Mutation) { m.Shard = &sabotage.ShardSpec{Index: 3, Of: 4} })
			return shards
		}, true, "shard 3/4, others are shards of 3"},
		{"a whole self-test beside its shards", func(t *testing.T, shards []string) []string {
			editMutation(t, shards[len(shards)-1], func(m *Mutation) { m.Shard = nil })
			return shards
		}, true, "a whole self-test's score"},
		{"an unstamped necessity run", func(t *testing.T, shards []string) []string {
			restamp(t, filepath.Join(shards[2], DirNecessity, PolicyLayers()[1]+".json"), nil)
			return shards
		}, true, "carries no stamp"},
		{"a directory that holds no artefact", func(t *testing.T, shards []string) []string {
			return append(shards, t.TempDir())
		}, true, "holds no stamped artefact"},
		{"a directory that is not there", func(t *testing.T, shards []string) []string {
			return append(shards, filepath.Join(t.TempDir(), "gone"))
		}, false, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shards := tc.edit(t, splitFixture(t, copyFixture(t), 3))
			out := filepath.Join(t.TempDir(), "out")
			_, err := MergeShards(out, shards)
			if err == nil || errors.Is(err, ErrShardsRefused) != tc.refused || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("MergeShards: %v; want refused=%v naming %q", err, tc.refused, tc.want)
			}
			if _, statErr := os.Stat(out); !errors.Is(statErr, os.ErrNotExist) {
				t.Errorf("a refused merge wrote %s", out)
			}
		})
	}

	t.Run("a destination that holds something", func(t *testing.T) {
		full := copyFixture(t)
		if _, err := MergeShards(full, splitFixture(t, full, 1)); err == nil || !strings.Contains(err.Error(), "is not empty") {
			t.Fatalf("MergeShards into a full directory: %v", err)
		}
	})
}

// A self-test shard's score on its own is refused by the gate, naming the shard; merged
// with its siblings it passes.
func TestGateRefusesASelftestShardAlone(t *testing.T) {
	dir := copyFixture(t)
	editMutation(t, dir, func(m *Mutation) { m.Shard = &sabotage.ShardSpec{Index: 1, Of: 1} })
	f, err := Collect(fixtureInputs(dir))
	if err != nil {
		t.Fatal(err)
	}
	if f.Gate.Pass || len(f.Gate.Findings) != 1 || f.Gate.Findings[0].Rule != RuleMutationTotal || !strings.Contains(f.Gate.Findings[0].Message, "shard 1/1") {
		t.Fatalf("gate on a shard's score: %s", f.Gate)
	}
}
