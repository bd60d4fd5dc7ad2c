// Package nodetest is what the tests of the Node example service (examples/node-hardened-service)
// share: the check that Node and the example's npm packages are there.
package nodetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// EnvAllowMissing, set to "1", lets the Node example's tests skip (with the reason) on a
// machine without Node 20 or without the example's npm packages. Unset, they fail: the
// black-box proof in another language is part of the suite, and scripts/prepare-blackbox.sh
// installs both.
const EnvAllowMissing = "HARNESS_ALLOW_MISSING_NODE"

// MinMajor is the oldest Node the example supports.
const MinMajor = 20

// Require fails the test — or skips it when EnvAllowMissing says it may — unless node
// (MinMajor or newer) is on PATH and dir (the example) has its npm packages installed.
func Require(t *testing.T, dir string) {
	t.Helper()
	if problem := missing(dir); problem != "" {
		if os.Getenv(EnvAllowMissing) == "1" {
			t.Skipf("skipped: %s (%s=1 allows it)", problem, EnvAllowMissing)
		}
		t.Fatalf("%s: run scripts/prepare-blackbox.sh (apt-get install nodejs npm; npm ci in %s), or set %s=1 to skip", problem, dir, EnvAllowMissing)
	}
}

// missing says what the example lacks on this machine, "" when nothing.
func missing(dir string) string {
	if p := nodeProblem(); p != "" {
		return p
	}
	return packagesProblem(dir)
}

// nodeProblem says why node cannot run the example, "" when it can.
func nodeProblem() string {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return "node is not installed (" + err.Error() + ")"
	}
	v := strings.TrimSpace(string(out))
	major, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(v, "v"), ".", 2)[0])
	if err != nil || major < MinMajor {
		return "node " + v + " is older than " + strconv.Itoa(MinMajor)
	}
	return ""
}

// packagesProblem says whether dir lacks its npm packages (pg), "" when they are there.
func packagesProblem(dir string) string {
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "pg", "package.json")); err != nil {
		return "the example's npm packages are not installed in " + dir + " (npm ci)"
	}
	return ""
}
