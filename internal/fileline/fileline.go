// Package fileline is the error of a file people write (an issue, a menu): it names the
// file and, where known, the line, as FILE:LINE: message, the form editors jump to.
package fileline

import "fmt"

// Error is a problem at a line of a file (Line 0: the file as a whole).
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}
