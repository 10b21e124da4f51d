package reply

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"

	"go.yaml.in/yaml/v3"

	"wxpub/internal/synthetic"
	"wxpub/issue"
	"wxpub/search"
)

// relevanceFixtures are the issues the relevance set was written against, each published.
var relevanceFixtures = []string{"../issue/testdata/sample-135.md", "../issue/testdata/variations.md",
	"../search/testdata/archive-137.md", "../search/testdata/archive-138.md"}

type judged struct {
	Q    string   `yaml:"q"`
	Want []string `yaml:"want"`
	Kind string   `yaml:"kind"`
}

// relevanceIndex holds the fixtures, published, and beside them distractors synthetic
// issues (older, unpublished) whose titles and bodies are the fixtures' own sentences
// shuffled, as in an archive where many items repeat the same phrases.
func relevanceIndex(t *testing.T, distractors int) *search.Index {
	t.Helper()
	x, err := search.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	var real []*issue.Issue
	var issues []search.Issue
	var docs [][]search.Doc
	add := func(is *issue.Issue, url string) {
		var ds []search.Doc
		for i, it := range is.Items() {
			ds = append(ds, search.Doc{ItemID: it.ID, IssueNumber: is.Number, Position: i + 1, Title: it.Title, Body: it.Body})
		}
		issues = append(issues, search.Issue{Number: is.Number, Date: is.Date, Title: is.Title, ArticleURL: url, Digest: is.Digest, Tags: is.Tags})
		docs = append(docs, ds)
	}
	for _, path := range relevanceFixtures {
		is, err := issue.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		real = append(real, is)
		add(is, fmt.Sprintf("https://mp.weixin.qq.com/s/issue%d", is.Number))
	}
	for _, src := range synthetic.Issues(synthetic.Options{From: real, Items: distractors, Seed: 7}) {
		is, err := issue.Parse(src.Name, src.Markdown)
		if err != nil {
			t.Fatal(err)
		}
		add(is, "")
	}
	if err := x.PutAll(issues, docs); err != nil {
		t.Fatal(err)
	}
	return x
}

// Distractors is how many synthetic items sit beside the fixtures in the relevance test:
// a thousand issues of ten. WXPUB_RELEVANCE_DISTRACTORS sets another count: bench/archive.sh
// scores the set beside 100,000, the archive scale (about a minute).
const Distractors = 10000

// distractors is Distractors, or the count WXPUB_RELEVANCE_DISTRACTORS sets.
func distractors(t *testing.T) int {
	t.Helper()
	v := os.Getenv("WXPUB_RELEVANCE_DISTRACTORS")
	if v == "" {
		return Distractors
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		t.Fatalf("WXPUB_RELEVANCE_DISTRACTORS=%q: want a number of items", v)
	}
	return n
}

// MinPrecisionAt1 is the share of the relevance set whose first item must be one a careful
// editor would pick.
const MinPrecisionAt1 = 0.95

// The relevance set scores its precision at 1, judged by the first item of the reply a
// follower gets (logged; BENCHMARKS.md keeps the figure), and no query gets a single news
// card for an item the editor would not pick.
func TestRelevanceSet(t *testing.T) {
	data, err := os.ReadFile("testdata/relevance.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var set []judged
	if err := yaml.Unmarshal(data, &set); err != nil {
		t.Fatal(err)
	}
	if len(set) < 60 {
		t.Fatalf("the relevance set has %d queries; it needs at least 60", len(set))
	}
	n := distractors(t)
	x := relevanceIndex(t, n)
	right := 0
	for _, j := range set {
		// Judged by what the follower gets: the reply's first item (a plain keyword's is
		// the search's first; a sentence's or a scope's, what the reply made of it).
		r, err := Answer(context.Background(), Message{Type: "text", Content: j.Q}, x, Config{})
		if err != nil {
			t.Fatal(err)
		}
		got := r.Items()
		if len(got) > 0 && slices.Contains(j.Want, got[0]) {
			right++
		} else {
			t.Logf("miss %-40q (%s): got %v, want one of %v", j.Q, j.Kind, got, j.Want)
		}
		if r.Type == News && len(r.Articles) == 1 && r.Articles[0].ItemID != "" && !slices.Contains(j.Want, r.Articles[0].ItemID) {
			t.Errorf("%q (%s): a confident card for %s, want one of %v", j.Q, j.Kind, r.Articles[0].ItemID, j.Want)
		}
	}
	p := float64(right) / float64(len(set))
	t.Logf("precision at 1 beside %d synthetic items: %d of %d = %.3f", n, right, len(set), p)
	if p < MinPrecisionAt1 {
		t.Errorf("precision at 1 is %.3f, below %.2f", p, MinPrecisionAt1)
	}
}
