package issue

import (
	"os"
	"testing"
)

// FuzzParse: no input makes the parser panic, and what it accepts is consistent: every item
// has an id and a title in at least one language.
func FuzzParse(f *testing.F) {
	for _, p := range []string{sample, "testdata/variations.md", "testdata/split-headings.md", "testdata/no-items.md"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("---\ntitle: {zh: 标题, en: Title}\n---\n## 国内要闻 Domestic News\n### 标题\n正文\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		is, err := Parse("fuzz.md", data)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for _, it := range is.Items() {
			if it.ID == "" || (it.Title.Zh == "" && it.Title.En == "" && it.Zh != nil && it.Zh.Heading.ChildCount() > 0 && it.En != nil) {
				t.Fatalf("item without id or title: %+v", it)
			}
		}
		if _, err := is.JSON(); err != nil {
			t.Fatal(err)
		}
	})
}
