// Command seed fills a store with synthetic issues for load and memory measurements:
// -items items in issues of ten, numbered from 1000, their text shuffled from the sample's
// sentences.
//
//	go run ./bench/seed -dsn sqlite://./bench-data/wxpub.db -items 10000
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"unicode"

	"wxpub/issue"
	"wxpub/store"
)

func main() {
	dsn := flag.String("dsn", "sqlite://./bench-data/wxpub.db", "the store")
	items := flag.Int("items", 10000, "how many items")
	sample := flag.String("sample", "issue/testdata/sample-135.md", "the sample issue, whose sentences the items reuse")
	flag.Parse()
	if err := run(*dsn, *items, *sample); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func run(dsn string, n int, samplePath string) error {
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	sample, err := issue.ParseFile(samplePath)
	if err != nil {
		return err
	}
	var zh, en []string
	for _, it := range sample.Items() {
		zh = append(zh, strings.Split(it.Body.Zh, "，")...)
		en = append(en, strings.Split(it.Body.En, ", ")...)
	}
	rnd := rand.New(rand.NewPCG(1, 1))
	pick := func(s []string, k int, sep string) string {
		out := make([]string, k)
		for i := range out {
			out[i] = s[rnd.IntN(len(s))]
		}
		return strings.ReplaceAll(strings.Join(out, sep), "\n", " ")
	}
	// Numbers from 1000 up, clear of real issues' numbers.
	per := 10
	for k := 1; k*per <= n; k++ {
		number := 999 + k
		var md strings.Builder
		fmt.Fprintf(&md, "No. %d\n\n2019.%02d\n\n## 网络安全周报 Weekly Review\n\n## 国内要闻 Domestic News\n", number, k%12+1)
		for i := 0; i < per; i++ {
			fmt.Fprintf(&md, "\n### %s第%d条\n\n%s。\n\n### %s item %d\n\n%s.\n", pick(zh, 1, ""), i+1, pick(zh, 8, "，"), capital(pick(en, 1, "")), i+1, pick(en, 8, ", "))
		}
		is, err := issue.Parse(fmt.Sprintf("seed-%d.md", number), []byte(md.String()))
		if err != nil {
			return fmt.Errorf("issue %d: %w", number, err)
		}
		if err := st.SaveIssue(ctx, is, fmt.Sprint(number)); err != nil {
			return err
		}
	}
	return nil
}

func capital(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) == 0 {
		return ""
	}
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
