package core

import (
	"testing"

	"github.com/bookingharness/bookingharness/core/store"
)

// NewTestStore gives the external tests (package core_test, which drive the core against the
// real fake Cal.com) a fresh database of schema, as the internal tests get one.
func NewTestStore(t testing.TB, schema store.Schema) *store.Store { return testStore(t, schema) }
