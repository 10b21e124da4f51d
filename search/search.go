// Package search is the keyword index over every item of every issue: Chinese text is
// indexed as CJK bigrams, English text stemmed, titles weigh more than bodies, and among
// equal matches the newer issue comes first. Searches run while issues are added or
// replaced.
package search

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"wxpub/issue"
)

// Doc is one item as the index holds it.
type Doc struct {
	ItemID      string
	IssueNumber int
	Position    int
	Section     issue.Text
	Title       issue.Text
	Body        issue.Text
}

// Issue is what the index knows of an issue, for replies about a whole issue.
type Issue struct {
	Number     int
	Date       string
	Title      issue.Text
	ArticleURL string
	CoverURL   string
	Digest     string
	// Items are the ids of its items, in order.
	Items []string
	// Tags are its front matter's tags.
	Tags []string
}

// Hit is one item that matched, with its score and the issue it belongs to: what a
// reply needs, without going back to the index.
type Hit struct {
	Doc
	Issue Issue
	Score float64
}

// Index is the search index. It is safe for concurrent use.
type Index struct {
	idx    bleve.Index
	dir    string
	bodies BodySource

	mu     sync.RWMutex
	docs   map[string]Doc
	issues map[int]Issue
	latest int
	gen    atomic.Uint64
}

// BodySource gives the bodies of items by id. With one set, the index keeps titles only
// and asks for the bodies of the items a search returns: for 10,000 items the bodies are
// two thirds of the memory an idle server holds. When it fails, hits come without bodies.
type BodySource func(ctx context.Context, ids []string) (map[string]issue.Text, error)

// SetBodySource makes the index keep bodies out of memory, asking src for them; set it
// before adding items.
func (x *Index) SetBodySource(src BodySource) { x.bodies = src }

// TitleBoost is how much more a match in a title counts than one in a body.
const TitleBoost = 3.0

func newMapping() mapping.IndexMapping {
	m := bleve.NewIndexMapping()
	text := func(analyzer string) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	num := bleve.NewNumericFieldMapping()
	num.Store = false
	num.IncludeInAll = false
	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt("title_zh", text(cjk.AnalyzerName))
	dm.AddFieldMappingsAt("body_zh", text(cjk.AnalyzerName))
	dm.AddFieldMappingsAt("title_en", text(en.AnalyzerName))
	dm.AddFieldMappingsAt("body_en", text(en.AnalyzerName))
	dm.AddFieldMappingsAt("issue", num)
	m.DefaultMapping = dm
	m.DefaultAnalyzer = en.AnalyzerName
	return m
}

// New returns an empty index. Its segments live in a temporary folder, memory-mapped: held
// in the heap instead, 10,000 items cost 20 MB of resident memory that an idle server
// does not need. The folder goes with Close; the index is rebuilt from the store at start.
func New() (*Index, error) {
	dir, err := os.MkdirTemp("", "wxpub-index-")
	if err != nil {
		return nil, fmt.Errorf("search index: %w", err)
	}
	idx, err := bleve.NewUsing(filepath.Join(dir, "index"), newMapping(), scorch.Name, scorch.Name, nil)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("search index: %w", err)
	}
	return &Index{idx: idx, dir: dir, docs: map[string]Doc{}, issues: map[int]Issue{}}, nil
}

// Close releases the index and removes its folder.
func (x *Index) Close() error {
	err := x.idx.Close()
	if rerr := os.RemoveAll(x.dir); err == nil {
		err = rerr
	}
	return err
}

type fields struct {
	TitleZh string  `json:"title_zh"`
	BodyZh  string  `json:"body_zh"`
	TitleEn string  `json:"title_en"`
	BodyEn  string  `json:"body_en"`
	Issue   float64 `json:"issue"`
}

// Put adds an issue and its items, replacing what the index had of that issue. Searches
// go on meanwhile; they see the old or the new version.
func (x *Index) Put(is Issue, docs []Doc) error {
	return x.PutAll([]Issue{is}, [][]Doc{docs})
}

// batchDocs bounds the items indexed in one batch: one batch of everything (10,000 items
// at start-up) took the process to 760 MB at its peak; batches of this size keep it under
// 100 MB and take no longer.
const batchDocs = 400

// PutAll adds several issues (docs[i] are issues[i]'s items), in batches of whole issues.
func (x *Index) PutAll(issues []Issue, docs [][]Doc) error {
	if len(issues) != len(docs) {
		return errors.New("search: PutAll needs the items of every issue")
	}
	for start := 0; start < len(issues); {
		end, n := start, 0
		for end < len(issues) && (end == start || n+len(docs[end]) <= batchDocs) {
			n += len(docs[end])
			end++
		}
		if err := x.putBatch(issues[start:end], docs[start:end]); err != nil {
			return err
		}
		start = end
	}
	return nil
}

func (x *Index) putBatch(issues []Issue, docs [][]Doc) error {
	b := x.idx.NewBatch()
	x.mu.RLock()
	for i, is := range issues {
		keep := map[string]bool{}
		for _, d := range docs[i] {
			keep[d.ItemID] = true
		}
		for _, old := range x.issues[is.Number].Items {
			if !keep[old] {
				b.Delete(old)
			}
		}
	}
	x.mu.RUnlock()
	for _, ds := range docs {
		for _, d := range ds {
			if err := b.Index(d.ItemID, fields{TitleZh: d.Title.Zh, BodyZh: d.Body.Zh, TitleEn: d.Title.En, BodyEn: d.Body.En, Issue: float64(d.IssueNumber)}); err != nil {
				return fmt.Errorf("index item %s: %w", d.ItemID, err)
			}
		}
	}
	if err := x.idx.Batch(b); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	x.mu.Lock()
	for i, is := range issues {
		for _, old := range x.issues[is.Number].Items {
			delete(x.docs, old)
		}
		is.Items = is.Items[:0]
		for _, d := range docs[i] {
			if x.bodies != nil {
				d.Body = issue.Text{}
			}
			x.docs[d.ItemID] = d
			is.Items = append(is.Items, d.ItemID)
		}
		x.issues[is.Number] = is
		if is.Number > x.latest {
			x.latest = is.Number
		}
	}
	x.mu.Unlock()
	x.gen.Add(1)
	return nil
}

// Generation changes whenever the index does; caches of answers key on it.
func (x *Index) Generation() uint64 { return x.gen.Load() }

// Size is how many items the index holds.
func (x *Index) Size() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.docs)
}

// Issue returns what the index knows of an issue.
func (x *Index) Issue(number int) (Issue, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	is, ok := x.issues[number]
	return is, ok
}

// Latest returns the newest issue.
func (x *Index) Latest() (Issue, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	is, ok := x.issues[x.latest]
	return is, ok
}

// Item returns one item (without its body when a BodySource is set).
func (x *Index) Item(id string) (Doc, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	d, ok := x.docs[id]
	return d, ok
}

// Tags returns the front-matter tags of every issue, the most used first.
func (x *Index) Tags() []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	// Newest issue first, over the issues there are (numbers need not be dense: walking
	// down from the latest number cost a no-match reply one step per missing number).
	numbers := make([]int, 0, len(x.issues))
	for n, is := range x.issues {
		if len(is.Tags) > 0 {
			numbers = append(numbers, n)
		}
	}
	slices.SortFunc(numbers, func(a, b int) int { return b - a })
	count := map[string]int{}
	var order []string
	for _, n := range numbers {
		if len(count) >= 64 {
			break
		}
		for _, t := range x.issues[n].Tags {
			if count[t] == 0 {
				order = append(order, t)
			}
			count[t]++
		}
	}
	// Stable: most used first, then newest first.
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && count[order[j]] > count[order[j-1]]; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	return order
}

// Search returns up to limit items matching q, best first; among equal scores the newer
// issue first. Every term must match in a field (Chinese is matched by its bigrams); when
// no item has them all, half of them will do (at least two), so that "区块链监管" still
// finds 区块链 but "量子计算" does not settle for 计算.
func (x *Index) Search(ctx context.Context, q string, limit int) ([]Hit, error) {
	q = strings.TrimSpace(q)
	if q == "" || limit <= 0 {
		return nil, nil
	}
	hits, err := x.search(ctx, q, limit, false)
	if err == nil && len(hits) == 0 {
		hits, err = x.search(ctx, q, limit, true)
	}
	return hits, err
}

var fieldsWeighted = []struct {
	field, analyzer string
	boost           float64
}{{"title_zh", cjk.AnalyzerName, TitleBoost}, {"body_zh", cjk.AnalyzerName, 1}, {"title_en", en.AnalyzerName, TitleBoost}, {"body_en", en.AnalyzerName, 1}}

func (x *Index) search(ctx context.Context, q string, limit int, partial bool) ([]Hit, error) {
	var qs []query.Query
	for _, f := range fieldsWeighted {
		if !partial {
			m := bleve.NewMatchQuery(q)
			m.SetField(f.field)
			m.SetOperator(query.MatchQueryOperatorAnd)
			m.SetBoost(f.boost)
			qs = append(qs, m)
			continue
		}
		terms := x.terms(q, f.analyzer)
		if len(terms) < 3 {
			// Two terms are both needed: the first pass asked that already.
			continue
		}
		var tq []query.Query
		for _, t := range terms {
			term := bleve.NewTermQuery(t)
			term.SetField(f.field)
			tq = append(tq, term)
		}
		d := bleve.NewDisjunctionQuery(tq...)
		d.SetMin(float64(max(2, (len(terms)+1)/2)))
		d.SetBoost(f.boost)
		qs = append(qs, d)
	}
	if len(qs) == 0 {
		return nil, nil
	}
	req := bleve.NewSearchRequestOptions(bleve.NewDisjunctionQuery(qs...), limit, 0, false)
	req.SortBy([]string{"-_score", "-issue"})
	res, err := x.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", q, err)
	}
	x.mu.RLock()
	hits := make([]Hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		if d, ok := x.docs[h.ID]; ok {
			hits = append(hits, Hit{Doc: d, Issue: x.issues[d.IssueNumber], Score: h.Score})
		}
	}
	x.mu.RUnlock()
	if x.bodies != nil && len(hits) > 0 {
		ids := make([]string, len(hits))
		for i, h := range hits {
			ids[i] = h.ItemID
		}
		// Without its store the index still answers, with titles only: a snippet is
		// worth less than a reply.
		if bodies, err := x.bodies(ctx, ids); err == nil {
			for i := range hits {
				hits[i].Body = bodies[hits[i].ItemID]
			}
		}
	}
	return hits, nil
}

// terms analyses q as a field's analyzer would, each term once.
func (x *Index) terms(q, analyzer string) []string {
	a := x.idx.Mapping().AnalyzerNamed(analyzer)
	if a == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, tok := range a.Analyze([]byte(q)) {
		t := string(tok.Term)
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}
