package search

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"wxpub/internal/synthetic"
)

// BenchmarkArchivePostings measures the floor under a search of the index in
// WXPUB_BENCH_INDEX (bench/archive.sh's): reading every posting of the terms a query's
// candidate search asks for, as any evaluation that scores every match must. It reads
// them through bleve's term readers (what bleve's searchers read), and straight from the
// segments' postings iterators (what an evaluator of our own over the same index would
// read at best), and reports the postings a query reads and the cost of each, beside
// what a whole Search of the same queries costs.
func BenchmarkArchivePostings(b *testing.B) {
	x := benchIndex(b)
	ctx := context.Background()
	var postings, raw int
	var read, readRaw, searched time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		text := synthetic.Queries[i%len(synthetic.Queries)]
		terms := x.postingTerms(x.query(queryForms(text), false, allFields, false))
		start := time.Now()
		n, err := x.readPostings(ctx, terms)
		if err != nil {
			b.Fatal(err)
		}
		read += time.Since(start)
		postings += n
		start = time.Now()
		n, err = x.readSegmentPostings(terms)
		if err != nil {
			b.Fatal(err)
		}
		readRaw += time.Since(start)
		raw += n
		start = time.Now()
		if _, err := x.Search(ctx, text, 5); err != nil {
			b.Fatal(err)
		}
		searched += time.Since(start)
	}
	if raw != postings {
		b.Fatalf("%d postings read from the segments, %d through bleve", raw, postings)
	}
	b.ReportMetric(float64(postings)/float64(b.N), "postings/query")
	b.ReportMetric(float64(read.Nanoseconds())/float64(postings), "ns/posting")
	b.ReportMetric(float64(read.Microseconds())/1000/float64(b.N), "read-ms/query")
	b.ReportMetric(float64(readRaw.Nanoseconds())/float64(raw), "segment-ns/posting")
	b.ReportMetric(float64(readRaw.Microseconds())/1000/float64(b.N), "segment-read-ms/query")
	b.ReportMetric(float64(searched.Microseconds())/1000/float64(b.N), "search-ms/query")
}

// benchIndex opens the index in WXPUB_BENCH_INDEX (bench/archive.sh's), closed with the
// benchmark; without one the benchmark is skipped.
func benchIndex(b *testing.B) *Index {
	dir := os.Getenv("WXPUB_BENCH_INDEX")
	if dir == "" {
		b.Skip("WXPUB_BENCH_INDEX names the index to measure (bench/archive.sh)")
	}
	x, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { x.Close() })
	if x.Size() == 0 {
		b.Skip("the index in WXPUB_BENCH_INDEX is empty or held by another process")
	}
	return x
}

// fieldTerm is a term in a field.
type fieldTerm struct{ field, term string }

// postingTerms lists each term q asks for in a field, as its searchers would.
func (x *Index) postingTerms(q query.Query) []fieldTerm {
	var out []fieldTerm
	var walk func(q query.Query)
	walk = func(q query.Query) {
		switch q := q.(type) {
		case *query.DisjunctionQuery:
			for _, c := range q.Disjuncts {
				walk(c)
			}
		case *query.ConjunctionQuery:
			for _, c := range q.Conjuncts {
				walk(c)
			}
		case *query.BooleanQuery:
			for _, c := range []query.Query{q.Must, q.Should} {
				if c != nil {
					walk(c)
				}
			}
		case *query.MatchQuery:
			for _, t := range x.terms(q.Match, x.idx.Mapping().AnalyzerNameForPath(q.FieldVal)) {
				out = append(out, fieldTerm{q.FieldVal, t})
			}
		case *query.TermQuery:
			out = append(out, fieldTerm{q.FieldVal, q.Term})
		}
	}
	walk(q)
	return out
}

// readPostings reads through bleve's term readers every posting, with its frequency and
// norm, of each term, and returns how many.
func (x *Index) readPostings(ctx context.Context, terms []fieldTerm) (int, error) {
	reader, err := x.snapshot()
	if err != nil {
		return 0, err
	}
	defer reader.Close()
	n := 0
	for _, ft := range terms {
		p, err := reader.TermFieldReader(ctx, []byte(ft.term), ft.field, true, true, false)
		if err != nil {
			return 0, err
		}
		for {
			d, err := p.Next(nil)
			if err != nil {
				p.Close()
				return 0, err
			}
			if d == nil {
				break
			}
			n++
		}
		p.Close()
	}
	return n, nil
}

// readSegmentPostings reads the same postings straight from each segment's postings
// iterators (deleted items left out, as bleve's readers leave them), and returns how
// many.
func (x *Index) readSegmentPostings(terms []fieldTerm) (int, error) {
	reader, err := x.snapshot()
	if err != nil {
		return 0, err
	}
	defer reader.Close()
	snap, ok := reader.(*scorch.IndexSnapshot)
	if !ok {
		return 0, fmt.Errorf("the index is not scorch's")
	}
	n := 0
	var list segment.PostingsList
	var it segment.PostingsIterator
	var sum float64 // what is read is used
	for _, ft := range terms {
		for _, seg := range snap.Segments() {
			dict, err := seg.Segment().Dictionary(ft.field)
			if err != nil {
				return 0, err
			}
			if list, err = dict.PostingsList([]byte(ft.term), seg.Deleted(), list); err != nil {
				return 0, err
			}
			it = list.Iterator(true, true, false, it)
			for {
				p, err := it.Next()
				if err != nil {
					return 0, err
				}
				if p == nil {
					break
				}
				sum += float64(p.Frequency()) * p.Norm()
				n++
			}
		}
	}
	if n > 0 && sum <= 0 {
		return 0, fmt.Errorf("postings without frequencies or norms")
	}
	return n, nil
}

// BenchmarkArchiveImpactOrder measures how much of the postings an early-terminating search
// of the index in WXPUB_BENCH_INDEX would read to find the same 100 best as reading them
// all: the design question the search p99 target leaves (BENCHMARKS.md). For each query's
// words in each text field, all of them required (a clause of the candidate search), scored
// by bleve's own term searchers, in two layouts:
//
//   - block-max: postings in ID order, as bleve's segments hold them, with each term's best
//     score stored for every 128 IDs; a block whose terms' best scores together fall below
//     the 100th best is skipped. It reports the share of postings in blocks not skipped.
//   - impact order: each term's postings from its best score down (ties by ID, as the
//     ranking breaks them), read in step until no item not yet read can enter the 100 best
//     (the threshold algorithm, its random accesses to the items read not counted). It
//     reports the share of postings read.
//
// Clauses that match fewer than 1,000 items are left out: reading them whole is cheap.
func BenchmarkArchiveImpactOrder(b *testing.B) {
	x := benchIndex(b)
	reader, err := x.snapshot()
	if err != nil {
		b.Fatal(err)
	}
	defer reader.Close()
	// Totals by kind of field: titles, whose items often tie (a title copies a sentence),
	// and bodies.
	type totals struct{ all, blockMax, impact int }
	var by map[bool]*totals
	for i := 0; i < b.N; i++ {
		by = map[bool]*totals{true: {}, false: {}}
		for _, text := range synthetic.Queries {
			for _, f := range allFields {
				lists, err := impacts(context.Background(), reader, f.name, x.terms(fold(text), f.analyzer))
				if err != nil {
					b.Fatal(err)
				}
				if n, bm, io, ok := earlyTermination(lists, 100, 1000); ok {
					t := by[f.title]
					t.all, t.blockMax, t.impact = t.all+n, t.blockMax+bm, t.impact+io
				}
			}
		}
	}
	if by[false].all == 0 || by[true].all == 0 {
		b.Skip("no clause matches 1,000 items: the index in WXPUB_BENCH_INDEX is not the archive")
	}
	for _, kind := range []struct {
		title bool
		name  string
	}{{false, "body"}, {true, "title"}} {
		t := by[kind.title]
		b.ReportMetric(float64(t.all)/float64(len(synthetic.Queries)), kind.name+"-postings/query")
		b.ReportMetric(100*float64(t.blockMax)/float64(t.all), kind.name+"-block-max-%")
		b.ReportMetric(100*float64(t.impact)/float64(t.all), kind.name+"-impact-order-%")
	}
}

// posting is an item's ID in a snapshot and its score for one term.
type posting struct {
	id    uint64
	score float64
}

// impacts reads each term's postings in field, in ID order, each with the score bleve's
// own term searcher gives it (a term query of boost 1, before the query norm a whole query
// multiplies every item's score by).
func impacts(ctx context.Context, r index.IndexReader, field string, terms []string) ([][]posting, error) {
	var lists [][]posting
	for _, term := range terms {
		s, err := searcher.NewTermSearcher(scoring(ctx), r, term, field, 1, search.SearcherOptions{})
		if err != nil {
			return nil, err
		}
		var list []posting
		err = each(s, func(m *search.DocumentMatch) error {
			id, err := docID(m.IndexInternalID)
			list = append(list, posting{id, m.Score})
			return err
		})
		s.Close()
		if err != nil {
			return nil, err
		}
		lists = append(lists, list)
	}
	return lists, nil
}

// earlyTermination returns, for the conjunction of lists, how many postings there are, how
// many lie in 128-ID blocks that block-max cannot skip, and how many the threshold
// algorithm reads over the lists in impact order, to find the k best; false when fewer
// than least items match.
func earlyTermination(lists [][]posting, k, least int) (n, blockMax, impact int, ok bool) {
	if len(lists) == 0 {
		return 0, 0, 0, false
	}
	score, count := map[uint64]float64{}, map[uint64]int{}
	for _, l := range lists {
		n += len(l)
		for _, p := range l {
			score[p.id] += p.score
			count[p.id]++
		}
	}
	// The matches best first, ties by ID, as the ranking breaks them (order).
	var matches []posting
	for id, s := range score {
		if count[id] == len(lists) {
			matches = append(matches, posting{id, s})
		}
	}
	if len(matches) < max(least, k) {
		return 0, 0, 0, false
	}
	slices.SortFunc(matches, byScore)
	kth := matches[k-1]
	threshold := kth.score
	// Block-max: the best score of each term in each block of 128 IDs.
	blocks := map[uint64][]float64{}
	sizes := map[uint64]int{}
	for i, l := range lists {
		for _, p := range l {
			blk := p.id / 128
			if blocks[blk] == nil {
				blocks[blk] = make([]float64, len(lists))
			}
			blocks[blk][i] = max(blocks[blk][i], p.score)
			sizes[blk]++
		}
	}
	for blk, best := range blocks {
		sum := 0.0
		for _, s := range best {
			sum += s
		}
		if sum >= threshold {
			blockMax += sizes[blk]
		}
	}
	// Impact order: each list best first, ties by ID, read in step. An item not yet read
	// in any list scores at most what the next postings do together, and when it scores
	// exactly that, its ID is at least the largest of theirs. So the reading stops when
	// that falls below the kth best, or equals it with a larger ID; or when a list is read
	// to its end, as an item no longer in it is not a match. (The items read are scored by
	// random access, which is not counted.)
	sorted := make([][]posting, len(lists))
	for i, l := range lists {
		sorted[i] = slices.SortedFunc(slices.Values(l), byScore)
	}
	for depth := 0; ; depth++ {
		sum, last, end := 0.0, uint64(0), false
		for _, l := range sorted {
			if depth == len(l) {
				end = true
				break
			}
			sum, last = sum+l[depth].score, max(last, l[depth].id)
		}
		if end || sum < threshold || (sum == threshold && last > kth.id) {
			for _, l := range sorted {
				impact += min(depth, len(l))
			}
			return n, blockMax, impact, true
		}
	}
}

// byScore orders postings best first, ties by ID.
func byScore(a, b posting) int {
	if c := cmp.Compare(b.score, a.score); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// The figures BenchmarkArchiveImpactOrder reports, on lists whose answer is known: two
// terms in 2,000 items, each scoring 1/(id+1), so that the 10 best are IDs 0–9.
func TestEarlyTermination(t *testing.T) {
	var lists [][]posting
	for range 2 {
		var l []posting
		for id := range uint64(2000) {
			l = append(l, posting{id, 1 / float64(id+1)})
		}
		lists = append(lists, l)
	}
	n, blockMax, impact, ok := earlyTermination(lists, 10, 1000)
	// The 10th best scores 2/10: only IDs 0–127's block reaches it, and in impact order
	// the 11th scores of both lists together (2/11) are the first below it.
	if !ok || n != 4000 || blockMax != 256 || impact != 20 {
		t.Errorf("got %d postings, %d in blocks kept, %d read in impact order (%v); want 4000, 256, 20", n, blockMax, impact, ok)
	}
	if _, _, _, ok := earlyTermination(lists, 10, 2001); ok {
		t.Error("measured a clause with fewer matches than asked for")
	}
	// Every item scoring the same: the 10 best are the first 10 IDs, and reading stops
	// after them, where ties left unbroken would read every posting.
	for _, l := range lists {
		for i := range l {
			l[i].score = 1
		}
	}
	if _, blockMax, impact, _ := earlyTermination(lists, 10, 1000); blockMax != 4000 || impact != 20 {
		t.Errorf("all tied: %d postings in blocks kept, %d read in impact order; want 4000, 20", blockMax, impact)
	}
}
