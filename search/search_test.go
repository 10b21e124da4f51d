package search

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"wxpub/issue"
)

func fromFile(t testing.TB, path string) (Issue, []Doc) {
	t.Helper()
	is, err := issue.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var docs []Doc
	for i, it := range is.Items() {
		docs = append(docs, Doc{ItemID: it.ID, IssueNumber: is.Number, Position: i + 1, Title: it.Title, Body: it.Body})
	}
	return Issue{Number: is.Number, Date: is.Date, Title: is.Title, Tags: is.Tags}, docs
}

func ids(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.ItemID)
	}
	return out
}

func newIndex(t *testing.T) *Index {
	t.Helper()
	x, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	a, ad := fromFile(t, "../issue/testdata/sample-135.md")
	b, bd := fromFile(t, "../issue/testdata/variations.md")
	if err := x.PutAll([]Issue{a, b}, [][]Doc{ad, bd}); err != nil {
		t.Fatal(err)
	}
	return x
}

func TestSearchLanguages(t *testing.T) {
	x := newIndex(t)
	cases := []struct {
		q     string
		first string
		all   []string
	}{
		{"区块链", "135-2", []string{"135-2"}},                        // a CJK word inside a Chinese body
		{"接触者追踪", "136-3", []string{"136-3", "135-5"}},             // CJK in titles, newer and shorter first
		{"Bluetooth", "135-5", []string{"135-5"}},                  // English body, any case
		{"traced", "136-3", []string{"136-3", "135-5", "135-4"}},   // stemmed: traced ~ tracing
		{"个人信息", "", []string{"136-2", "136-1", "135-3", "135-1"}}, // every bigram of it must be there
		{"区块链监管", "135-2", []string{"135-2"}},                      // no item has every bigram: two of four will do
		{"量子计算", "", nil},                                          // one bigram of three (计算 in 云计算) is not enough
	}
	for _, c := range cases {
		hits, err := x.Search(context.Background(), c.q, 10)
		if err != nil {
			t.Fatal(err)
		}
		got := ids(hits)
		if c.first != "" && (len(got) == 0 || got[0] != c.first) {
			t.Errorf("%q: first %v, want %s", c.q, got, c.first)
		}
		if fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(c.all)) {
			t.Errorf("%q: hits %v, want %v", c.q, got, c.all)
		}
	}
	if hits, _ := x.Search(context.Background(), "区块链", 10); hits[0].Title.En == "" || hits[0].Body.Zh == "" {
		t.Errorf("hit without its text: %+v", hits[0])
	}
	if hits, err := x.Search(context.Background(), "  ", 10); err != nil || hits != nil {
		t.Errorf("blank query: %v %v", hits, err)
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestTitlesOutweighBodiesAndNewerWins(t *testing.T) {
	x, _ := New()
	defer x.Close()
	body := issue.Text{En: "A long report on many things, among them encryption standards and their review."}
	x.Put(Issue{Number: 1}, []Doc{
		{ItemID: "1-1", IssueNumber: 1, Title: issue.Text{En: "Quarterly report"}, Body: body},
		{ItemID: "1-2", IssueNumber: 1, Title: issue.Text{En: "Encryption standards"}, Body: issue.Text{En: "A long report on many things, among them the review of rules."}},
	})
	x.Put(Issue{Number: 2}, []Doc{{ItemID: "2-1", IssueNumber: 2, Title: issue.Text{En: "Quarterly report"}, Body: body}})
	got := ids(mustSearch(t, x, "encryption"))
	if len(got) != 3 || got[0] != "1-2" {
		t.Errorf("a title match must lead: %v", got)
	}
	// 1-1 and 2-1 are the same text: the newer issue first.
	if got[1] != "2-1" || got[2] != "1-1" {
		t.Errorf("equal matches not newest first: %v", got)
	}
}

func mustSearch(t *testing.T, x *Index, q string) []Hit {
	t.Helper()
	h, err := x.Search(context.Background(), q, 10)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestPutReplacesAnIssue(t *testing.T) {
	x := newIndex(t)
	gen := x.Generation()
	is, docs := fromFile(t, "../issue/testdata/sample-135.md")
	is.ArticleURL = "https://mp.weixin.qq.com/s/x"
	if err := x.Put(is, docs[:2]); err != nil {
		t.Fatal(err)
	}
	if x.Generation() == gen {
		t.Error("generation did not change")
	}
	if x.Size() != 5 {
		t.Errorf("size = %d, want 2 + 3", x.Size())
	}
	if len(mustSearch(t, x, "Bluetooth")) != 0 {
		t.Error("a removed item is still found")
	}
	got, ok := x.Issue(135)
	if !ok || got.ArticleURL != is.ArticleURL || len(got.Items) != 2 {
		t.Errorf("issue = %+v", got)
	}
	latest, _ := x.Latest()
	if latest.Number != 136 {
		t.Errorf("latest = %d", latest.Number)
	}
	if tags := x.Tags(); len(tags) != 2 || tags[0] != "个人信息" {
		t.Errorf("tags = %v", tags)
	}
}

// Searches go on while issues are replaced; run with -race.
func TestSearchWhileUpdating(t *testing.T) {
	x := newIndex(t)
	is, docs := fromFile(t, "../issue/testdata/sample-135.md")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if h, err := x.Search(context.Background(), "个人信息", 5); err != nil || len(h) == 0 {
					t.Errorf("search during update: %v %v", h, err)
					return
				}
			}
		}()
	}
	for i := 0; i < 30; i++ {
		if err := x.Put(is, docs); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}

func BenchmarkSearch(b *testing.B) {
	x, _ := New()
	defer x.Close()
	a, ad := fromFile(b, "../issue/testdata/sample-135.md")
	x.Put(a, ad)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := x.Search(context.Background(), "personal information", 6); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBodiesFromASource(t *testing.T) {
	x, _ := New()
	defer x.Close()
	is, docs := fromFile(t, "../issue/testdata/sample-135.md")
	kept := map[string]issue.Text{}
	for _, d := range docs {
		kept[d.ItemID] = d.Body
	}
	asked := 0
	x.SetBodySource(func(_ context.Context, ids []string) (map[string]issue.Text, error) {
		asked++
		out := map[string]issue.Text{}
		for _, id := range ids {
			out[id] = kept[id]
		}
		return out, nil
	})
	if err := x.Put(is, docs); err != nil {
		t.Fatal(err)
	}
	if d, _ := x.Item("135-5"); d.Body.En != "" || d.Title.En == "" {
		t.Errorf("the index kept a body: %+v", d)
	}
	hits := mustSearch(t, x, "Bluetooth")
	if len(hits) != 1 || !strings.Contains(hits[0].Body.En, "Bluetooth technology") || asked != 1 {
		t.Errorf("hit %+v after %d asks", hits, asked)
	}
}

// Tags come newest issue first, whatever the gaps between issue numbers.
func TestTagsAcrossSparseNumbers(t *testing.T) {
	x, _ := New()
	defer x.Close()
	x.Put(Issue{Number: 3, Tags: []string{"old", "shared"}}, nil)
	x.Put(Issue{Number: 5_000_000, Tags: []string{"new", "shared"}}, nil)
	if got := strings.Join(x.Tags(), ","); got != "shared,new,old" {
		t.Errorf("tags = %s", got)
	}
}
