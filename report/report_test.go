package report

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"wxpub/store"
)

// fake holds the figures a report reads.
type fake struct {
	asked     []store.Asked
	top       []store.Count
	followers []store.FollowerDay
	articles  []store.ArticleDay
}

func (f fake) AskedSince(context.Context, time.Time) ([]store.Asked, error) { return f.asked, nil }
func (f fake) TopQueries(context.Context, time.Time, int, ...string) ([]store.Count, error) {
	return f.top, nil
}
func (f fake) TopItems(context.Context, time.Time, int) ([]store.Count, error) { return f.top, nil }
func (f fake) ItemTitles(context.Context, string) (string, error)              { return "标题 Title", nil }
func (f fake) FollowerDays(context.Context, string) ([]store.FollowerDay, error) {
	return f.followers, nil
}
func (f fake) ArticleTotals(context.Context, string) ([]store.ArticleDay, error) {
	return f.articles, nil
}

// With nothing recorded, each chart says why it is empty; with figures, each is drawn.
func TestEveryChartDrawnOrExplained(t *testing.T) {
	from := time.Now().AddDate(0, 0, -7)
	empty, err := Build(context.Background(), fake{}, from, time.UTC, "wxA")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range empty.Charts {
		if c.SVG != "" || c.Empty == "" {
			t.Errorf("%s with no data: %+v", c.ID, c)
		}
	}
	now := time.Now()
	full, err := Build(context.Background(), fake{
		asked:     []store.Asked{{At: now, Outcome: "items"}, {At: now.Add(-24 * time.Hour), Outcome: "no_match"}},
		top:       []store.Count{{Value: "个人信息", N: 3}, {Value: "contact tracing, a very long query indeed", N: 1}},
		followers: []store.FollowerDay{{Day: "2026-11-25", Cumulated: 5000}, {Day: "2026-11-26", Cumulated: 5010}},
		articles:  []store.ArticleDay{{Title: "第135期", Reads: 300, Shares: 20}},
	}, from, time.UTC, "wxA")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := full.Write(&b); err != nil {
		t.Fatal(err)
	}
	for _, c := range full.Charts {
		if c.SVG == "" {
			t.Errorf("%s not drawn: %s", c.ID, c.Empty)
		}
	}
	if !strings.Contains(b.String(), "个人信息") || !strings.Contains(b.String(), "contact tracing, a very …") || strings.Contains(b.String(), "<script") {
		t.Errorf("labels or self-containment: %s", b.String()[:300])
	}
}
