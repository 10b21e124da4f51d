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
	"os"

	"wxpub/internal/synthetic"
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
	for _, src := range synthetic.Issues(synthetic.Options{From: []*issue.Issue{sample}, Items: n, Seed: 1}) {
		is, err := issue.Parse(src.Name, src.Markdown)
		if err != nil {
			return fmt.Errorf("issue %d: %w", src.Number, err)
		}
		if err := st.SaveIssue(ctx, is, fmt.Sprint(src.Number)); err != nil {
			return err
		}
	}
	return nil
}
