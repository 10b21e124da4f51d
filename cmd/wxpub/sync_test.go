package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wxpub/wechat/sandbox"
)

// sync on an account holding three articles made in other editors imports them as issues,
// and ask answers from them with their URLs; wxpub's own article is matched, not imported.
func TestSyncImportsTheBackCatalogue(t *testing.T) {
	sb, _ := sandboxEnv(t)
	if _, err := run(t, "publish", sample, "--publish"); err != nil {
		t.Fatal(err)
	}
	urls := map[string]string{}
	for i, f := range []string{"nested-sections.html", "spans-per-line.html", "styled-headings.html"} {
		html, err := os.ReadFile(filepath.Join(repoRoot, "issue/testdata/foreign", f))
		if err != nil {
			t.Fatal(err)
		}
		_, url := sb.AddForeign(sandbox.Article{Title: "周报 " + f, Content: string(html), ThumbURL: sb.URL() + "/mmbiz/old-cover"},
			time.Date(2019, 12, 16+7*i, 10, 0, 0, 0, time.UTC))
		urls[f] = url
	}
	sb.AddForeign(sandbox.Article{Title: "招聘启事", Content: "<p>我们正在招聘律师助理。</p>"}, time.Date(2019, 11, 1, 0, 0, 0, 0, time.UTC))
	out, err := run(t, "sync")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "published by wxpub, URLs recorded: 135") || !strings.Contains(out, "imported from other articles: ") {
		t.Fatalf("sync:\n%s", out)
	}
	for _, n := range []string{"118", "119", "120"} {
		if !strings.Contains(out, n) {
			t.Errorf("issue %s not imported:\n%s", n, out)
		}
	}
	if !strings.Contains(out, "warning: article") || !strings.Contains(out, "招聘启事") {
		t.Errorf("the article that is no issue is not named:\n%s", out)
	}
	// Followers' keywords find the imported items, linking to their articles.
	for q, file := range map[string]string{"Planet49": "spans-per-line.html", "密码法": "styled-headings.html", "数据安全管理办法": "nested-sections.html"} {
		out, err := run(t, "ask", "--json", q)
		if err != nil || !strings.Contains(out, urls[file]) {
			t.Errorf("ask %s: %v\n%s", q, err, out)
		}
	}
	// Run again: nothing new.
	out, _ = run(t, "sync")
	if !strings.Contains(out, "imported from other articles: none") {
		t.Errorf("second sync:\n%s", out)
	}
}
