// Package synthetic makes issues for load tests and ranking tests: items whose titles and
// bodies are sentences shuffled from real issues, as an archive of many similar issues is
// for a search. The same seed gives the same issues.
package synthetic

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"

	"wxpub/issue"
)

// Options say how many and from what.
type Options struct {
	// From are the issues whose sentences the items reuse.
	From []*issue.Issue
	// Items in all, in issues of PerIssue (default 10), numbered from First (default 1000)
	// and dated in Year (default 2019), older than real issues.
	Items, PerIssue, First, Year int
	// Seed picks the sentences.
	Seed uint64
}

// Issues returns the Markdown of each synthetic issue, by number.
func Issues(opt Options) []Source {
	if opt.PerIssue <= 0 {
		opt.PerIssue = 10
	}
	if opt.First <= 0 {
		opt.First = 1000
	}
	if opt.Year <= 0 {
		opt.Year = 2019
	}
	var zh, en []string
	for _, is := range opt.From {
		for _, it := range is.Items() {
			zh = append(zh, strings.Split(it.Body.Zh, "，")...)
			en = append(en, strings.Split(it.Body.En, ", ")...)
		}
	}
	zh, en = nonEmpty(zh), nonEmpty(en)
	rnd := rand.New(rand.NewPCG(opt.Seed, opt.Seed+1))
	pick := func(s []string, k int, sep string) string {
		out := make([]string, k)
		for i := range out {
			out[i] = s[rnd.IntN(len(s))]
		}
		return strings.ReplaceAll(strings.Join(out, sep), "\n", " ")
	}
	var out []Source
	for k := 0; (k+1)*opt.PerIssue <= opt.Items; k++ {
		number := opt.First + k
		var md strings.Builder
		fmt.Fprintf(&md, "No. %d\n\n%d.%02d.%02d\n\n## 网络安全周报 Weekly Review\n\n## 国内要闻 Domestic News\n", number, opt.Year, k%12+1, k%28+1)
		for i := 0; i < opt.PerIssue; i++ {
			fmt.Fprintf(&md, "\n### %s第%d条\n\n%s。\n\n### %s item %d\n\n%s.\n", pick(zh, 1, ""), i+1, pick(zh, 8, "，"), capital(pick(en, 1, "")), i+1, pick(en, 8, ", "))
		}
		out = append(out, Source{Number: number, Name: fmt.Sprintf("synthetic-%d.md", number), Markdown: []byte(md.String())})
	}
	return out
}

// Queries are what the archive benchmarks ask of an archive of synthetic issues made
// from the sample: words, a phrase, glossary names and abbreviations, in both languages.
var Queries = []string{"区块链", "contact tracing", "个人信息", "GDPR", "暗网", "personal information", "数据安全", "蓝牙", "CAC", "公安部 典型案例"}

// Source is one synthetic issue's Markdown.
type Source struct {
	Number   int
	Name     string
	Markdown []byte
}

func nonEmpty(s []string) []string {
	var out []string
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			out = append(out, x)
		}
	}
	return out
}

func capital(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) == 0 {
		return ""
	}
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
