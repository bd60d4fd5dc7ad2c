package incident

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/bookingharness/bookingharness/internal/gendoc"
)

// docs/incident-format.md is generated from the parser's key tables: the test fails when
// the file is stale. UPDATE_DOCS=1 writes it instead (internal/gendoc).
func TestDocsAreFresh(t *testing.T) {
	gendoc.File(t, DocsFile, Markdown())
}

// example is one example file of the reference, with the parser it is written for.
type example struct {
	section string
	src     string
	calcom  bool
}

func examples() []example {
	var out []example
	for _, s := range Format() {
		for _, src := range s.Examples {
			out = append(out, example{s.Title, src, s.CalcomFile})
		}
	}
	return out
}

func (ex example) parse() error {
	if ex.calcom {
		_, err := ParseCalcomFile("example.yaml", []byte(ex.src))
		return err
	}
	_, err := Parse("example.yaml", []byte(ex.src))
	return err
}

// Every YAML block of the reference is one of its examples, and every example parses.
func TestDocsExamplesParse(t *testing.T) {
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(Markdown(), -1)
	exs := examples()
	if len(blocks) != len(exs) {
		t.Fatalf("the reference has %d YAML blocks and %d examples: every block must be an example (parsed here)", len(blocks), len(exs))
	}
	for i, ex := range exs {
		if blocks[i][1] != ex.src {
			t.Errorf("YAML block %d is not example %d (%s)", i, i, ex.section)
		}
		if err := ex.parse(); err != nil {
			t.Errorf("%s example does not parse: %v", ex.section, err)
		}
	}
}

// keyUse is one key written in an example: the path of its value (steps[2].book) and the
// path of the mapping it sits in with indices made [] (steps[].book is the mapping of
// start).
type keyUse struct {
	path, mapping, key string
}

// uses walks an example's YAML and lists every key it writes, x- keys left out.
func uses(t *testing.T, src string) []keyUse {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	var out []keyUse
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			walk(n.Content[0], path)
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", path, i))
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i].Value
				if strings.HasPrefix(k, ExtensionPrefix) {
					continue
				}
				kp := k
				if path != "" {
					kp = path + "." + k
				}
				out = append(out, keyUse{path: kp, mapping: mappingPath(path), key: k})
				walk(n.Content[i+1], kp)
			}
		}
	}
	walk(&doc, "")
	return out
}

var index = regexp.MustCompile(`\[\d+\]`)

// mappingPath turns a value's path into the Path of the table that holds its keys: indices
// become [], a concurrent entry's book and faults are a step's, a fault list's items are
// the fault mapping.
func mappingPath(path string) string {
	p := index.ReplaceAllString(path, "[]")
	if rest, ok := strings.CutPrefix(p, "steps[].concurrent[]."); ok {
		p = "steps[]." + rest
	}
	if rest, ok := strings.CutSuffix(p, ".fault[]"); ok {
		p = rest + ".fault"
	}
	return p
}

// Every key of every table is shown in some example, in the mapping the table describes. A
// concurrent entry has a booking step's keys (one table, attemptKeys), so a key a booking
// step shows counts for the entry too.
func TestDocsExamplesUseEveryKey(t *testing.T) {
	shown := map[[2]string]bool{}
	for _, ex := range examples() {
		for _, u := range uses(t, ex.src) {
			shown[[2]string{u.mapping, u.key}] = true
			if u.mapping == "steps[]" && slices.Contains(names(attemptKeys()), u.key) {
				shown[[2]string{"steps[].concurrent[]", u.key}] = true
			}
		}
	}
	for _, s := range Format() {
		for _, m := range s.Mappings {
			for _, k := range m.Keys {
				if !shown[[2]string{m.Path, k.Name}] {
					t.Errorf("%s: no example writes %q in %q", s.Title, k.Name, m.Path)
				}
			}
		}
	}
}

// Every key the tables name is read by the parser: a table entry the parser ignored would be
// a key the strict check lets through and nothing interprets. Each key written in an
// example, given a value no key takes ({bogus: 1}), must make the parse fail at that key.
func TestDocsEveryTableKeyIsRead(t *testing.T) {
	for _, ex := range examples() {
		for _, u := range uses(t, ex.src) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(ex.src), &doc); err != nil {
				t.Fatal(err)
			}
			if !replaceValue(&doc, u.path, "") {
				t.Fatalf("%s: cannot find %s", ex.section, u.path)
			}
			src, err := yaml.Marshal(&doc)
			if err != nil {
				t.Fatal(err)
			}
			err = example{ex.section, string(src), ex.calcom}.parse()
			var e *Error
			if !errors.As(err, &e) || !(e.Field == u.path || strings.HasPrefix(e.Field, u.path+".") || strings.HasPrefix(e.Field, u.path+"[")) {
				t.Errorf("%s: %s: {bogus: 1}: err = %v, want an error at %s", ex.section, u.path, err, u.path)
			}
		}
	}
}

// replaceValue finds the value at path under n and makes it the mapping {bogus: 1}.
func replaceValue(n *yaml.Node, path, at string) bool {
	switch n.Kind {
	case yaml.DocumentNode:
		return replaceValue(n.Content[0], path, at)
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if replaceValue(c, path, fmt.Sprintf("%s[%d]", at, i)) {
				return true
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			kp := n.Content[i].Value
			if at != "" {
				kp = at + "." + kp
			}
			if kp == path {
				n.Content[i+1] = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle, Content: []*yaml.Node{
					{Kind: yaml.ScalarNode, Tag: "!!str", Value: "bogus"}, {Kind: yaml.ScalarNode, Tag: "!!int", Value: "1"}}}
				return true
			}
			if strings.HasPrefix(path, kp) && replaceValue(n.Content[i+1], path, kp) {
				return true
			}
		}
	}
	return false
}

// The anchors the tables link to are the ones GitHub gives the reference's headings.
func TestDocsLinksNameHeadings(t *testing.T) {
	md := Markdown()
	var headings []string
	for _, line := range strings.Split(md, "\n") {
		if h, ok := strings.CutPrefix(line, "### "); ok {
			headings = append(headings, anchor(h))
		}
	}
	for _, m := range regexp.MustCompile(`\]\(#([^)]+)\)`).FindAllStringSubmatch(md, -1) {
		if !slices.Contains(headings, m[1]) {
			t.Errorf("the reference links #%s, which no mapping's heading is", m[1])
		}
	}
}
