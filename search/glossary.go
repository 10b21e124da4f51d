package search

import (
	_ "embed"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"wxpub/issue"
)

//go:embed glossary.yaml
var builtinGlossary []byte

// Entry is one concept of the glossary: a law, regulator, standard or topic with every
// name followers use for it.
type Entry struct {
	Zh []string `yaml:"zh"`
	En []string `yaml:"en"`
}

// Forms are all its names.
func (e Entry) Forms() []string { return append(append([]string(nil), e.Zh...), e.En...) }

// Name is how messages name it: its first form.
func (e Entry) Name() string { return e.Forms()[0] }

// Glossary finds the concepts a query names, by any of their forms.
type Glossary struct {
	entries []Entry
	// forms, longest first, each with its entry: the longest form wins where forms
	// overlap (个人信息保护法 before 个人信息).
	forms []form
}

type form struct {
	text  string // folded
	entry int
	latin bool // matched as whole words
}

// DefaultGlossary returns the glossary built into wxpub. It is read once per process and
// shared (a Glossary is not changed once made): reading it was a tenth of `wxpub ask`.
func DefaultGlossary() *Glossary { return builtin() }

var builtin = sync.OnceValue(func() *Glossary {
	g, err := ParseGlossary("glossary.yaml", builtinGlossary)
	if err != nil {
		panic("search: the built-in glossary: " + err.Error())
	}
	return g
})

// LoadGlossary reads a glossary file and adds it to the built-in one.
func LoadGlossary(path string) (*Glossary, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("search.glossary: %w", err)
	}
	extra, err := ParseGlossary(path, data)
	if err != nil {
		return nil, err
	}
	base := DefaultGlossary()
	g := &Glossary{entries: slices.Clone(base.entries), forms: slices.Clone(base.forms)}
	g.add(extra.entries...)
	return g, nil
}

// ParseGlossary reads a glossary: a YAML list of {zh: […], en: […]}; name is for messages.
func ParseGlossary(name string, data []byte) (*Glossary, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	g := &Glossary{}
	if len(doc.Content) == 0 {
		return g, nil
	}
	list := doc.Content[0]
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s:%d: want a list of entries ({zh: […], en: […]})", name, list.Line)
	}
	for _, n := range list.Content {
		var e Entry
		if err := n.Decode(&e); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n.Line, err)
		}
		if len(e.Forms()) < 2 {
			return nil, fmt.Errorf("%s:%d: an entry needs at least two names (zh and en)", name, n.Line)
		}
		for _, f := range e.Forms() {
			if strings.TrimSpace(f) == "" {
				return nil, fmt.Errorf("%s:%d: an empty name", name, n.Line)
			}
		}
		g.add(e)
	}
	return g, nil
}

func (g *Glossary) add(entries ...Entry) {
	for _, e := range entries {
		g.entries = append(g.entries, e)
		for _, f := range e.Forms() {
			t := fold(f)
			g.forms = append(g.forms, form{text: t, entry: len(g.entries) - 1, latin: !issue.HasHan(t)})
		}
	}
	sort.SliceStable(g.forms, func(i, j int) bool { return len(g.forms[i].text) > len(g.forms[j].text) })
}

// NameIn returns what the entry term names is called in lang: the first of its forms in
// that language, when term is one of its forms, whole, and it has one there ("个人信息" →
// "personal information").
func (g *Glossary) NameIn(term string, lang issue.Lang) (string, bool) {
	if g == nil {
		return "", false
	}
	t := fold(strings.TrimSpace(term))
	for _, f := range g.forms {
		if f.text != t {
			continue
		}
		names := g.entries[f.entry].Zh
		if lang == issue.LangEn {
			names = g.entries[f.entry].En
		}
		if len(names) == 0 {
			return "", false
		}
		return names[0], true
	}
	return "", false
}

// Len is how many entries it has.
func (g *Glossary) Len() int { return len(g.entries) }

// Concept is a glossary entry a query names, and the form it used.
type Concept struct {
	Entry Entry
	Used  string
}

// Find returns the concepts a folded query names, longest form first where they overlap,
// and the query with their forms taken out.
func (g *Glossary) Find(q string) (concepts []Concept, rest string) {
	if g == nil {
		return nil, q
	}
	taken := make([]bool, len(q))
	seen := map[int]bool{}
	for _, f := range g.forms {
		for from := 0; from < len(q); {
			i := strings.Index(q[from:], f.text)
			if i < 0 {
				break
			}
			i += from
			end := i + len(f.text)
			from = end
			if f.latin && !wordBoundary(q, i, end) {
				continue
			}
			if anyTaken(taken[i:end]) {
				continue
			}
			for k := i; k < end; k++ {
				taken[k] = true
			}
			if !seen[f.entry] {
				seen[f.entry] = true
				concepts = append(concepts, Concept{Entry: g.entries[f.entry], Used: q[i:end]})
			}
		}
	}
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if taken[i] {
			if i == 0 || !taken[i-1] {
				b.WriteByte(' ')
			}
			continue
		}
		b.WriteByte(q[i])
	}
	return concepts, strings.Join(strings.Fields(b.String()), " ")
}

func anyTaken(t []bool) bool {
	for _, v := range t {
		if v {
			return true
		}
	}
	return false
}

// wordBoundary reports whether q[i:end] stands as whole words (no letter or digit glued
// to either side).
func wordBoundary(q string, i, end int) bool {
	if i > 0 {
		r, _ := utf8.DecodeLastRuneInString(q[:i])
		if unicode.IsLetter(r) && !issue.IsHan(r) || unicode.IsDigit(r) {
			return false
		}
	}
	if end < len(q) {
		r, _ := utf8.DecodeRuneInString(q[end:])
		if unicode.IsLetter(r) && !issue.IsHan(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}
