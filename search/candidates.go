package search

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"weak"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/collector"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// candidateReader shows a search the postings of some documents only, so that rescoring a
// search's candidates costs per candidate. Through the whole index, rescoring cost as much
// as the search itself: a phrase searcher checks word positions in every item that has the
// phrase's words, between one candidate and the next, however few the candidates.
//
// Everything else is the whole index's: document counts, each term's document frequency
// (a posting list's Count) and field lengths, so that a candidate scores what it would in
// a search of the whole index.
type candidateReader struct {
	index.IndexReader
	// ids are the candidates' internal IDs, ascending: scorch's are eight bytes, big-endian
	// (docID).
	ids []uint64
}

// docID reads a scorch internal ID.
func docID(id index.IndexInternalID) (uint64, error) {
	if len(id) != 8 {
		return 0, fmt.Errorf("search: internal id %x is not scorch's", []byte(id))
	}
	return binary.BigEndian.Uint64(id), nil
}

// FieldCardinality is the whole index's, for BM25's average field length.
func (r candidateReader) FieldCardinality(field string) (int, error) {
	if b, ok := r.IndexReader.(index.BM25Reader); ok {
		return b.FieldCardinality(field)
	}
	return 0, nil
}

// TermFieldReader returns the term's postings in the candidates.
func (r candidateReader) TermFieldReader(ctx context.Context, term []byte, field string, freq, norm, vectors bool) (index.TermFieldReader, error) {
	p, err := r.IndexReader.TermFieldReader(ctx, term, field, freq, norm, vectors)
	if err != nil {
		return nil, err
	}
	return &candidatePostings{TermFieldReader: p, ids: r.ids}, nil
}

// candidatePostings walks a posting list by jumping from candidate to candidate.
type candidatePostings struct {
	index.TermFieldReader
	ids  []uint64
	next int                   // the first candidate not yet passed
	at   index.IndexInternalID // scratch for the ID advanced to
}

// Next returns the posting of the next candidate that has the term.
func (p *candidatePostings) Next(pre *index.TermFieldDoc) (*index.TermFieldDoc, error) {
	for p.next < len(p.ids) {
		p.at = binary.BigEndian.AppendUint64(p.at[:0], p.ids[p.next])
		d, err := p.TermFieldReader.Advance(p.at, pre)
		if err != nil || d == nil {
			p.next = len(p.ids)
			return nil, err
		}
		n, err := docID(d.ID)
		if err != nil {
			return nil, err
		}
		p.seek(n)
		if p.next < len(p.ids) && p.ids[p.next] == n {
			p.next++
			return d, nil
		}
	}
	return nil, nil
}

// Advance returns the posting of the first candidate at or after id that has the term.
func (p *candidatePostings) Advance(id index.IndexInternalID, pre *index.TermFieldDoc) (*index.TermFieldDoc, error) {
	n, err := docID(id)
	if err != nil {
		return nil, err
	}
	p.seek(n)
	return p.Next(pre)
}

// seek passes the candidates before n.
func (p *candidatePostings) seek(n uint64) {
	i, _ := slices.BinarySearch(p.ids[p.next:], n)
	p.next += i
}

// scoring makes searchers built outside bleve's SearchInContext score as it does for this
// index's mapping (newMapping's ScoringModel).
func scoring(ctx context.Context) context.Context {
	return context.WithValue(ctx, search.GetScoringModelCallbackKey,
		search.GetScoringModelCallbackFn(func() string { return scoringModel }))
}

// snapshot opens a reader of the index as it is now. A search reads one snapshot
// throughout: internal IDs and scores hold within one, so the candidates found by the
// first searches are rescored by their internal IDs.
func (x *Index) snapshot() (index.IndexReader, error) {
	adv, err := x.idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	reader, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return reader, nil
}

// each calls fn with every match of s, in ID order; a match is reused after fn returns.
func each(s search.Searcher, fn func(*search.DocumentMatch) error) error {
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0)}
	for {
		m, err := s.Next(sctx)
		if err != nil {
			return fmt.Errorf("search: %w", err)
		}
		if m == nil {
			return nil
		}
		if err := fn(m); err != nil {
			return err
		}
		sctx.DocumentMatchPool.Put(m)
	}
}

// top returns the n best matches of q read through r, best first, with their
// explanations when asked.
func (x *Index) top(ctx context.Context, r index.IndexReader, q query.Query, n int, explain bool) (search.DocumentMatchCollection, error) {
	ctx = scoring(ctx)
	s, err := q.Searcher(ctx, r, x.idx.Mapping(), search.SearcherOptions{Explain: explain})
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer s.Close()
	coll := collector.NewTopNCollector(n, 0, search.SortOrder{&search.SortScore{Desc: true}})
	if err := coll.Collect(ctx, s, r); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return coll.Results(), nil
}

// scores are the scores under q of the candidates, found in r, by internal ID (docID).
//
// They are the scores of q together with a DocIDQuery of the candidates, as rescoring was
// first written: that query's constant adds about 0.6 to every candidate's title and body
// scores, which damps their differences against recency in rerank. The relevance set was
// tuned with it (70 of 70); without it, 54 of 70.
func (x *Index) scores(ctx context.Context, r index.IndexReader, q query.Query, candidates search.DocumentMatchCollection) (map[uint64]float64, error) {
	out := map[uint64]float64{}
	if q == nil || len(candidates) == 0 {
		return out, nil
	}
	ids := make([]string, len(candidates))
	cr := candidateReader{IndexReader: r, ids: make([]uint64, len(candidates))}
	for i, c := range candidates {
		n, err := docID(c.IndexInternalID)
		if err != nil {
			return nil, err
		}
		ids[i], cr.ids[i] = c.ID, n
	}
	slices.Sort(cr.ids)
	q = bleve.NewConjunctionQuery(bleve.NewDocIDQuery(ids), q)
	s, err := q.Searcher(scoring(ctx), cr, x.idx.Mapping(), search.SearcherOptions{})
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer s.Close()
	err = each(s, func(m *search.DocumentMatch) error {
		n, err := docID(m.IndexInternalID)
		out[n] = m.Score
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// recent returns the n best matches of q, read through r, among the items dated from day
// from on (the field "day"), best first.
//
// Through candidateReader over those items rather than as a conjunction with a range of
// the day: bleve's range is a disjunction of the day's numeric terms, dearer per item than
// q itself, and this second search cost more than the first (6.3 against 5.6 s of
// BenchmarkArchiveSearch's CPU at 100,000 items).
func (x *Index) recent(ctx context.Context, r index.IndexReader, q query.Query, from float64, n int) (search.DocumentMatchCollection, error) {
	ids, err := x.days(ctx, r, from)
	if err != nil {
		return nil, err
	}
	return x.top(ctx, candidateReader{IndexReader: r, ids: ids}, q, n, false)
}

// recentDays is the last answer of days: the internal IDs of the items of a snapshot
// dated from a day on.
type recentDays struct {
	mu sync.Mutex
	// snapshot is the snapshot the IDs hold in: scorch hands every reader of one snapshot
	// the same value, and a merge (which renumbers) makes a new one. Weak, so as not to
	// keep a replaced snapshot's segments in memory; a weak pointer never equals one to
	// an object allocated later at the same address.
	snapshot weak.Pointer[scorch.IndexSnapshot]
	from     float64
	ids      []uint64
}

// days returns the internal IDs, ascending, of the items r holds dated from day from on.
// Every search asks this of the same snapshot until the index changes: reading the day's
// range was a fifth of the CPU of a search of a rare word at 100,000 items (1.7 of 8.1 ms),
// so the last answer is kept. The slice is shared: callers only read it.
func (x *Index) days(ctx context.Context, r index.IndexReader, from float64) ([]uint64, error) {
	c := &x.recentDays
	snap, cacheable := r.(*scorch.IndexSnapshot)
	key := weak.Make(snap)
	c.mu.Lock()
	if cacheable && c.snapshot == key && c.from == from {
		ids := c.ids
		c.mu.Unlock()
		return ids, nil
	}
	c.mu.Unlock()
	days := bleve.NewNumericRangeQuery(&from, nil)
	days.SetField("day")
	ds, err := days.Searcher(ctx, r, x.idx.Mapping(), search.SearcherOptions{Score: "none"})
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer ds.Close()
	var ids []uint64
	err = each(ds, func(m *search.DocumentMatch) error {
		id, err := docID(m.IndexInternalID)
		ids = append(ids, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	// A searcher returns its matches in ID order; this costs nothing then.
	if !slices.IsSorted(ids) {
		slices.Sort(ids)
	}
	if cacheable {
		c.mu.Lock()
		c.snapshot, c.from, c.ids = key, from, ids
		c.mu.Unlock()
	}
	return ids, nil
}
