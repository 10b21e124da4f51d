package render

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wxpub/issue"
)

func fold(s string) string { return strings.Join(strings.Fields(s), " ") }

// wxpub's own article, read back from its HTML, gives the same issue: number, date,
// sections and every item's titles and bodies in both languages.
func TestRenderRoundTrips(t *testing.T) {
	for _, path := range []string{"../issue/testdata/sample-135.md", "../issue/testdata/variations.md", "../search/testdata/archive-137.md", "../search/testdata/archive-138.md"} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			want, err := issue.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			art, err := Render(want, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := issue.ParseHTML("article.html", []byte(art.Content))
			if err != nil {
				t.Fatal(err)
			}
			if got.Number != want.Number || got.Date != want.Date || len(got.Sections) != len(want.Sections) {
				t.Errorf("number %d date %q sections %d, want %d %q %d", got.Number, got.Date, len(got.Sections), want.Number, want.Date, len(want.Sections))
			}
			wi, gi := want.Items(), got.Items()
			if len(gi) != len(wi) {
				t.Fatalf("%d items, want %d", len(gi), len(wi))
			}
			for i := range wi {
				w, g := wi[i], gi[i]
				if g.ID != w.ID || fold(g.Title.Zh) != fold(w.Title.Zh) || fold(g.Title.En) != fold(w.Title.En) {
					t.Errorf("item %s: titles %q / %q, want %q / %q", w.ID, g.Title.Zh, g.Title.En, w.Title.Zh, w.Title.En)
				}
				for _, pair := range [][2]string{{g.Body.Zh, w.Body.Zh}, {g.Body.En, w.Body.En}} {
					if fold(pair[0]) != fold(pair[1]) {
						t.Errorf("item %s body:\n got %q\nwant %q", w.ID, fold(pair[0]), fold(pair[1]))
					}
				}
			}
		})
	}
}

// Articles other WeChat editors made (nested sections, a span per line, styled headings)
// are read as issues with their items.
func TestForeignArticles(t *testing.T) {
	for _, c := range []struct {
		file   string
		number int
		date   string
		titles []string
	}{
		{"nested-sections.html", 120, "2019-12-30", []string{"网信办发布《数据安全管理办法（征求意见稿）》解读|CAC Draft Measures on Data Security Management Explained", "工信部通报侵害用户权益的App|MIIT Names Apps That Infringe User Rights"}},
		{"spans-per-line.html", 118, "2019-12-16", []string{"欧盟法院就Planet49案作出判决|CJEU Rules on Planet49", "加州消费者隐私法修正案签署生效|CCPA Amendments Signed into Law"}},
		{"styled-headings.html", 119, "2019-12-23", []string{"《App违法违规收集使用个人信息行为认定方法》发布|Methods for Identifying Illegal Collection and Use of Personal Information by Apps Issued", "密码法将于2020年1月1日起施行|The Cryptography Law Takes Effect on January 1, 2020"}},
	} {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("../issue/testdata/foreign", c.file))
			if err != nil {
				t.Fatal(err)
			}
			is, err := issue.ParseHTML(c.file, data)
			if err != nil {
				t.Fatal(err)
			}
			var titles []string
			for _, it := range is.Items() {
				titles = append(titles, it.Title.Zh+"|"+it.Title.En)
				if it.Body.Zh == "" || it.Body.En == "" {
					t.Errorf("item %s lacks a body: %+v", it.ID, it.Body)
				}
			}
			if is.Number != c.number || is.Date != c.date || strings.Join(titles, "\n") != strings.Join(c.titles, "\n") {
				t.Errorf("No. %d %q\n%s\nwant No. %d %q\n%s", is.Number, is.Date, strings.Join(titles, "\n"), c.number, c.date, strings.Join(c.titles, "\n"))
			}
			if is.Disclaimer.Zh == "" {
				t.Errorf("no disclaimer found")
			}
		})
	}
}
