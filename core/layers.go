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

// ParseLayers reads "all", "none" or a list of layer names separated by commas or by spaces
// (brackets allowed, so "[freshness, call_id]" works). "none" is the only way to say none:
// an empty text, an empty item (",", "freshness,,unique", "freshness,"), an empty list
// ("[]") or "all"/"none" inside a list are errors, as are unknown or repeated names. Every
// error names the offender and the valid names, so a typo can never silently change which
// layers run. "all" is every layer; which of them a policy runs is Policy.Effective's job,
// and whether a list suits a policy is Policy.ParseLayers' (or Policy.CheckLayers').
func ParseLayers(text string) (Layers, error) {
	t := strings.TrimSpace(text)
	switch strings.ToLower(t) {
	case "all":
		return All(), nil
	case "none":
		return 0, nil
	case "":
		return 0, fmt.Errorf("layers: empty; want all, none or a list of %s", validLayerNames())
	}
	inner, bracketed := strings.CutPrefix(t, "[")
	if bracketed {
		var closed bool
		if inner, closed = strings.CutSuffix(inner, "]"); !closed {
			return 0, fmt.Errorf("layers: %q opens a [ it never closes", text)
		}
	} else if strings.HasSuffix(t, "]") {
		return 0, fmt.Errorf("layers: %q closes a ] it never opened", text)
	}
	if strings.TrimSpace(inner) == "" {
		return 0, fmt.Errorf("layers: %q is an empty list; write none for no layers", text)
	}
	var names []string
	if strings.Contains(inner, ",") {
		names = strings.Split(inner, ",")
	} else {
		names = strings.Fields(inner)
	}
	for i, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			return 0, fmt.Errorf("layers: %q has an empty item (#%d); write none for no layers", text, i+1)
		}
		names[i] = n
	}
	return LayersFromNames(names)
}

// LayersFromNames builds a set from a list of names, as a YAML list gives them. An empty
// list is the empty set (callers that must refuse it, such as incident files, do so
// themselves); "all" and "none" are not layer names.
func LayersFromNames(names []string) (Layers, error) {
	var s Layers
	for _, n := range names {
		l := Layer(strings.ToLower(strings.TrimSpace(n)))
		if l.bit() == 0 {
			if l == "all" || l == "none" {
				return 0, fmt.Errorf("layers: %q inside a list; write %s on its own, or list names from %s", n, l, validLayerNames())
			}
			return 0, fmt.Errorf("layers: unknown layer %q; want all, none or names from %s", n, validLayerNames())
		}
		if s.Has(l) {
			return 0, fmt.Errorf("layers: %q listed twice", n)
		}
		s = s.With(l)
	}
	return s, nil
}

func validLayerNames() string { return layerNames(AllLayers()) }

// layerNames renders layers as "[a, b]" for error messages.
func layerNames(ls []Layer) string {
	names := make([]string, 0, len(ls))
	for _, l := range ls {
		names = append(names, string(l))
	}
	return "[" + strings.Join(names, ", ") + "]"
}
