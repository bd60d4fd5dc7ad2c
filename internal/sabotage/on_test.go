//go:build bookingharness_sabotage

package sabotage_test

import (
	"os"
	"os/exec"
	"testing"

	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// In a tagged build the chosen sabotage fires and each firing is counted; another does not.
// The choice is read once per process, so the check runs in a child process.
func TestTaggedBuildCountsFirings(t *testing.T) {
	if os.Getenv("SABOTAGE_CHILD") == "1" {
		for range 3 {
			if !sabotage.On(sabotage.CoreCancel) {
				t.Fatal("the chosen sabotage is off")
			}
		}
		if sabotage.On(sabotage.CoreReconcile) {
			t.Fatal("a sabotage that was not chosen fired")
		}
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestTaggedBuildCountsFirings$")
	cmd.Env = append(os.Environ(), "SABOTAGE_CHILD=1", sabotage.EnvName+"="+string(sabotage.CoreCancel), sabotage.EnvFires+"="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	got, err := sabotage.ReadFires(dir)
	if err != nil || got[sabotage.CoreCancel] != 3 || len(got) != 1 {
		t.Fatalf("fires %v, %v; want core/cancel 3", got, err)
	}
}
