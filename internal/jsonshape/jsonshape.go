// Package jsonshape compares the shape of decoded JSON documents (field names and JSON
// types, not values): how the conformance tests check the sandbox's answers and wxpub's
// requests against the platform's documented examples.
package jsonshape

import "strings"

// Kind names a decoded JSON value's type: string, number, bool, array, object or null.
func Kind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

// Difference is one place where a document lacks a field of the reference (Got is
// empty) or holds it with another JSON type.
type Difference struct {
	// Path is where, as ".a.b[0].c".
	Path string
	// Want is the reference's type there; Got the document's, empty when it lacks it.
	Want, Got string
}

// Missing walks ref and reports each of its fields that doc lacks or types otherwise.
// Arrays are compared by their first elements, as documented examples show one.
func Missing(ref, doc any) []Difference {
	var out []Difference
	missing(&out, "", ref, doc)
	return out
}

func missing(out *[]Difference, path string, ref, doc any) {
	rk, dk := Kind(ref), Kind(doc)
	if rk != dk {
		*out = append(*out, Difference{Path: path, Want: rk, Got: dk})
		return
	}
	switch r := ref.(type) {
	case map[string]any:
		d := doc.(map[string]any)
		for k, v := range r {
			dv, ok := d[k]
			if !ok {
				*out = append(*out, Difference{Path: path + "." + k, Want: Kind(v)})
				continue
			}
			missing(out, path+"."+k, v, dv)
		}
	case []any:
		d := doc.([]any)
		if len(r) > 0 && len(d) > 0 {
			missing(out, path+"[0]", r[0], d[0])
		}
	}
}

// Unexcused is Missing(ref, doc) less the type differences excuses allows. Its keys are
// "ENDPOINT path" (the path without its leading dot), its values the type doc may have
// there instead.
func Unexcused(ref, doc any, endpoint string, excuses map[string]string) []Difference {
	var out []Difference
	for _, d := range Missing(ref, doc) {
		if d.Got != "" && excuses[endpoint+" "+strings.TrimPrefix(d.Path, ".")] == d.Got {
			continue
		}
		out = append(out, d)
	}
	return out
}
