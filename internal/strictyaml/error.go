package strictyaml

import "fmt"

// Error is an invalid file: where (file, line, column), which field (a path like
// steps[1].book.start) and what is wrong. The commands print it and exit 2.
type Error struct {
	File   string
	Line   int
	Column int
	// Field is the path of the offending field; empty for file-level problems.
	Field string
	Msg   string
}

// Error formats as file:line:col: field: msg, the form editors and CI logs link.
func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", e.File, e.Line, e.Column, e.Field, e.Msg)
}
