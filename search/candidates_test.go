package search

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"

	"wxpub/internal/synthetic"
	"wxpub/issue"
)

// Rescoring through candidateReader gives each candidate the score a search of the whole
// index for that one item gives it (with the same DocIDQuery), phrases and partial matches
// included, and scores nothing else.
//
// Not every one: a search of the whole index now and then leaves out a term that matches
// from a partial query's score (bleve's searchers leapfrogging through the index; 136-1's
// English title has "protection", and its explanation through candidateReader counts
// title_en:protect where the whole index's does not). So a candidate may score more than
// the whole index gives it, never less, and nearly all score the same.
func TestCandidateScoresAreTheWholeIndexs(t *testing.T) {
	x := distractedIndex(t)
	// Scores depend on how the segments lie (bleve's BM25 takes the average field length
	// from them): compare in one layout.
	x.settle(time.Minute)
	ctx := context.Background()
	reader, err := x.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	checked, same := 0, 0
	for _, q := range []string{"个人信息", "contact tracing", "个人信息保护法", "personal information protection", "数据安全 出境", "GDPR 罚款", "区块链监管", "法"} {
		forms := queryForms(q)
		for _, partial := range []bool{false, true} {
			retrieve := x.query(forms, partial, allFields, false)
			if retrieve == nil {
				continue
			}
			res, err := x.idx.SearchInContext(ctx, bleve.NewSearchRequestOptions(retrieve, 60, 0, false))
			if err != nil {
				t.Fatal(err)
			}
			// The candidates and an item that matches nothing, as the snapshot holds them.
			var ids []string
			for _, h := range res.Hits {
				ids = append(ids, h.ID)
			}
			if !slices.Contains(ids, "135-3") {
				ids = append(ids, "135-3")
			}
			candidates, named := inSnapshot(t, reader, ids)
			for _, fields := range [][]field{titleFields, bodyFields} {
				rescore := x.query(forms, partial, fields, true)
				if rescore == nil {
					continue
				}
				var whole []*search.DocumentMatch
				for _, id := range ids {
					req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(bleve.NewDocIDQuery([]string{id}), rescore), 1, 0, false)
					res, err := x.idx.SearchInContext(ctx, req)
					if err != nil {
						t.Fatal(err)
					}
					whole = append(whole, res.Hits...)
				}
				byID, err := x.scores(ctx, reader, rescore, candidates)
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]float64{}
				for n, score := range byID {
					got[named[n]] = score
				}
				name := fmt.Sprintf("%q partial=%v %s", q, partial, fields[0].name)
				if len(got) != len(whole) {
					t.Errorf("%s: %d scored, the whole index scores %d", name, len(got), len(whole))
				}
				for _, h := range whole {
					g, ok := got[h.ID]
					switch {
					case !ok || g < h.Score*(1-1e-9):
						t.Errorf("%s: %s scores %v, the whole index gives %v", name, h.ID, g, h.Score)
					case math.Abs(g-h.Score) <= 1e-9*h.Score:
						same++
					}
				}
				checked += len(whole)
			}
		}
	}
	if checked < 200 {
		t.Errorf("only %d scores compared: the queries no longer match the fixtures", checked)
	}
	if same < checked*98/100 {
		t.Errorf("%d of %d scores differ from the whole index's", checked-same, checked)
	}
	t.Logf("%d of %d scores as the whole index gives them", same, checked)
}

// distractedIndex holds the fixtures and 2,000 synthetic items made of their sentences,
// dated through 2019, each issue a batch of its own (several segments, as a real index has).
func distractedIndex(t *testing.T) *Index {
	t.Helper()
	x := newIndex(t)
	var real []*issue.Issue
	for _, f := range []string{"../issue/testdata/sample-135.md", "testdata/archive-137.md", "testdata/archive-138.md"} {
		is, docs := fromFile(t, f)
		if err := x.Put(is, docs); err != nil {
			t.Fatal(err)
		}
		parsed, err := issue.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		real = append(real, parsed)
	}
	for _, src := range synthetic.Issues(synthetic.Options{From: real, Items: 2000, Seed: 3}) {
		is, err := issue.Parse(src.Name, src.Markdown)
		if err != nil {
			t.Fatal(err)
		}
		var docs []Doc
		for i, it := range is.Items() {
			docs = append(docs, Doc{ItemID: it.ID, IssueNumber: is.Number, Position: i + 1, Title: it.Title, Body: it.Body})
		}
		if err := x.Put(Issue{Number: is.Number, Date: is.Date}, docs); err != nil {
			t.Fatal(err)
		}
	}
	return x
}

// One pass over the index, whole or cut into parts, ranks its matches as bleve's own top-n
// collector does (scores and order, ties in index order), and the matches of the recent
// days as a search of the whole index ranks those.
func TestCollectRanksAsBleve(t *testing.T) {
	x := distractedIndex(t)
	x.settle(time.Minute)
	ctx := context.Background()
	since, _ := issueTime("2019-10-01")
	from := float64(since.Unix() / 86400)
	reader, err := x.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	days, err := x.days(ctx, reader, from)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"个人信息", "contact tracing", "数据安全", "GDPR 罚款", "法"} {
		q := x.query(queryForms(text), false, allFields, false)
		all, err := x.idx.SearchInContext(ctx, bleve.NewSearchRequestOptions(q, x.Size(), 0, false))
		if err != nil {
			t.Fatal(err)
		}
		var wantBest, wantRecent []string
		for _, h := range all.Hits {
			wantBest = append(wantBest, fmt.Sprintf("%s %.9g", h.ID, h.Score))
			if d, ok := x.doc(h.ID); ok && !x.before(d.IssueNumber, since) {
				wantRecent = append(wantRecent, fmt.Sprintf("%s %.9g", h.ID, h.Score))
			}
		}
		if len(wantBest) < 60 || len(wantRecent) < 10 {
			t.Fatalf("%q: %d matches, %d recent: the query no longer tests a ranking", text, len(wantBest), len(wantRecent))
		}
		// Cut as searches are (at segment edges where one is near), and inside segments
		// whatever the edges (the test index may be one segment).
		edges, ok := segmentEdges(reader)
		if !ok {
			t.Fatal("the test index is not scorch's")
		}
		for _, parts := range []int{1, 2, 3} {
			for _, ranges := range [][][2]uint64{cutAt(edges, parts, 1), cutAt([]uint64{0, edges[len(edges)-1]}, parts, 1)} {
				if len(ranges) != parts {
					t.Fatalf("cut into %d parts, want %d", len(ranges), parts)
				}
				split := inRanges(reader, ranges)
				// Every match, so that one lost or counted twice where the parts meet shows.
				best, recent, err := x.collectIn(ctx, reader, split, q, len(wantBest), days, len(wantRecent), false)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range []struct {
					what string
					got  search.DocumentMatchCollection
					want []string
				}{{"best", best, wantBest}, {"recent", recent, wantRecent}} {
					var got []string
					for _, h := range c.got {
						got = append(got, fmt.Sprintf("%s %.9g", h.ID, h.Score))
					}
					if !slices.Equal(got, c.want) {
						t.Errorf("%q in parts %v, %s:\n got %v\nwant %v", text, ranges, c.what, got, c.want)
					}
				}
			}
		}
	}
}

// A search is cut into parts of similar size, at segment edges where one is near.
func TestCutAt(t *testing.T) {
	for _, c := range []struct {
		edges []uint64
		n     int
		least uint64
		want  [][2]uint64
	}{
		// No edge near the middle: cut inside the larger segment.
		{[]uint64{0, 75200, 97600, 100000}, 2, 20000, [][2]uint64{{0, 50000}, {50000, 100000}}},
		{[]uint64{0, 45000, 80000, 95000, 100000}, 2, 20000, [][2]uint64{{0, 45000}, {45000, 100000}}},
		{[]uint64{0, 48000, 52000, 100000}, 2, 20000, [][2]uint64{{0, 48000}, {48000, 100000}}},
		{[]uint64{0, 30000, 60000, 90000, 100000}, 3, 20000, [][2]uint64{{0, 30000}, {30000, 66666}, {66666, 100000}}},
		{[]uint64{0, 30000, 60000, 90000, 100000}, 4, 20000, [][2]uint64{{0, 25000}, {25000, 50000}, {50000, 75000}, {75000, 100000}}},
		{[]uint64{0, 36000, 100000}, 3, 1000, [][2]uint64{{0, 36000}, {36000, 66666}, {66666, 100000}}},
		{[]uint64{1000, 2000, 3000}, 2, 500, [][2]uint64{{1000, 2000}, {2000, 3000}}},
		// Too few items for two parts of the least size; one segment cut in two.
		{[]uint64{0, 20000, 30000}, 2, 20000, [][2]uint64{{0, 30000}}},
		{[]uint64{0, 100000}, 2, 20000, [][2]uint64{{0, 50000}, {50000, 100000}}},
		{[]uint64{0}, 2, 20000, nil},
	} {
		if got := cutAt(c.edges, c.n, c.least); !slices.Equal(got, c.want) {
			t.Errorf("cutAt(%v, %d, %d) = %v, want %v", c.edges, c.n, c.least, got, c.want)
		}
	}
}

// before reports whether issue n is dated before t.
func (x *Index) before(n int, t time.Time) bool {
	is, _ := x.Issue(n)
	d, ok := issueTime(is.Date)
	return !ok || d.Before(t)
}

// inSnapshot is the items ids as matches of reader (the candidates scores takes), and their
// ids by internal ID.
func inSnapshot(t *testing.T, reader index.IndexReader, ids []string) (search.DocumentMatchCollection, map[uint64]string) {
	t.Helper()
	var out search.DocumentMatchCollection
	named := map[uint64]string{}
	for _, id := range ids {
		iid, err := reader.InternalID(id)
		if err != nil || iid == nil {
			t.Fatalf("%s is not in the index: %v", id, err)
		}
		n, err := docID(iid)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &search.DocumentMatch{ID: id, IndexInternalID: iid})
		named[n] = id
	}
	return out, named
}

// The items of the recent days are those of the snapshot searched: an issue added or
// redated since the last search is counted in the next one.
func TestRecentDaysFollowTheIndex(t *testing.T) {
	x := emptyIndex(t)
	put := func(number int, date string) {
		t.Helper()
		var docs []Doc
		for k := 1; k <= 2; k++ {
			id := fmt.Sprintf("%d-%d", number, k)
			docs = append(docs, Doc{ItemID: id, IssueNumber: number, Position: k, Title: issue.Text{Zh: "数据安全", En: "Data security"}})
		}
		if err := x.Put(Issue{Number: number, Date: date}, docs); err != nil {
			t.Fatal(err)
		}
	}
	since, _ := issueTime("2019-10-01")
	from := float64(since.Unix() / 86400)
	recent := func() []string {
		t.Helper()
		reader, err := x.snapshot()
		if err != nil {
			t.Fatal(err)
		}
		defer reader.Close()
		var out []string
		for range 2 { // the second time from what the first kept
			set, err := x.days(context.Background(), reader, from)
			if err != nil {
				t.Fatal(err)
			}
			out = out[:0]
			edges, ok := segmentEdges(reader)
			if !ok {
				t.Fatal("the test index is not scorch's")
			}
			for n := range edges[len(edges)-1] { // every internal ID of the snapshot
				if !set.has(n) {
					continue
				}
				id, err := reader.ExternalID(binary.BigEndian.AppendUint64(nil, n))
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, id)
			}
		}
		return sorted(out)
	}
	put(1, "2019-09-01")
	put(2, "2019-11-01")
	if got := recent(); !slices.Equal(got, []string{"2-1", "2-2"}) {
		t.Fatalf("recent items %v, want issue 2's", got)
	}
	put(3, "2019-12-01")
	if got := recent(); !slices.Equal(got, []string{"2-1", "2-2", "3-1", "3-2"}) {
		t.Fatalf("after adding issue 3: recent items %v, want issues 2 and 3's", got)
	}
	put(2, "2019-08-01")
	if got := recent(); !slices.Equal(got, []string{"3-1", "3-2"}) {
		t.Fatalf("after redating issue 2: recent items %v, want issue 3's", got)
	}
}

// A glossary entry's forms in every field are a disjunction of a dozen clauses and more,
// which bleve answers with its slice searcher (disjunctionSlice), a long message's with
// its heap searcher.
func TestDisjunctionSearchers(t *testing.T) {
	x := newIndex(t)
	reader, err := x.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	for _, tc := range []struct {
		clauses int
		heap    bool
	}{{12, false}, {disjunctionSlice, false}, {disjunctionSlice + 1, true}} {
		var qs []query.Query
		for i := range tc.clauses {
			qs = append(qs, bleve.NewTermQuery(fmt.Sprintf("term%d", i)))
		}
		s, err := bleve.NewDisjunctionQuery(qs...).Searcher(scoring(context.Background()), reader, x.idx.Mapping(), search.SearcherOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, heap := s.(*searcher.DisjunctionHeapSearcher)
		_, slice := s.(*searcher.DisjunctionSliceSearcher)
		if heap != tc.heap || slice == tc.heap {
			t.Errorf("%d clauses: searcher %T", tc.clauses, s)
		}
		s.Close()
	}
}
