package search

import (
	"context"
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"weak"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	"golang.org/x/sync/errgroup"
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
	return fieldCardinality(r.IndexReader, field)
}

// fieldCardinality is what BM25 takes a field's average length from, as r gives it.
func fieldCardinality(r index.IndexReader, field string) (int, error) {
	if b, ok := r.(index.BM25Reader); ok {
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

// collect returns the n best matches of q read through r, best first, and the m best
// among the items dated from day from on (recent nil: none). One pass over the postings
// gives both: a second search restricted to those items read most of them again (at
// 100,000 items, 32 of 110 ms of CPU for 个人信息). The pass is cut by internal ID into
// parts searched side by side, one per core, and their best merged: every match scores
// what the whole index gives it in either part.
func (x *Index) collect(ctx context.Context, r index.IndexReader, q query.Query, n int, recent daySet, m int, explain bool) (best, newest search.DocumentMatchCollection, err error) {
	return x.collectIn(ctx, r, cut(r, parallelism(), minPart), q, n, recent, m, explain)
}

// collectIn is collect over the parts of r given.
func (x *Index) collectIn(ctx context.Context, r index.IndexReader, parts []index.IndexReader, q query.Query, n int, recent daySet, m int, explain bool) (best, newest search.DocumentMatchCollection, err error) {
	bests := make([]ranking, len(parts))
	newests := make([]ranking, len(parts))
	g, gctx := errgroup.WithContext(scoring(ctx))
	for i, part := range parts {
		bests[i], newests[i] = ranking{n: n}, ranking{n: m}
		g.Go(func() error {
			s, err := q.Searcher(gctx, part, x.idx.Mapping(), search.SearcherOptions{Explain: explain})
			if err != nil {
				return fmt.Errorf("search: %w", err)
			}
			defer s.Close()
			seen := 0
			return each(s, func(d *search.DocumentMatch) error {
				if seen++; seen%1024 == 0 && gctx.Err() != nil {
					return gctx.Err()
				}
				id, err := docID(d.IndexInternalID)
				if err != nil {
					return err
				}
				bests[i].offer(id, d.Score, d.Expl)
				if recent.has(id) {
					newests[i].offer(id, d.Score, d.Expl)
				}
				return nil
			})
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	if best, err = merge(r, bests, n); err != nil {
		return nil, nil, err
	}
	if newest, err = merge(r, newests, m); err != nil {
		return nil, nil, err
	}
	return best, newest, nil
}

// parallelism is how many parts a search is cut into: one per core, up to four.
func parallelism() int { return min(runtime.GOMAXPROCS(0), 4) }

// minPart is the fewest items a part of a search holds: below it, building a part's
// searchers costs more than the part saves.
const minPart = 20000

// cut divides r by internal ID into up to n parts of similar size, each of at least
// least items (cutAt).
func cut(r index.IndexReader, n int, least uint64) []index.IndexReader {
	edges, ok := segmentEdges(r)
	if !ok {
		return []index.IndexReader{r}
	}
	return inRanges(r, cutAt(edges, n, least))
}

// segmentEdges are where each segment of a scorch snapshot begins, by internal ID, and
// where the last ends.
func segmentEdges(r index.IndexReader) ([]uint64, bool) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, false
	}
	edges := []uint64{0}
	for _, seg := range snap.Segments() {
		edges = append(edges, edges[len(edges)-1]+seg.Segment().Count())
	}
	return edges, true
}

// inRanges is r read in the ranges of internal IDs given, one reader each (r itself for
// one range or none).
func inRanges(r index.IndexReader, ranges [][2]uint64) []index.IndexReader {
	if len(ranges) <= 1 {
		return []index.IndexReader{r}
	}
	parts := make([]index.IndexReader, len(ranges))
	for i, lohi := range ranges {
		parts[i] = rangeReader{IndexReader: r, lo: lohi[0], hi: lohi[1]}
	}
	return parts
}

// cutAt divides the IDs from edges[0] up to the last edge (the edges of an index's
// segments) into up to n ranges of similar size, each of at least least IDs. A range ends
// at an edge near its ideal end where there is one: a range that begins inside a segment
// pays for what lies before it there, as zapx reaches an ID by walking each term's
// postings from the segment's start. Cutting at the nearest edge whatever its distance
// cost more than that at 100,000 items: a search cut 75,200 to 24,800 at an edge took 25
// ms on average, one cut in the middle of the larger segment 21 (BenchmarkArchiveSearch).
func cutAt(edges []uint64, n int, least uint64) [][2]uint64 {
	if len(edges) < 2 {
		return nil
	}
	start, end := edges[0], edges[len(edges)-1]
	n = max(1, min(n, int((end-start)/max(least, 1))))
	near := (end - start) / uint64(n) / 8
	var out [][2]uint64
	for lo, i := start, 1; lo < end; i++ {
		// An edge is never nearer than near to two ideal ends, so hi > lo.
		want := start + (end-start)*uint64(i)/uint64(n)
		hi, best := want, near+1
		for _, e := range edges {
			if d := absDiff(e, want); e > lo && d < best {
				hi, best = e, d
			}
		}
		out = append(out, [2]uint64{lo, hi})
		lo = hi
	}
	return out
}

func absDiff(a, b uint64) uint64 { return max(a, b) - min(a, b) }

// ranking keeps the n best of the matches offered: the highest scores, the first offered
// among equals (the index's order, as bleve's top-n collector keeps them).
type ranking struct {
	n    int
	kept []ranked // best first
}

type ranked struct {
	id    uint64
	score float64
	expl  *search.Explanation
}

// before reports whether a ranks before b: a higher score, or the same and earlier in the
// index.
func (a ranked) before(b ranked) bool {
	return a.score > b.score || a.score == b.score && a.id < b.id
}

// order is before as a comparison, for sorting and searching rankings (an item is
// offered once: two never tie).
func order(a, b ranked) int {
	if a.before(b) {
		return -1
	}
	return 1
}

// offer keeps a match if it is among the n best so far.
func (k *ranking) offer(id uint64, score float64, expl *search.Explanation) {
	m := ranked{id, score, expl}
	if len(k.kept) == k.n && (k.n == 0 || !m.before(k.kept[len(k.kept)-1])) {
		return
	}
	i, _ := slices.BinarySearchFunc(k.kept, m, order)
	if len(k.kept) == k.n {
		k.kept = k.kept[:len(k.kept)-1]
	}
	k.kept = slices.Insert(k.kept, i, m)
}

// merge returns the n best of the parts' rankings as matches of r, with their IDs.
func merge(r index.IndexReader, parts []ranking, n int) (search.DocumentMatchCollection, error) {
	var all []ranked
	for _, p := range parts {
		all = append(all, p.kept...)
	}
	slices.SortFunc(all, order)
	all = all[:min(n, len(all))]
	out := make(search.DocumentMatchCollection, len(all))
	for i, m := range all {
		iid := index.IndexInternalID(binary.BigEndian.AppendUint64(nil, m.id))
		id, err := r.ExternalID(iid)
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		out[i] = &search.DocumentMatch{ID: id, IndexInternalID: iid, Score: m.score, Expl: m.expl}
	}
	return out, nil
}

// rangeReader shows a search the postings of the internal IDs from lo up to hi only: one
// part of a search cut by ID. Everything else is the whole index's, as for
// candidateReader.
type rangeReader struct {
	index.IndexReader
	lo, hi uint64
}

// FieldCardinality is the whole index's, for BM25's average field length.
func (r rangeReader) FieldCardinality(field string) (int, error) {
	return fieldCardinality(r.IndexReader, field)
}

// TermFieldReader returns the term's postings in the range.
func (r rangeReader) TermFieldReader(ctx context.Context, term []byte, field string, freq, norm, vectors bool) (index.TermFieldReader, error) {
	p, err := r.IndexReader.TermFieldReader(ctx, term, field, freq, norm, vectors)
	if err != nil {
		return nil, err
	}
	return &rangePostings{TermFieldReader: p, lo: r.lo, hi: r.hi}, nil
}

// rangePostings walks a posting list from lo up to hi.
type rangePostings struct {
	index.TermFieldReader
	lo, hi        uint64
	started, done bool
	at            index.IndexInternalID // scratch for the ID advanced to
}

// Next returns the next posting in the range.
func (p *rangePostings) Next(pre *index.TermFieldDoc) (*index.TermFieldDoc, error) {
	if p.done {
		return nil, nil
	}
	if !p.started {
		return p.Advance(nil, pre)
	}
	d, err := p.TermFieldReader.Next(pre)
	return p.within(d, err)
}

// Advance returns the first posting in the range at or after id (nil: from lo).
func (p *rangePostings) Advance(id index.IndexInternalID, pre *index.TermFieldDoc) (*index.TermFieldDoc, error) {
	if p.done {
		return nil, nil
	}
	p.started = true
	n := p.lo
	if id != nil {
		at, err := docID(id)
		if err != nil {
			return nil, err
		}
		n = max(n, at)
	}
	p.at = binary.BigEndian.AppendUint64(p.at[:0], n)
	d, err := p.TermFieldReader.Advance(p.at, pre)
	return p.within(d, err)
}

// within passes on a posting below hi.
func (p *rangePostings) within(d *index.TermFieldDoc, err error) (*index.TermFieldDoc, error) {
	if err != nil || d == nil {
		p.done = true
		return nil, err
	}
	n, err := docID(d.ID)
	if err != nil || n >= p.hi {
		p.done = true
		return nil, err
	}
	return d, nil
}

// daySet is the items of a snapshot dated from a day on, by internal ID: bit n%64 of
// word n/64 is set for item n.
type daySet []uint64

// add puts item n in the set.
func (d *daySet) add(n uint64) {
	for uint64(len(*d)) <= n/64 {
		*d = append(*d, 0)
	}
	(*d)[n/64] |= 1 << (n % 64)
}

// has reports whether the item of internal ID n is in the set (of a nil set: no).
func (d daySet) has(n uint64) bool {
	return n/64 < uint64(len(d)) && d[n/64]&(1<<(n%64)) != 0
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
	set      daySet
}

// days returns the items r holds dated from day from on.
// Every search asks this of the same snapshot until the index changes: reading the day's
// range was a fifth of the CPU of a search of a rare word at 100,000 items (1.7 of 8.1 ms),
// so the last answer is kept. The set is shared: callers only read it.
func (x *Index) days(ctx context.Context, r index.IndexReader, from float64) (daySet, error) {
	c := &x.recentDays
	snap, cacheable := r.(*scorch.IndexSnapshot)
	key := weak.Make(snap)
	c.mu.Lock()
	if cacheable && c.snapshot == key && c.from == from {
		set := c.set
		c.mu.Unlock()
		return set, nil
	}
	c.mu.Unlock()
	days := bleve.NewNumericRangeQuery(&from, nil)
	days.SetField("day")
	ds, err := days.Searcher(ctx, r, x.idx.Mapping(), search.SearcherOptions{Score: "none"})
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer ds.Close()
	var set daySet
	err = each(ds, func(m *search.DocumentMatch) error {
		id, err := docID(m.IndexInternalID)
		set.add(id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if cacheable {
		c.mu.Lock()
		c.snapshot, c.from, c.set = key, from, set
		c.mu.Unlock()
	}
	return set, nil
}
