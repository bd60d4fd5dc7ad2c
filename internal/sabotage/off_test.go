//go:build !bookingharness_sabotage

package sabotage_test

import (
	"testing"

	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// Without the build tag nothing can switch a sabotage on, whatever the environment says.
func TestUntaggedBuildNeverSabotages(t *testing.T) {
	t.Setenv(sabotage.EnvName, string(sabotage.CoreCancel))
	if sabotage.On(sabotage.CoreCancel) || sabotage.OnLayer("seed", "freshness") {
		t.Fatal("a sabotage fired in a build without -tags bookingharness_sabotage")
	}
}
