package incident

import "github.com/bookingharness/bookingharness/internal/strictyaml"

// Error is an invalid incident file: where (file, line, column), which field (a path like
// steps[1].book.start) and what is wrong. `bookingharness replay` prints it and exits 2.
type Error = strictyaml.Error
