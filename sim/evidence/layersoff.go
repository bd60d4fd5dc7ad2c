package evidence

import (
	"fmt"
	"strings"

	"github.com/bookingharness/bookingharness/core"
)

// ParseLayersOff reads the value of EnvLayersOff: empty means none, otherwise layer names
// separated by commas. An unknown name is an error naming it, so a typo in a necessity run
// cannot silently leave every layer on.
func ParseLayersOff(value string) ([]core.Layer, error) {
	if strings.TrimSpace(value) == "" {
		return nil, nil
	}
	set, err := core.LayersFromNames(strings.Split(value, ","))
	if err != nil {
		return nil, fmt.Errorf("evidence: %s=%q: %w", EnvLayersOff, value, err)
	}
	return set.List(), nil
}

// WithoutLayers returns layers minus off.
func WithoutLayers(layers core.Layers, off []core.Layer) core.Layers {
	for _, l := range off {
		layers = layers.Without(l)
	}
	return layers
}
