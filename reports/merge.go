package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bookingharness/bookingharness/internal/sabotage"
	"github.com/bookingharness/bookingharness/internal/stamp"
)

// ErrShardsRefused is wrapped by MergeShards's error when the shards cannot make one body
// of evidence: their stamps disagree, two shards hold the same file, or the self-test's
// shards do not add up to one whole self-test.
var ErrShardsRefused = errors.New("shards refused")

// MergeShards joins the artefacts that separate runs left in shard directories — each a
// reports/out of one CI job: the suite, one necessity layer, a self-test shard, a black-box
// gate — into dir, which must be empty or absent, so the report and the gate judge them as
// one run's (docs/ci.md). It refuses (ErrShardsRefused) shards whose stamps disagree (made
// from different trees), a file two shards both hold, an artefact without a stamp, and
// self-test shards that are not every shard of one split exactly once; the self-test's
// shards are joined into one mutation.json. The report's own outputs (report.json,
// summary.md, index.html) in a shard are left out: the report makes them again. It returns
// one line per shard saying what it brought.
func MergeShards(dir string, shards []string) ([]string, error) {
	if len(shards) == 0 {
		return nil, fmt.Errorf("reports: merge: no shard directory given")
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("reports: merge: %s is not empty: merge into an empty directory, so nothing of another run is mixed in", dir)
	}
	m := merger{owner: map[string]string{}}
	for _, sh := range shards {
		if err := m.read(sh); err != nil {
			return nil, err
		}
	}
	m.checkStamps()
	mut := m.joinMutation()
	if len(m.problems) > 0 {
		return nil, fmt.Errorf("reports: merge: %w:\n  %s", ErrShardsRefused, strings.Join(m.problems, "\n  "))
	}
	for _, f := range m.files {
		if err := copyFile(filepath.Join(f.shard, f.rel), filepath.Join(dir, f.rel)); err != nil {
			return nil, err
		}
	}
	if mut != nil {
		data, err := json.MarshalIndent(mut, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("reports: merge: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, FileMutation), append(data, '\n'), 0o644); err != nil {
			return nil, fmt.Errorf("reports: merge: %w", err)
		}
	}
	return m.summary(), nil
}

// shardFile is one file a shard brings, relative to the shard's directory.
type shardFile struct{ shard, rel string }

// stamped is one artefact's stamp, with where it came from.
type stamped struct {
	shard, rel string
	stamp      stamp.Stamp
}

// merger gathers what the shards hold and what is wrong with them.
type merger struct {
	files    []shardFile
	owner    map[string]string // rel → the shard that brought it
	stamps   []stamped
	mutation []shardMutation
	problems []string
	brought  map[string][]string // shard → its artefacts, for the summary
	order    []string
}

type shardMutation struct {
	shard string
	m     *Mutation
}

// reportOutputs are the report's own files: a shard's are left out, the report makes them.
func reportOutputs() []string { return []string{FileFacts, FileSummary, FileIndex} }

func (m *merger) read(shard string) error {
	info, err := os.Stat(shard)
	if err != nil {
		return fmt.Errorf("reports: merge: shard %w", err)
	}
	if !info.IsDir() {
		return fmt.Errorf("reports: merge: shard %s is not a directory", shard)
	}
	if m.brought == nil {
		m.brought = map[string][]string{}
	}
	m.order = append(m.order, shard)
	found := 0
	err = filepath.WalkDir(shard, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(shard, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if slices.Contains(reportOutputs(), rel) {
			return nil
		}
		st, kind, err := artefactStamp(shard, rel)
		if err != nil {
			m.problems = append(m.problems, fmt.Sprintf("%s: %v", shard, err))
			return nil
		}
		if kind != "" {
			found++
			m.brought[shard] = append(m.brought[shard], rel)
			if st == nil {
				m.problems = append(m.problems, fmt.Sprintf("%s/%s carries no stamp: it was not made by this harness's make targets", shard, rel))
			} else {
				m.stamps = append(m.stamps, stamped{shard, rel, *st})
			}
		}
		if rel == FileMutation {
			mut, err := ReadMutation(p)
			if err != nil {
				m.problems = append(m.problems, err.Error())
			} else {
				m.mutation = append(m.mutation, shardMutation{shard, mut})
			}
			return nil
		}
		if other, ok := m.owner[rel]; ok {
			m.problems = append(m.problems, fmt.Sprintf("%s is in two shards, %s and %s: each artefact comes from one run", rel, other, shard))
			return nil
		}
		m.owner[rel] = shard
		m.files = append(m.files, shardFile{shard, rel})
		return nil
	})
	if err != nil {
		return fmt.Errorf("reports: merge: read shard %s: %w", shard, err)
	}
	if found == 0 {
		m.problems = append(m.problems, fmt.Sprintf("%s holds no stamped artefact (ginkgo.json, necessity/<layer>.json, mutation.json, a black-box report, a stamped coverage profile): not a shard of this harness", shard))
	}
	return nil
}

// artefactStamp reads the stamp of the file rel of shard when it is an artefact: a Ginkgo
// report of the suite or a necessity run, a sidecar stamp (the coverage profile), or a JSON
// object with a "stamp" (the mutation score, a black-box report). kind is "" for any other
// file (logs, timelines, histories), which is copied as it is.
func artefactStamp(shard, rel string) (*stamp.Stamp, string, error) {
	p := filepath.Join(shard, filepath.FromSlash(rel))
	switch {
	case rel == FileGinkgoJSON || (strings.HasPrefix(rel, DirNecessity+"/") && strings.HasSuffix(rel, ".json")):
		sum, _, err := ReadGinkgo(p)
		if err != nil {
			return nil, "", err
		}
		return sum.Stamp, "ginkgo", nil
	case strings.HasSuffix(rel, stamp.SidecarExt):
		st, err := stamp.ReadSidecar(strings.TrimSuffix(p, stamp.SidecarExt))
		if err != nil {
			return nil, "", err
		}
		return &st, "sidecar", nil
	case strings.HasSuffix(rel, ".json"):
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, "", fmt.Errorf("reports: %w", err)
		}
		var doc struct {
			Stamp *stamp.Stamp `json:"stamp"`
		}
		if json.Unmarshal(data, &doc) != nil || doc.Stamp == nil {
			if rel == FileMutation {
				return nil, "mutation", nil
			}
			return nil, "", nil
		}
		return doc.Stamp, "stamped", nil
	}
	return nil, "", nil
}

// checkStamps refuses stamps made from another tree than the first shard's first artefact.
func (m *merger) checkStamps() {
	if len(m.stamps) == 0 {
		return
	}
	ref := m.stamps[0]
	for _, s := range m.stamps[1:] {
		if !s.stamp.SameTree(ref.stamp) {
			m.problems = append(m.problems, fmt.Sprintf("%s/%s was made from another tree than %s/%s (%s, not %s): the shards' stamps disagree",
				s.shard, s.rel, ref.shard, ref.rel, s.stamp.Inputs, ref.stamp.Inputs))
		}
	}
}

// joinMutation joins the self-test's scores: one whole score as it is, or the shards of one
// split — every shard of it exactly once, no sabotage judged twice — into one score.
func (m *merger) joinMutation() *Mutation {
	switch {
	case len(m.mutation) == 0:
		return nil
	case len(m.mutation) == 1 && m.mutation[0].m.Shard == nil:
		return m.mutation[0].m
	}
	var of int
	seen := map[int]string{}
	judged := map[string]string{}
	for _, sm := range m.mutation {
		sh := sm.m.Shard
		switch {
		case sh == nil:
			m.problems = append(m.problems, fmt.Sprintf("%s/%s is a whole self-test's score, and other shards bring self-test scores too", sm.shard, FileMutation))
			continue
		case of == 0:
			of = sh.Of
		case sh.Of != of:
			m.problems = append(m.problems, fmt.Sprintf("%s/%s is shard %s, others are shards of %d: one split of the self-test, please", sm.shard, FileMutation, sh, of))
			continue
		}
		if other, ok := seen[sh.Index]; ok {
			m.problems = append(m.problems, fmt.Sprintf("self-test shard %s is in two shards, %s and %s", sh, other, sm.shard))
			continue
		}
		seen[sh.Index] = sm.shard
		for _, r := range sm.m.Results {
			if other, ok := judged[r.Sabotage]; ok {
				m.problems = append(m.problems, fmt.Sprintf("sabotage %s was judged by two shards, %s and %s", r.Sabotage, other, sm.shard))
			}
			judged[r.Sabotage] = sm.shard
		}
	}
	var missing []string
	for k := 1; k <= of; k++ {
		if _, ok := seen[k]; !ok {
			missing = append(missing, sabotage.ShardSpec{Index: k, Of: of}.String())
		}
	}
	if len(missing) > 0 {
		m.problems = append(m.problems, fmt.Sprintf("self-test shard(s) %s missing: the score of a partial self-test scores nothing", strings.Join(missing, ", ")))
	}
	if len(m.problems) > 0 {
		return nil
	}
	out := &Mutation{Survived: []string{}, Inconclusive: []string{}, Stamp: m.mutation[0].m.Stamp}
	byName := map[string]MutationResult{}
	for _, sm := range m.mutation {
		for _, r := range sm.m.Results {
			byName[r.Sabotage] = r
		}
	}
	for _, sb := range sabotage.All() {
		if r, ok := byName[string(sb.Name)]; ok {
			out.Add(r)
			delete(byName, string(sb.Name))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		out.Add(byName[name]) // not in this tree's catalogue: the gate's total says so
	}
	return out
}

func (m *merger) summary() []string {
	var out []string
	for _, sh := range m.order {
		out = append(out, fmt.Sprintf("%s: %s", sh, strings.Join(m.brought[sh], ", ")))
	}
	return out
}

// copyFile copies src to dst, making dst's directory.
func copyFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("reports: merge: %w", err)
	}
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("reports: merge: %w", err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return fmt.Errorf("reports: merge: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("reports: merge: copy %s: %w", src, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("reports: merge: %w", err)
	}
	return nil
}
