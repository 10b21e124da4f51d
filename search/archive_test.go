package search

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/search/query"

	"wxpub/internal/synthetic"
)

// BenchmarkArchivePostings measures the floor under a search of the index in
// WXPUB_BENCH_INDEX (bench/archive.sh's): reading, through bleve, every posting of the
// terms a query's candidate search asks for, as any evaluation that scores every match
// must. It reports the postings a query reads and the cost of each, beside what a whole
// Search of the same queries costs.
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
	var postings int
	var read, searched time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		text := synthetic.Queries[i%len(synthetic.Queries)]
		start := time.Now()
		n, err := x.readPostings(ctx, x.query(queryForms(text), false, allFields, false))
		if err != nil {
			b.Fatal(err)
		}
		read += time.Since(start)
		postings += n
		start = time.Now()
		if _, err := x.Search(ctx, text, 5); err != nil {
			b.Fatal(err)
		}
		searched += time.Since(start)
	}
	b.ReportMetric(float64(postings)/float64(b.N), "postings/query")
	b.ReportMetric(float64(read.Nanoseconds())/float64(postings), "ns/posting")
	b.ReportMetric(float64(read.Microseconds())/1000/float64(b.N), "read-ms/query")
	b.ReportMetric(float64(searched.Microseconds())/1000/float64(b.N), "search-ms/query")
}

// readPostings reads every posting, with its frequency and norm, of each term q asks for
// in a field, and returns how many.
func (x *Index) readPostings(ctx context.Context, q query.Query) (int, error) {
	reader, err := x.snapshot()
	if err != nil {
		return 0, err
	}
	defer reader.Close()
	n := 0
	var walk func(q query.Query) error
	read := func(field, term string) error {
		p, err := reader.TermFieldReader(ctx, []byte(term), field, true, true, false)
		if err != nil {
			return err
		}
		defer p.Close()
		for {
			d, err := p.Next(nil)
			if err != nil || d == nil {
				return err
			}
			n++
		}
	}
	walk = func(q query.Query) error {
		switch q := q.(type) {
		case *query.DisjunctionQuery:
			for _, c := range q.Disjuncts {
				if err := walk(c); err != nil {
					return err
				}
			}
		case *query.ConjunctionQuery:
			for _, c := range q.Conjuncts {
				if err := walk(c); err != nil {
					return err
				}
			}
		case *query.BooleanQuery:
			for _, c := range []query.Query{q.Must, q.Should} {
				if c != nil {
					if err := walk(c); err != nil {
						return err
					}
				}
			}
		case *query.MatchQuery:
			for _, t := range x.terms(q.Match, x.idx.Mapping().AnalyzerNameForPath(q.FieldVal)) {
				if err := read(q.FieldVal, t); err != nil {
					return err
				}
			}
		case *query.TermQuery:
			return read(q.FieldVal, q.Term)
		}
		return nil
	}
	return n, walk(q)
}
