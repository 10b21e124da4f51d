package search

import (
	"strings"
	"sync"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/text/width"
)

// Text is folded the same way in the index and in queries: full-width letters and digits
// to ASCII, traditional characters to simplified (OpenCC's t2s dictionary, character by
// character, which leaves simplified text as it is), and lower case.

// Each converter is built when first needed (building one is a few milliseconds of a
// `wxpub ask`): t2s for any Chinese text, tw2sp only for a query in traditional characters.
// The dictionaries are embedded in the module: New fails only on a bad name.
var (
	t2s  = sync.OnceValue(func() *opencc.OpenCC { c, _ := opencc.New("t2s"); return c })
	tw2s = sync.OnceValue(func() *opencc.OpenCC { c, _ := opencc.New("tw2sp"); return c })
)

// fold normalises text for matching.
func fold(s string) string {
	s = strings.ToLower(width.Fold.String(s))
	if !hasTraditional(s) {
		return s
	}
	if out, err := t2s().Convert(s); err == nil {
		return out
	}
	return s
}

// traditional remembers, for each Chinese character met, whether t2s changes it: most
// text is simplified already, and converting it (a dictionary walk over every character)
// was a quarter of building the index.
var traditional sync.Map // rune → bool

// hasTraditional reports whether s has a character t2s would change.
func hasTraditional(s string) bool {
	for _, r := range s {
		if r < 0x2E80 {
			continue
		}
		v, ok := traditional.Load(r)
		if !ok {
			out, err := t2s().Convert(string(r))
			v = err == nil && out != string(r)
			traditional.Store(r, v)
		}
		if v.(bool) {
			return true
		}
	}
	return false
}

// queryForms are the forms a query is searched in: folded, and, when it was written in
// traditional characters, also with Taiwan's words turned into the mainland's (資訊 →
// 信息, 網路 → 网络), which a character mapping cannot do. That phrase mapping is not
// applied to simplified text, where it would change words (程序 → 进程).
func queryForms(q string) []string {
	f := fold(q)
	low := strings.ToLower(width.Fold.String(q))
	if f == low {
		return []string{f}
	}
	tw, err := tw2s().Convert(low)
	if err != nil || tw == f {
		return []string{f}
	}
	return []string{f, strings.ToLower(tw)}
}
