package issue

import _ "embed"

// Sample is a real issue of the newsletter (No. 135), kept in the binary so that
// `wxpub demo` works from any folder.
//
//go:embed testdata/sample-135.md
var Sample []byte
