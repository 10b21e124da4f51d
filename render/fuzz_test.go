package render

import (
	"os"
	"strings"
	"testing"

	"wxpub/issue"
)

// FuzzRender: whatever the parser accepts renders without panic into content that keeps
// the WeChat editor's rules.
func FuzzRender(f *testing.F) {
	for _, p := range fixtures {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("## 国内要闻 Domestic News\n### 标题 <script>\n正文 [x](javascript:alert(1)) <b>raw</b> `code` ~~del~~\n\n```\n  a < b\n```\n### Title\n> quote\n\n1. one\n   - two\n     - three\n"))
	th, err := LoadTheme("")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		is, err := issue.Parse("fuzz.md", data)
		if err != nil {
			return
		}
		a, err := Render(is, Options{Theme: th})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(a.Content, "<script") || strings.Contains(a.Content, "<div") || strings.Contains(a.Content, " class=") || strings.Contains(a.Content, " id=") {
			t.Fatalf("forbidden markup in %q", a.Content)
		}
		checkContent(t, a.Content)
	})
}
