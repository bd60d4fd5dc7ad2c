package core

import (
	"fmt"
	"strings"

	"github.com/bookingharness/bookingharness/core/store"
)

// Layer names one duplicate-prevention layer. The names are a public contract: incident
// files, CLI flags, metrics labels and reports use them.
type Layer string

// The layers, in the seed's order; slot_exclusion is the hardened design's fifth layer.
const (
	// LayerFreshness rejects a returned booking older than the freshness threshold (30 s).
	LayerFreshness Layer = "freshness"
	// LayerCallID rejects a returned booking whose metadata.call_id names another call.
	LayerCallID Layer = "call_id"
	// LayerDBCheck looks for an appointment that already carries the booking uid.
	LayerDBCheck Layer = "db_check"
	// LayerUnique is the UNIQUE index unique_calcom_v2_booking_id (a migration).
	LayerUnique Layer = "unique"
	// LayerSlotExclusion is the btree_gist exclusion constraint: no two live appointments of
	// one staff member overlap (a migration; hardened policy only).
	LayerSlotExclusion Layer = "slot_exclusion"
)

// AllLayers lists every layer in evaluation order of the seed design.
func AllLayers() []Layer {
	return []Layer{LayerFreshness, LayerCallID, LayerDBCheck, LayerUnique, LayerSlotExclusion}
}

func (l Layer) bit() Layers {
	for i, x := range AllLayers() {
		if x == l {
			return 1 << i
		}
	}
	return 0
}

// Layers is a set of layers. The zero value is "none" (the seed's
// DUPLICATE_PREVENTION_ENABLED=false).
type Layers uint8

// All is every layer switched on.
func All() Layers { return 1<<len(AllLayers()) - 1 }

// NewLayers builds a set from layers.
func NewLayers(ls ...Layer) Layers {
	var s Layers
	for _, l := range ls {
		s |= l.bit()
	}
	return s
}

// Has reports whether l is switched on.
func (s Layers) Has(l Layer) bool { return l.bit() != 0 && s&l.bit() != 0 }

// With returns the set plus l.
func (s Layers) With(l Layer) Layers { return s | l.bit() }

// Without returns the set minus l (how the necessity matrix switches one layer off).
func (s Layers) Without(l Layer) Layers { return s &^ l.bit() }

// List returns the layers in the set, in evaluation order.
func (s Layers) List() []Layer {
	var out []Layer
	for _, l := range AllLayers() {
		if s.Has(l) {
			out = append(out, l)
		}
	}
	return out
}

// String renders the set as ParseLayers reads it: "all", "none" or a comma-separated list.
func (s Layers) String() string {
	switch s & All() {
	case All():
		return "all"
	case 0:
		return "none"
	}
	names := make([]string, 0, 5)
	for _, l := range s.List() {
		names = append(names, string(l))
	}
	return strings.Join(names, ",")
}

// Schema is the database schema the set needs: the unique and slot_exclusion layers are
// migrations, so switching them off means migrating without them.
func (s Layers) Schema() store.Schema {
	return store.Schema{Unique: s.Has(LayerUnique), SlotExclusion: s.Has(LayerSlotExclusion)}
}

// MarshalText renders the set for YAML, JSON and flags.
func (s Layers) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses the set with ParseLayers.
func (s *Layers) UnmarshalText(b []byte) error {
	v, err := ParseLayers(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseLayers reads "all", "none" or a list of layer names separated by commas or spaces
// (brackets allowed, so "[freshness, call_id]" works). Unknown or repeated names are errors
// that name the offender and the valid names.
func ParseLayers(text string) (Layers, error) {
	t := strings.TrimSpace(text)
	t = strings.TrimSuffix(strings.TrimPrefix(t, "["), "]")
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "all":
		return All(), nil
	case "none", "":
		if strings.TrimSpace(text) == "" {
			return 0, fmt.Errorf("layers: empty; want all, none or a list of %s", validLayerNames())
		}
		return 0, nil
	}
	fields := strings.FieldsFunc(t, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	return LayersFromNames(fields)
}

// LayersFromNames builds a set from a list of names, as a YAML list gives them.
func LayersFromNames(names []string) (Layers, error) {
	var s Layers
	for _, n := range names {
		l := Layer(strings.ToLower(strings.TrimSpace(n)))
		if l.bit() == 0 {
			return 0, fmt.Errorf("layers: unknown layer %q; want all, none or names from %s", n, validLayerNames())
		}
		if s.Has(l) {
			return 0, fmt.Errorf("layers: %q listed twice", n)
		}
		s = s.With(l)
	}
	return s, nil
}

func validLayerNames() string {
	names := make([]string, 0, 5)
	for _, l := range AllLayers() {
		names = append(names, string(l))
	}
	return "[" + strings.Join(names, ", ") + "]"
}
