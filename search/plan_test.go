package search

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"wxpub/internal/synthetic"
)

// A plan is the shape of the searchers bleve builds for one of our queries, each term
// searcher a leaf: it says what a search scores an item from what each leaf scores it, so
// that a search can bound what an item it has not read would score (topLists).
//
// It mirrors bleve 2.6's searchers for the queries search builds (disjunctions, booleans
// of a conjunction and a disjunction, conjunctions, match queries of every term, term
// queries) and refuses any other; TestPlanScoresAsBleve holds it to bleve's scores.
type plan struct {
	op    planOp
	leaf  int // opTerm: the index of its leaf in planner.leaves
	min   int // opAny: the fewest parts that must match
	parts []*plan
}

type planOp uint8

const (
	opNone planOp = iota // matches nothing: bleve's MatchNoneSearcher
	opTerm               // a term in a field
	opAll                // every part matches; the sum of their scores
	opAny                // at least max(min, 1) parts; their sum times the share of parts that matched
	opMust               // parts[0] matches; parts[1] adds its score where it matches too
)

// A leafTerm is a term searcher of a plan.
type leafTerm struct {
	field, term string
	boost       float64
}

// planner builds the plan of a query, collecting its leaves.
type planner struct {
	mapping mapping.IndexMapping
	analyze func(text, analyzer string) []string
	leaves  []leafTerm
}

var none = &plan{op: opNone}

func (pl *planner) plan(q query.Query) (*plan, error) {
	switch q := q.(type) {
	case *query.TermQuery:
		return pl.term(q.FieldVal, q.Term, q.BoostVal.Value()), nil
	case *query.MatchQuery:
		if q.Operator != query.MatchQueryOperatorAnd || q.Fuzziness != 0 || q.Analyzer != "" || q.FieldVal == "" {
			return nil, fmt.Errorf("plan: a match query other than of every term in a field")
		}
		terms := pl.analyze(q.Match, pl.mapping.AnalyzerNameForPath(q.FieldVal))
		if len(terms) == 0 {
			return none, nil
		}
		all := &plan{op: opAll}
		for _, t := range terms {
			all.parts = append(all.parts, pl.term(q.FieldVal, t, q.BoostVal.Value()))
		}
		return all, nil
	case *query.ConjunctionQuery:
		// A part that matches nothing is kept: the conjunction matches nothing then.
		all, err := pl.each(opAll, q.Conjuncts)
		if err != nil || len(all.parts) == 0 {
			return none, err
		}
		return all, nil
	case *query.DisjunctionQuery:
		any, err := pl.each(opAny, q.Disjuncts)
		if err != nil || len(any.parts) == 0 {
			return none, err
		}
		any.min = int(q.Min)
		return any, nil
	case *query.BooleanQuery:
		if q.MustNot != nil || q.Filter != nil {
			return nil, fmt.Errorf("plan: a boolean query with must-not or filter clauses")
		}
		must, should := none, none
		var err error
		if q.Must != nil {
			if must, err = pl.plan(q.Must); err != nil {
				return nil, err
			}
		}
		if q.Should != nil {
			if should, err = pl.plan(q.Should); err != nil {
				return nil, err
			}
		}
		switch {
		case must.op == opNone:
			// bleve drops a clause that matches nothing, and a boolean of one clause is it.
			return should, nil
		case should.op == opNone:
			return must, nil
		}
		if should.op == opAny && should.min > 0 {
			return nil, fmt.Errorf("plan: a boolean query with a minimum of should clauses")
		}
		return &plan{op: opMust, parts: []*plan{must, should}}, nil
	case *query.MatchNoneQuery:
		return none, nil
	}
	return nil, fmt.Errorf("plan: a %T", q)
}

func (pl *planner) each(op planOp, qs []query.Query) (*plan, error) {
	p := &plan{op: op}
	for _, c := range qs {
		part, err := pl.plan(c)
		if err != nil {
			return nil, err
		}
		p.parts = append(p.parts, part)
	}
	return p, nil
}

func (pl *planner) term(field, term string, boost float64) *plan {
	pl.leaves = append(pl.leaves, leafTerm{field: field, term: term, boost: boost})
	return &plan{op: opTerm, leaf: len(pl.leaves) - 1}
}

// score is what p scores an item whose leaf i scores leaf(i) (0 and false where it does
// not match), before the query norm, and whether p matches it. A leaf's score is its term
// searcher's for a boost of 1 alone (idf times BM25's term frequency part), times the
// boost and the idf once more, as bleve's query weight multiplies it.
//
// It adds as bleve does, part by part in order, so that the scores are bleve's to the
// last bit where bleve adds in the same order.
func (p *plan) score(leaf func(i int) (float64, bool)) (float64, bool) {
	switch p.op {
	case opTerm:
		return leaf(p.leaf)
	case opAll:
		sum := 0.0
		for _, c := range p.parts {
			s, ok := c.score(leaf)
			if !ok {
				return 0, false
			}
			sum += s
		}
		return sum, true
	case opAny:
		sum, n := 0.0, 0
		for _, c := range p.parts {
			if s, ok := c.score(leaf); ok {
				sum += s
				n++
			}
		}
		if n == 0 || n < p.min {
			return 0, false
		}
		return sum * (float64(n) / float64(len(p.parts))), true
	case opMust:
		s, ok := p.parts[0].score(leaf)
		if !ok {
			return 0, false
		}
		if t, ok := p.parts[1].score(leaf); ok {
			s += t
		}
		return s, true
	}
	return 0, false
}

// leafStats are what scoring a plan's leaves needs of the index: each leaf's idf and the
// query norm bleve's outermost searcher gives every term searcher under it.
type leafStats struct {
	idf  []float64
	norm float64
}

// stats reads, through r, the idf of each leaf as bleve's BM25 term scorer computes it,
// and the query norm: one over the root of the sum of each leaf's squared boost times idf.
func (pl *planner) stats(ctx context.Context, r index.IndexReader) (leafStats, error) {
	docs, err := r.DocCount()
	if err != nil {
		return leafStats{}, fmt.Errorf("search: %w", err)
	}
	st := leafStats{idf: make([]float64, len(pl.leaves))}
	sum := 0.0
	for i, l := range pl.leaves {
		tfr, err := r.TermFieldReader(ctx, []byte(l.term), l.field, false, false, false)
		if err != nil {
			return leafStats{}, fmt.Errorf("search: %w", err)
		}
		df := tfr.Count()
		tfr.Close()
		st.idf[i] = math.Log(1 + (float64(docs)-float64(df)+0.5)/(float64(df)+0.5))
		w := l.boost * st.idf[i]
		sum += w * w
	}
	st.norm = 1 / math.Sqrt(sum)
	return st, nil
}

// leafLists are the postings of each leaf of a plan, read through r: by item, and best
// first (ties by ID), each with its term searcher's score for a boost of 1 (impacts).
type leafLists struct {
	by     []map[uint64]float64
	sorted [][]posting
}

func readLeaves(ctx context.Context, r index.IndexReader, leaves []leafTerm) (leafLists, error) {
	ls := leafLists{by: make([]map[uint64]float64, len(leaves)), sorted: make([][]posting, len(leaves))}
	for i, l := range leaves {
		lists, err := impacts(ctx, r, l.field, []string{l.term})
		if err != nil {
			return leafLists{}, err
		}
		ls.by[i] = make(map[uint64]float64, len(lists[0]))
		for _, p := range lists[0] {
			ls.by[i][p.id] = p.score
		}
		ls.sorted[i] = slices.SortedFunc(slices.Values(lists[0]), byScore)
	}
	return ls, nil
}

// plannedQuery is a query of ours, its plan and what scoring its leaves needs.
type plannedQuery struct {
	q      query.Query
	p      *plan
	leaves []leafTerm
	st     leafStats
}

func (x *Index) plan(ctx context.Context, r index.IndexReader, q query.Query) (plannedQuery, error) {
	pl := &planner{mapping: x.idx.Mapping(), analyze: x.terms}
	p, err := pl.plan(q)
	if err != nil {
		return plannedQuery{}, err
	}
	st, err := pl.stats(ctx, r)
	return plannedQuery{q: q, p: p, leaves: pl.leaves, st: st}, err
}

// score is what the query scores item id, from its leaves' postings in ls.
func (pq plannedQuery) score(ls leafLists, id uint64) (float64, bool) {
	s, ok := pq.p.score(func(i int) (float64, bool) {
		r, ok := ls.by[i][id]
		return r * pq.leaves[i].boost * pq.st.idf[i], ok
	})
	return s * pq.st.norm, ok
}

// ranked scores the items among the first depth postings of any leaf, and returns how
// many items that is and those the query matches, best first (ties by ID).
func (pq plannedQuery) ranked(ls leafLists, depth int) (int, []posting) {
	items := map[uint64]bool{}
	for _, l := range ls.sorted {
		for _, p := range l[:min(depth, len(l))] {
			items[p.id] = true
		}
	}
	var out []posting
	for id := range items {
		if s, ok := pq.score(ls, id); ok {
			out = append(out, posting{id, s})
		}
	}
	slices.SortFunc(out, byScore)
	return len(items), out
}

// bleveScores are the scores bleve's searchers give every item q matches.
func (x *Index) bleveScores(ctx context.Context, r index.IndexReader, q query.Query) (map[uint64]float64, error) {
	s, err := q.Searcher(scoring(ctx), r, x.idx.Mapping(), search.SearcherOptions{})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	out := map[uint64]float64{}
	err = each(s, func(m *search.DocumentMatch) error {
		id, err := docID(m.IndexInternalID)
		out[id] = m.Score
		return err
	})
	return out, err
}

// The plans of candidate searches, whole and partial, score every item of an archive of
// several segments as bleve does (to rounding), and match the same items: what makes a
// bound computed from a plan a bound on bleve's scores.
func TestPlanScoresAsBleve(t *testing.T) {
	x := distractedIndex(t)
	ctx := context.Background()
	r, err := x.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	texts := append([]string{"法", "區塊鏈", "区块链监管", "MIIT 等保", "data protection law"}, synthetic.Queries...)
	checked := 0
	for _, text := range texts {
		for _, partial := range []bool{false, true} {
			q := x.query(queryForms(text), partial, allFields, false)
			if q == nil {
				continue
			}
			pq, err := x.plan(ctx, r, q)
			if err != nil {
				t.Fatalf("%q: %v", text, err)
			}
			ls, err := readLeaves(ctx, r, pq.leaves)
			if err != nil {
				t.Fatal(err)
			}
			want, err := x.bleveScores(ctx, r, q)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[uint64]bool{}
			for _, l := range ls.sorted {
				for _, p := range l {
					seen[p.id] = true
				}
			}
			matched := 0
			for id := range seen {
				got, ok := pq.score(ls, id)
				w, wok := want[id]
				if ok != wok || math.Abs(got-w) > 1e-12*w {
					t.Fatalf("%q (partial %v), item %d: the plan scores %v (%v), bleve %v (%v)", text, partial, id, got, ok, w, wok)
				}
				if ok {
					matched++
				}
			}
			if matched != len(want) {
				t.Fatalf("%q (partial %v): the plan matches %d items, bleve %d", text, partial, matched, len(want))
			}
			checked += matched
		}
	}
	if checked < 10000 {
		t.Errorf("%d scores checked: the queries hardly match the archive", checked)
	}
	t.Logf("%d scores as bleve gives them", checked)
}

// BenchmarkArchiveThreshold measures, on the index in WXPUB_BENCH_INDEX, the threshold
// algorithm over whole candidate searches, where BenchmarkArchiveImpactOrder measured it
// clause by clause: each leaf's postings best first, cut at a depth; the items above the
// cut in any leaf scored exactly (the plan, random access not counted); every other item
// scores at most what the plan gives the cut's scores, as if it matched every leaf that
// has more postings (a plan's score only grows with its leaves'). The 100 best are proven
// when the 100th of the items read scores more than that.
//
// With -v it logs, for each query and depth, its term searchers, the items it matches,
// its 100th best score, the 100th best score read and the bound on any item not read.
//
// It reports the postings of the whole index (what an index of our own would hold to
// score any item by random access); for each depth, how many of the queries are proven,
// how many items a query reads, and how many of the 100 best are among the 100 best
// items read (what the cut would find, unproven); and the time a Search spends in its
// two stages: the candidate search (collect) and rescoring the candidates' titles and
// bodies.
func BenchmarkArchiveThreshold(b *testing.B) {
	x := benchIndex(b)
	ctx := context.Background()
	r, err := x.snapshot()
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	depths := []int{256, 1024, 4096}
	proven := make([]int, len(depths))
	read := make([]int, len(depths))
	found := make([]int, len(depths)) // of the 100 best, among the 100 best items read
	var collect, rescore time.Duration
	for i := 0; i < b.N; i++ {
		clear(proven)
		clear(read)
		clear(found)
		for _, text := range synthetic.Queries {
			forms := queryForms(text)
			q := x.query(forms, false, allFields, false)
			pq, err := x.plan(ctx, r, q)
			if err != nil {
				b.Fatal(err)
			}
			ls, err := readLeaves(ctx, r, pq.leaves)
			if err != nil {
				b.Fatal(err)
			}
			// The 100 best, from every item any leaf matches.
			_, all := pq.ranked(ls, math.MaxInt)
			best100 := map[uint64]bool{}
			for _, p := range all[:min(100, len(all))] {
				best100[p.id] = true
			}
			for d, depth := range depths {
				items, scored := pq.ranked(ls, depth)
				bound, _ := pq.p.score(func(i int) (float64, bool) {
					l := ls.sorted[i]
					if len(l) <= depth {
						return 0, false // every item it matches was read
					}
					return l[depth].score * pq.leaves[i].boost * pq.st.idf[i], true
				})
				read[d] += items
				for _, p := range scored[:min(100, len(scored))] {
					if best100[p.id] {
						found[d]++
					}
				}
				kth := 0.0
				if len(scored) >= 100 {
					kth = scored[99].score
				}
				if kth > bound*pq.st.norm*(1+1e-9) {
					proven[d]++
				}
				if i == b.N-1 {
					b.Logf("%q: %d term searchers, %d items matched, the 100th best scores %.4f; depth %d: the 100th best read %.4f, an item not read at most %.4f",
						text, len(pq.leaves), len(all), all[min(99, len(all)-1)].score, depth, kth, bound*pq.st.norm)
				}
			}
			from, _ := x.recentFrom()
			days, err := x.days(ctx, r, from)
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			best, _, err := x.collect(ctx, r, q, candidates, days, candidates/2, false)
			if err != nil {
				b.Fatal(err)
			}
			collect += time.Since(start)
			start = time.Now()
			for _, fields := range [][]field{titleFields, bodyFields} {
				if _, err := x.scores(ctx, r, x.query(forms, false, fields, true), best); err != nil {
					b.Fatal(err)
				}
			}
			rescore += time.Since(start)
		}
	}
	for d, depth := range depths {
		b.ReportMetric(float64(proven[d]), fmt.Sprintf("proven-of-%d@%d", len(synthetic.Queries), depth))
		b.ReportMetric(float64(read[d])/float64(len(synthetic.Queries)), fmt.Sprintf("items/query@%d", depth))
		b.ReportMetric(float64(found[d])/float64(len(synthetic.Queries)), fmt.Sprintf("best-found/100@%d", depth))
	}
	// What an index of our own would hold in memory to score any item by random access:
	// every posting of every text field (without positions).
	all := 0
	for _, f := range []string{"title_zh", "body_zh", "title_en", "body_en", "title_zh1", "body_zh1"} {
		dict, err := r.FieldDict(f)
		if err != nil {
			b.Fatal(err)
		}
		for {
			e, err := dict.Next()
			if err != nil {
				b.Fatal(err)
			}
			if e == nil {
				break
			}
			all += int(e.Count)
		}
		dict.Close()
	}
	docs, err := r.DocCount()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(all), "index-postings")
	b.ReportMetric(float64(all)/float64(docs), "postings/item")
	n := float64(b.N * len(synthetic.Queries))
	b.ReportMetric(float64(collect.Microseconds())/1000/n, "collect-ms/query")
	b.ReportMetric(float64(rescore.Microseconds())/1000/n, "rescore-ms/query")
}
