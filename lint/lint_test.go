package lint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wxpub/issue"
	"wxpub/render"
)

// body is a minimal valid issue after its front matter.
const body = `
# 周报 Weekly Review

## 国内要闻 Domestic News

### 标题

正文。

### Title

Body.
`

func check(t *testing.T, path string) Findings {
	t.Helper()
	is, err := issue.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	th, err := render.LoadTheme("")
	if err != nil {
		t.Fatal(err)
	}
	a, err := render.Render(is, render.Options{Theme: th})
	if err != nil {
		t.Fatal(err)
	}
	return Check(is, a, th)
}

func write(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func find(fs Findings, sev Severity, line int, part string) bool {
	for _, f := range fs {
		if f.Severity == sev && f.Line == line && strings.Contains(f.Message, part) {
			return true
		}
	}
	return false
}

func TestSampleHasWarningsOnly(t *testing.T) {
	fs := check(t, "../issue/testdata/sample-135.md")
	if fs.Errors() != 0 {
		t.Errorf("errors on the sample: %v", fs)
	}
	// The documented "（[查看更多](#)）" placeholders are one note, not ten warnings; the
	// sample's one paragraph broken in mid-sentence ("默认隐私" / "机制。") is a hint.
	if len(fs) != 2 || fs.Warnings() != 0 || !find(fs, Note, 39, "10 “查看更多”-style placeholder links removed") ||
		!find(fs, Note, 65, "item 135-4: this paragraph ends without punctuation") {
		t.Errorf("findings = %v, want one note for the 10 placeholder links and one for the broken line", fs)
	}
	if s := fs[1].String(); s != `../issue/testdata/sample-135.md:39: note: 10 “查看更多”-style placeholder links removed with their brackets, as documented (lines 39, 43, 47, 51, 55, 59, 67, 71, 75, 79)` {
		t.Errorf("finding prints as %q", s)
	}
	if s := fs.Summary(); s != "0 errors, 0 warnings" {
		t.Errorf("summary %q", s)
	}
	if s := (Findings{{Severity: Error}, {Severity: Warning}}).Summary(); s != "1 error, 1 warning" {
		t.Errorf("summary %q", s)
	}
}

func TestLimits(t *testing.T) {
	png, err := os.ReadFile("../issue/testdata/images/chart.png")
	if err != nil {
		t.Fatal(err)
	}
	gif := append([]byte("GIF89a"), make([]byte, 64)...)
	cases := []struct {
		name, front, extra string
		files              map[string][]byte
		sev                Severity
		line               int
		want               string
	}{
		{name: "title too long", front: "title: " + strings.Repeat("标", 33), sev: Error, line: 2, want: "title"},
		{name: "author too long", front: "author: " + strings.Repeat("名", 17), sev: Error, line: 2, want: "author"},
		{name: "digest too long", front: "digest: " + strings.Repeat("摘", 129), sev: Error, line: 2, want: "digest is 129 characters"},
		{name: "source url not http", front: "source_url: ftp://example.com/x", sev: Error, line: 2, want: "source_url"},
		{name: "missing image", extra: "\n![图](images/none.png)\n", sev: Error, line: 17, want: "images/none.png: no such file"},
		{name: "not an image", extra: "\n![图](notes.png)\n", files: map[string][]byte{"notes.png": []byte("just text")}, sev: Error, line: 17, want: "is not an image"},
		{name: "gif is converted", extra: "\n![动图](a.gif)\n", files: map[string][]byte{"a.gif": gif}, sev: Warning, line: 17, want: "publish converts it"},
		{name: "big image is re-encoded", extra: "\n![大图](big.png)\n", files: map[string][]byte{"big.png": append(append([]byte{}, png...), make([]byte, 1<<20)...)}, sev: Warning, line: 17, want: "png of 1024 KB; WeChat takes content images as JPEG or PNG under 1 MB"},
		{name: "missing cover", front: "cover: cover.jpg", sev: Error, line: 2, want: "cover cover.jpg: no such file"},
		{name: "unreferenced image", extra: "\n[spare]: images/spare.png\n", sev: Warning, line: 17, want: "never shown"},
		{name: "deep list", extra: "\n- a\n  - b\n    - c\n", sev: Warning, line: 19, want: "nested 3 levels"},
		{name: "broken line", extra: "\nThe rules apply from\n\nMay 2020.\n", sev: Note, line: 17, want: "ends without punctuation"},
		{name: "raw html", extra: "\n<div>hi</div>\n", sev: Warning, line: 17, want: "raw HTML <div> is dropped (the text inside it is kept)"},
		{name: "inline html", extra: "\nsee <span style=\"color:red\">this</span> and <u>that</u>\n", sev: Warning, line: 17, want: "raw HTML <u> is dropped"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range c.files {
				write(t, dir, name, data)
			}
			src := "---\n" + c.front + "\n---\n" + body + c.extra
			fs := check(t, write(t, dir, "issue.md", []byte(src)))
			if !find(fs, c.sev, c.line, c.want) {
				t.Errorf("want a finding at line %d saying %q; got %v", c.line, c.want, fs)
			}
			if (fs.Errors() > 0) != (c.sev == Error) {
				t.Errorf("errors = %d for a %v case: %v", fs.Errors(), c.sev, fs)
			}
		})
	}
}

func TestContentTooLong(t *testing.T) {
	var b strings.Builder
	b.WriteString("No. 1\n\n## 国内要闻 Domestic News\n")
	for i := 0; i < 40; i++ {
		b.WriteString("\n### 很长的新闻标题\n\n" + strings.Repeat("这是一段很长的正文。", 60) + "\n")
	}
	fs := check(t, write(t, t.TempDir(), "long.md", []byte(b.String())))
	if !find(fs, Error, 1, "characters as sent; WeChat takes fewer than 20000: split the issue or shorten items (largest: item 1-1 ") {
		t.Errorf("over-long content not caught: %v", fs)
	}
}

// From 90 % of the limit lint warns, naming the largest items.
func TestContentNearTheLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("No. 1\n\n## 国内要闻 Domestic News\n")
	for i := 0; i < 21; i++ {
		n := 60
		if i == 7 {
			n = 90 // the largest
		}
		b.WriteString("\n### 很长的新闻标题\n\n" + strings.Repeat("这是一段很长的正文。", n) + "\n")
	}
	fs := check(t, write(t, t.TempDir(), "near.md", []byte(b.String())))
	if fs.Errors() != 1 || !find(fs, Warning, 1, "of WeChat's limit of 20000 (largest items: item 1-8 ") {
		t.Errorf("near the limit: %v", fs)
	}
}

// Every problem of the front matter is reported in one pass, each with its line.
func TestFrontMatterProblemsAtOnce(t *testing.T) {
	front := "date: soon\ntitle: " + strings.Repeat("题", 40) + "\nauthor: " + strings.Repeat("名", 20) + "\nsource_url: example.com/x"
	fs := check(t, write(t, t.TempDir(), "fm.md", []byte("---\n"+front+"\n---\n"+body)))
	for _, c := range []struct {
		line int
		want string
	}{{2, "not a date"}, {3, "title"}, {4, "author"}, {5, "source_url"}} {
		if !find(fs, Error, c.line, c.want) {
			t.Errorf("want an error at line %d saying %q; got %v", c.line, c.want, fs)
		}
	}
	if fs.Errors() != 4 {
		t.Errorf("%d errors, want 4: %v", fs.Errors(), fs)
	}
}

// One warning per tag and line; an editor's <br> is a line break, not a warning.
func TestRawHTMLWarnings(t *testing.T) {
	dir := t.TempDir()
	src := "---\n\n---\n" + body + "\nline one<br>line two <span>a</span> <span>b</span>\n"
	fs := check(t, write(t, dir, "issue.md", []byte(src)))
	var html []string
	for _, f := range fs {
		if strings.Contains(f.Message, "raw HTML") {
			html = append(html, f.String())
		}
	}
	if len(html) != 1 || !strings.Contains(html[0], "raw HTML <span>") {
		t.Errorf("raw HTML findings %q, want one for <span> and none for <br>", html)
	}
}

// A table written without its | --- | row is a paragraph of pipes: lint says so.
func TestPipesWithoutATable(t *testing.T) {
	src := "No. 3\n\n## 国内要闻 Domestic News\n\n### 标题\n\n| 材料 | 份数 |\n| 申报书 | 1 |\n\n### Title\n\nBody.\n"
	fs := check(t, write(t, t.TempDir(), "pipes.md", []byte(src)))
	if !find(fs, Warning, 7, "looks like a table but is not one") {
		t.Errorf("findings = %v", fs)
	}
	ok := check(t, write(t, t.TempDir(), "table.md", []byte(strings.Replace(src, "| 材料 | 份数 |\n", "| 材料 | 份数 |\n| --- | --- |\n", 1))))
	if find(ok, Warning, 7, "looks like a table") {
		t.Errorf("a real table was flagged: %v", ok)
	}
}
