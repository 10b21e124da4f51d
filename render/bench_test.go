package render

import (
	"bytes"
	"os"
	"testing"

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
	var n int
	for b.Loop() {
		is, err := issue.Parse("sample-135.md", src)
		if err != nil {
			b.Fatal(err)
		}
		a, err := Render(is, Options{Theme: th})
		if err != nil {
			b.Fatal(err)
		}
		n = len([]rune(a.Content))
	}
	b.ReportMetric(float64(n), "content-chars")
}

// BenchmarkGoldmarkFloor is the floor wxpub's render is measured against: goldmark's own
// parse and default HTML renderer, no styling, on the same Markdown, in the same binary
// (go test ./render -bench 'ParseRender|GoldmarkFloor').
func BenchmarkGoldmarkFloor(b *testing.B) {
	src, err := os.ReadFile("../issue/testdata/sample-135.md")
	if err != nil {
		b.Fatal(err)
	}
	md := goldmark.New(goldmark.WithExtensions(extension.Table))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	var out bytes.Buffer
	for b.Loop() {
		out.Reset()
		if err := md.Convert(src, &out); err != nil {
			b.Fatal(err)
		}
	}
}
