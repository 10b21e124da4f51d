package search

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search/query"
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
	dir := os.Getenv("WXPUB_BENCH_INDEX")
	if dir == "" {
		b.Skip("WXPUB_BENCH_INDEX names the index to measure (bench/archive.sh)")
	}
	x, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	if x.Size() == 0 {
		b.Skip("the index in WXPUB_BENCH_INDEX is empty or held by another process")
	}
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
