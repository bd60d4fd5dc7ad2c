package seeded

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseRate reads a probability as a decimal ("0.02") or a percentage ("2%") and insists on
// (0, 1]: the one grammar of every KIND=RATE item of the load's fault flags.
func ParseRate(s string) (float64, error) {
	s = strings.TrimSpace(s)
	scale := 1.0
	if t, ok := strings.CutSuffix(s, "%"); ok {
		s, scale = strings.TrimSpace(t), 100
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("rate %q is not a number (want a probability such as 0.02 or 2%%)", s)
	}
	v /= scale
	if !(v > 0 && v <= 1) {
		return 0, fmt.Errorf("rate %v must be in (0, 1]", v)
	}
	return v, nil
}
