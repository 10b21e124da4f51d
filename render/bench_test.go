package render

import (
	"bytes"
	"os"
	"testing"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"wxpub/issue"
)

// BenchmarkParseRender is the whole job for one issue: parse the sample and render it.
// Target: under 1 ms and 2 MB allocated per issue (see BENCHMARKS.md).
func BenchmarkParseRender(b *testing.B) {
	src, err := os.ReadFile("../issue/testdata/sample-135.md")
	if err != nil {
		b.Fatal(err)
	}
	th, err := LoadTheme("")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	var a *Article
	for b.Loop() {
		is, err := issue.Parse("sample-135.md", src)
		if err != nil {
			b.Fatal(err)
		}
		if a, err = Render(is, Options{Theme: th}); err != nil {
			b.Fatal(err)
		}
	}
	// Counted once, outside the loop: the count is the benchmark's, not the render's.
	b.ReportMetric(float64(utf8.RuneCountInString(a.Content)), "content-chars")
}

// BenchmarkGoldmarkFloor is the floor wxpub's render is measured against: goldmark's own
// parse and default HTML renderer, no styling, on the same Markdown, in the same binary
// (go test ./render -bench 'ParseRender|GoldmarkFloor'). "same" reads the Markdown with
// the extensions wxpub's parser uses (bare URLs as links, strikethrough, tables), so that
// both sides build the same tree; "tables" with goldmark's table extension alone, the floor
// this benchmark had first.
func BenchmarkGoldmarkFloor(b *testing.B) {
	src, err := os.ReadFile("../issue/testdata/sample-135.md")
	if err != nil {
		b.Fatal(err)
	}
	for _, floor := range []struct {
		name string
		ext  []goldmark.Extender
	}{
		{"same", []goldmark.Extender{extension.Linkify, extension.Strikethrough, extension.Table}},
		{"tables", []goldmark.Extender{extension.Table}},
	} {
		b.Run(floor.name, func(b *testing.B) {
			md := goldmark.New(goldmark.WithExtensions(floor.ext...))
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			var out bytes.Buffer
			for b.Loop() {
				out.Reset()
				if err := md.Convert(src, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
