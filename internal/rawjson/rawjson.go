// Package rawjson encodes JSON the way WeChat and wxpub's readers want it: with < > & left
// as they are (Go escapes them as \u003c…, which WeChat has rejected and mangled, and which
// makes HTML unreadable), and without the trailing newline of json.Encoder.
package rawjson

import (
	"bytes"
	"encoding/json"
)

// Marshal encodes v compactly.
func Marshal(v any) ([]byte, error) { return MarshalIndent(v, "") }

// MarshalIndent encodes v with each level indented by indent ("" for compact).
func MarshalIndent(v any, indent string) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
