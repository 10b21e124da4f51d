package search

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/text/width"
)

// Text is folded the same way in the index and in queries: full-width letters and digits
// to ASCII, traditional characters to simplified (OpenCC's t2s dictionaries, which leave
// simplified text as it is), and lower case.

// Each converter is built when first needed (building one is a few milliseconds of a
// `wxpub ask`): t2s for any Chinese text, tw2sp only for a query in traditional characters.
// The dictionaries are embedded in the module: New fails only on a bad name.
var (
	t2s  = sync.OnceValue(func() *opencc.OpenCC { c, _ := opencc.New("t2s"); return c })
	tw2s = sync.OnceValue(func() *opencc.OpenCC { c, _ := opencc.New("tw2sp"); return c })
)

// fold normalises text for matching.
//
// t2s matches its dictionaries' keys, the longest first, and every key is Chinese
// characters from U+3400 on: a text converts as its runs of such characters (after the
// width fold, punctuation such as ， and 。 ends a run), each alone, and a run without a
// character t2s may change (traditional) stays as it is. Converting only those runs, not
// the whole of every text with one, folds the sample's bodies (one of which has 會) in
// 105–117 µs, not 1.04–1.12 ms, and all simplified ones in 89–92 µs, not 116–125
// (BenchmarkFold).
func fold(s string) string {
	s = strings.ToLower(width.Fold.String(s))
	var b strings.Builder
	done := 0 // s[:done] is in b
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r < 0x3400 {
			i += n
			continue
		}
		start, convert := i, false
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r < 0x3400 {
				break
			}
			convert = convert || traditional(r)
			i += n
		}
		if !convert {
			continue
		}
		out, err := t2s().Convert(s[start:i])
		if err != nil {
			continue
		}
		b.WriteString(s[done:start])
		b.WriteString(out)
		done = i
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

// traditional reports whether t2s may change r: alone (會 → 会), or in a word of its
// phrase dictionary (瞭 in 不瞭解 → 不了解, where 瞭 alone stays). Characters of the Basic
// Multilingual Plane are remembered in changing (0 not yet known, 1 stays, 2 changes),
// the others in changingRare: most text is simplified already, and asking t2s about every
// character was a quarter of building the index.
func traditional(r rune) bool {
	if int(r) < len(changing) {
		switch changing[r].Load() {
		case 1:
			return false
		case 2:
			return true
		}
		v, state := changes(r), uint32(1)
		if v {
			state = 2
		}
		changing[r].Store(state)
		return v
	}
	v, ok := changingRare.Load(r)
	if !ok {
		v = changes(r)
		changingRare.Store(r, v)
	}
	return v.(bool)
}

var (
	changing     [0x10000]atomic.Uint32
	changingRare sync.Map // rune → bool
)

// changes asks t2s whether it may change r.
func changes(r rune) bool {
	if phraseChars()[r] {
		return true
	}
	out, err := t2s().Convert(string(r))
	return err == nil && out != string(r)
}

// phraseChars are the characters t2s's phrase dictionaries change in their words (a few
// hundred words): a run without one is left alone by them.
var phraseChars = sync.OnceValue(func() map[rune]bool {
	chars := map[rune]bool{}
	for _, g := range t2s().DictChains {
		for i, d := range g.Dicts {
			if i >= len(g.Files) || !strings.Contains(g.Files[i], "Phrases") {
				continue
			}
			for _, id := range d.Trie.PrefixPredict(nil, 0) {
				key, err := d.Trie.Key(id)
				if err != nil {
					continue
				}
				v, err := d.Trie.Value(id)
				if err != nil || v >= len(d.Values) || len(d.Values[v]) == 0 || d.Values[v][0] == string(key) {
					continue
				}
				// The characters it changes, where it keeps its length; else all of them.
				k, to := []rune(string(key)), []rune(d.Values[v][0])
				for i, r := range k {
					if len(k) != len(to) || to[i] != r {
						chars[r] = true
					}
				}
			}
		}
	}
	return chars
})

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
