package scenarios_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/replay"
)

// incidentEntries lists one Entry per incident file and per policy the file states
// expectations for (its own policy, plus any expect_by_policy), read when the spec tree is
// built: adding a file to scenarios/incidents — or a shrunk one to incidents/found (`load
// --shrink`) — adds its regression tests. A file that does not parse still gets an entry,
// which fails with the parser's file:line: field message.
func incidentEntries() []TableEntry {
	var files []string
	for _, pattern := range []string{"incidents/*.yaml", "incidents/found/*.yaml"} {
		matches, err := filepath.Glob(pattern)
		if err != nil {
			panic(err) // only a malformed pattern errors
		}
		files = append(files, matches...)
	}
	var entries []TableEntry
	if len(files) == 0 {
		// Run from anywhere but scenarios/, the catalogue is not found: that must fail, not
		// shrink the suite by every incident spec unnoticed.
		wd, _ := os.Getwd()
		return []TableEntry{Entry("the incident catalogue", Label("kind:incident"), "incidents/*.yaml", "",
			fmt.Errorf("no incident file found from %s: the suite runs in scenarios/", wd))}
	}
	for _, file := range files {
		inc, err := incident.Load(file)
		if err != nil {
			entries = append(entries, Entry(file, Label("kind:incident"), file, "", err))
			continue
		}
		for _, policy := range inc.Policies() {
			entries = append(entries, Entry(fmt.Sprintf("%s under %s", filepath.Base(file), policy),
				Label("kind:incident", "policy:"+policy), file, policy, nil))
		}
	}
	return entries
}

var _ = Describe("Incident replay", func() {
	DescribeTable("replays every file of scenarios/incidents (and incidents/found) and meets its expectations",
		func(ctx SpecContext, file, policy string, loadErr error) {
			Expect(loadErr).NotTo(HaveOccurred(), "invalid incident file")
			inc, err := incident.Load(file)
			Expect(err).NotTo(HaveOccurred())
			opts := replay.Options{}
			if policy != inc.Policy {
				opts.Policy = core.Policy(policy)
			}
			res, err := replay.Run(ctx, pg, inc, opts)
			Expect(err).NotTo(HaveOccurred())
			if !res.OK() {
				AddReportEntry("timeline", res.Timeline())
			}
			Expect(res.Failures).To(BeEmpty(), "timeline:\n%s", res.Timeline())
			Expect(res.Expectations).NotTo(Equal(replay.ExpectNone), "every entry asserts something")
		},
		incidentEntries(),
	)

	It("refuses an invalid file with file, line and field", Label("kind:incident"), func() {
		_, err := incident.Load("../sim/replay/testdata/invalid-start.yaml")
		var ie *incident.Error
		Expect(errors.As(err, &ie)).To(BeTrue(), "want *incident.Error, got %v", err)
		Expect(ie.File).To(HaveSuffix("invalid-start.yaml"))
		Expect(ie.Line).To(Equal(12))
		Expect(ie.Field).To(Equal("steps[1].book.start"))
		Expect(err.Error()).To(ContainSubstring("invalid-start.yaml:12:"))
	})
})
