package search

import (
	"context"
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/search"
	index "github.com/blevesearch/bleve_index_api"
)

// The statistics BM25 scores with. bleve's own take a field's average length as the
// number of distinct terms in the field over the number of items, rounded up: 1 in any
// index larger than its vocabulary (the relevance set's 10,000 items, any real archive),
// every term weighing as if its field were one term long, and long bodies scoring next to
// nothing. The index counts each field's tokens instead, as bleve analyses a batch, keeps
// them per issue (Issue.Tokens, in the catalog), and gives every search their sum.

// tokensOf counts the tokens of analysed documents by field, in the order of textFields.
func tokensOf(docs []*document.Document) [len(textFields)]int {
	var out [len(textFields)]int
	for _, d := range docs {
		for _, f := range d.Fields {
			if t, ok := f.(*document.TextField); ok {
				if i := slices.Index(textFields[:], t.Name()); i >= 0 {
					out[i] += t.AnalyzedLength()
				}
			}
		}
	}
	return out
}

// stats are BM25's statistics for a search of r: its items, and every field's tokens
// over them.
func (x *Index) stats(r index.IndexReader) (*search.BM25Stats, error) {
	n, err := r.DocCount()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	st := &search.BM25Stats{DocCount: float64(n), FieldCardinality: map[string]int{}}
	x.mu.RLock()
	for i, f := range textFields {
		// At least 1: bleve wants every field searched in the statistics.
		st.FieldCardinality[f] = max(1, x.tokens[i])
	}
	x.mu.RUnlock()
	return st, nil
}

// textFields are the text fields indexed (newMapping).
var textFields = [...]string{"title_zh", "body_zh", "title_en", "body_en", "title_zh1", "body_zh1"}

// setIssue keeps is as the index's issue of its number, and the tokens of the index's
// fields with it; x.mu is held.
func (x *Index) setIssue(is Issue) {
	x.dropIssue(is.Number)
	for f, k := range is.Tokens {
		x.tokens[f] += k
	}
	x.issues[is.Number] = is
}

// dropIssue forgets the index's issue numbered n, and its tokens; x.mu is held.
func (x *Index) dropIssue(n int) {
	for f, k := range x.issues[n].Tokens {
		x.tokens[f] -= k
	}
	delete(x.issues, n)
}

// scoring makes searchers built outside bleve's SearchInContext score as the index's
// mapping says (newMapping's ScoringModel), with the statistics of stats.
func (x *Index) scoring(ctx context.Context, r index.IndexReader) (context.Context, error) {
	st, err := x.stats(r)
	if err != nil {
		return nil, err
	}
	ctx = context.WithValue(ctx, search.BM25StatsKey, st)
	return context.WithValue(ctx, search.GetScoringModelCallbackKey,
		search.GetScoringModelCallbackFn(func() string { return scoringModel })), nil
}
