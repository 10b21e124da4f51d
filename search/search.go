// Package search is the keyword index over every item of every issue: Chinese text is
// indexed as CJK bigrams (and single characters, for one-character queries), English text
// stemmed; both are folded (full-width to ASCII, traditional to simplified) in the index
// and in queries. A query naming a law, regulator or standard by any of its names (the
// glossary) finds items that use any other. Titles weigh more than bodies, an exact
// phrase more than scattered words, and among equal matches the newer issue comes first.
// Searches run while issues are added or replaced.
package search

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sys/unix"

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
	// Revision is the store's revision of the issue when it was indexed: a persistent
	// index is brought up to date by the issues whose revision changed.
	Revision int64
}

// Hit is one item that matched, with its score and the issue it belongs to: what a
// reply needs, without going back to the index.
type Hit struct {
	Doc
	Issue Issue
	Score float64
	// Partial: only some of the query's terms matched (no item had them all).
	Partial bool
}

// Index is the search index. It is safe for concurrent use.
type Index struct {
	idx  bleve.Index
	dir  string
	temp bool     // dir goes with Close
	lock *os.File // this process's hold on a persistent index's folder
	// records holds a persistent index's items, by issue (recordsFile).
	records *bolt.DB

	closeOnce sync.Once
	closeErr  error
	bodies    BodySource

	glossary *Glossary

	mu     sync.RWMutex
	docs   map[string]Doc // every item; of a persistent index, those read so far
	issues map[int]Issue
	// latest and previous are the numbers of the two newest issues (findNewest).
	latest, previous int
	gen              atomic.Uint64
	// Records of a persistent index not yet written: issues put (their items held in docs
	// meanwhile) and issues removed. saveCatalog writes them with the catalog.
	pending map[int][]byte
	gone    map[int]bool
	// written: this process changed a persistent index, and Close lets its merges finish.
	written atomic.Bool
	// built: this process created the persistent index, merged at buildTier (Compact).
	built bool
	// The compaction of a built index: compacting is closed when the one under way ends
	// (nil: none is), compactAgain asks it for another round (the index was written
	// meanwhile), and closing stops any more.
	compactMu    sync.Mutex
	compacting   chan struct{}
	compactAgain bool
	closing      bool

	recentDays recentDays
	found      findsMemo
}

// findsMemo holds what Finds answered in one generation of the index: help and no-match
// replies ask it of the same few keywords every time, and at 100,000 items each ask is a
// search of its own (a no-match reply took 6 ms).
type findsMemo struct {
	mu    sync.Mutex
	gen   uint64
	found map[string]bool
}

// SetGlossary replaces the glossary queries are expanded with (DefaultGlossary unless set).
func (x *Index) SetGlossary(g *Glossary) { x.glossary = g }

// BodySource gives the bodies of items by id. With one set, the index keeps titles only
// and asks for the bodies of the items a search returns: for 10,000 items the bodies are
// two thirds of the memory an idle server holds. When it fails, hits come without bodies.
type BodySource func(ctx context.Context, ids []string) (map[string]issue.Text, error)

// SetBodySource makes the index keep bodies out of memory, asking src for them; set it
// before adding items.
func (x *Index) SetBodySource(src BodySource) { x.bodies = src }

// Weights of the fields and of an exact phrase.
const (
	// TitleBoost is how much more a match in a title counts than one in a body.
	TitleBoost = 2.0
	// PhraseBoost is added for the query's words in a row, as written.
	PhraseBoost = 6.0
	// UnigramBoost weighs a single character's match, below any whole word's.
	UnigramBoost = 0.3
)

// analyzerUnigram indexes the single Chinese characters of a text, for one-character
// queries; its words and bigrams are in the fields of the other analyzers.
const analyzerUnigram = "wxpub_han_unigram"

// tokenizerHanChars cuts a text into its Chinese characters, one token each, and drops
// the rest: what the unigram fields hold. bleve's Unicode tokenizer, whose Ideographic
// tokens these fields kept before, segments every word of the text by Unicode's rules
// first: on the sample's bodies, 183 µs against 54 for this one, beside 328 and 251 for
// the Chinese and English fields' analysers (BenchmarkAnalyzers). A character is Chinese
// as issue.IsHan says, as for a one-character query.
const tokenizerHanChars = "wxpub_han_chars"

type hanChars struct{}

// Tokenize returns a token for each Chinese character of input.
func (hanChars) Tokenize(input []byte) analysis.TokenStream {
	n := 0
	for _, r := range string(input) {
		if issue.IsHan(r) {
			n++
		}
	}
	tokens := make([]analysis.Token, n)
	out := make(analysis.TokenStream, n)
	i := 0
	for start, r := range string(input) {
		if !issue.IsHan(r) {
			continue
		}
		end := start + utf8.RuneLen(r)
		tokens[i] = analysis.Token{Term: input[start:end], Start: start, End: end, Position: i + 1, Type: analysis.Ideographic}
		out[i] = &tokens[i]
		i++
	}
	return out
}

// disjunctionSlice is the most clauses bleve answers a disjunction of by keeping them in a
// slice; above it, in a heap. The scores are the same either way. bleve's default, ten, put
// a glossary entry's forms in four fields (a dozen clauses and more) in the heap: at
// 100,000 items, in alternated runs, the slice took BenchmarkArchiveSearch's p99 from
// 100–108 to 89–100 ms, and the medians of 个人信息, personal information and CAC down by
// 11–26 %. A long message's partial query, with more clauses, keeps the heap.
const disjunctionSlice = 32

func init() {
	searcher.DisjunctionHeapTakeover = disjunctionSlice
	registry.RegisterTokenizer(tokenizerHanChars, func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) {
		return hanChars{}, nil
	})
}

func newMapping() mapping.IndexMapping {
	m := bleve.NewIndexMapping()
	// Without cjk's width filter: it folds full-width Latin and half-width kana, never a
	// Chinese character.
	if err := m.AddCustomAnalyzer(analyzerUnigram, map[string]any{"type": custom.Name, "tokenizer": tokenizerHanChars}); err != nil {
		panic(err)
	}
	text := func(analyzer string, positions bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeInAll = false
		// Positions serve phrase matches (a form of a law, the query's words in a row).
		f.IncludeTermVectors = positions
		f.DocValues = false
		return f
	}
	num := bleve.NewNumericFieldMapping()
	num.Store = false
	num.IncludeInAll = false
	// The day is matched by range (the newest matches), never sorted on.
	num.DocValues = false
	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt("title_zh", text(cjk.AnalyzerName, true))
	dm.AddFieldMappingsAt("body_zh", text(cjk.AnalyzerName, true))
	dm.AddFieldMappingsAt("title_en", text(en.AnalyzerName, true))
	dm.AddFieldMappingsAt("body_en", text(en.AnalyzerName, true))
	dm.AddFieldMappingsAt("title_zh1", text(analyzerUnigram, false))
	dm.AddFieldMappingsAt("body_zh1", text(analyzerUnigram, false))
	dm.AddFieldMappingsAt("day", num)
	m.DefaultMapping = dm
	m.DefaultAnalyzer = en.AnalyzerName
	m.ScoringModel = scoringModel
	return m
}

// scoringModel is how the index scores matches, in its mapping and in the searchers built
// outside bleve's SearchInContext (candidates.go).
const scoringModel = index.BM25Scoring

// mappingVersion changes whenever what is indexed or how does: a persistent index of
// another version is rebuilt.
const mappingVersion = "wxpub-index-12"

// keyVersion is the bleve internal key of a persistent index's mapping version.
var keyVersion = []byte("wxpub:version")

// Beside the bleve index, a bbolt file (recordsFile) holds each issue's items without
// their bodies, read when a search first returns one of them, so that a server over
// 100,000 items holds neither every title nor every record's page; and the catalog of the
// issues indexed (each Issue with its item IDs and revision), read whole at open. Both were
// bleve internal values once: bleve reads all of those at open (40 MB of an idle server's
// 195 at 100,000 items) and rewrites them with every snapshot it persists, which made a
// first build that saved its catalog as it went a tenth slower.
//
// saveCatalog writes records and catalog in one transaction, after bleve has persisted
// the batches they describe (a bleve Batch returns once persisted): a catalog never lists
// items the index lacks.
var (
	recordsBucket = []byte("issues")
	metaBucket    = []byte("meta")
	keyCatalog    = []byte("catalog")
)

func recordsFile(path string) string { return path + ".records" }

func keyIssue(n int) []byte { return []byte(strconv.Itoa(n)) }

// New returns an empty index in a temporary folder, removed by Close. Its segments are
// memory-mapped: held in the heap instead, 10,000 items cost 20 MB of resident memory
// that an idle server does not need.
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
	return wrap(idx, dir, true), nil
}

func wrap(idx bleve.Index, dir string, temp bool) *Index {
	return &Index{idx: idx, dir: dir, temp: temp, docs: map[string]Doc{}, issues: map[int]Issue{}, glossary: DefaultGlossary(),
		pending: map[int][]byte{}, gone: map[int]bool{}}
}

// A persistent index is merged by bleve's tiered policy, with readTier segments a tier
// where bleve allows ten (buildTier). Each segment's open maps some 4–7 MB of its file while
// the page cache holds it; at 100,000 items ten a tier left 11–13 segments and an idle
// server after a first build at 108–123 MB, where two a tier leave 4–5 segments and
// 81–89 MB, searches as fast (BENCHMARKS.md).
//
// An index this process creates is built at ten a tier, and Compact merges it down to two
// once built. Two a tier during a build merge each new segment again and again on its way
// up: at 100,000 items 1.7 GB of merges for an index of 0.32 GB, on the two cores the
// build needs, against 0.8–0.9 GB at ten a tier. Alternated on one machine, `serve` was
// ready in 69.2–76.0 s against 78.7–87.0 s (117–126 s of CPU against 134–147), and its
// compaction, while it answered, was over within 2–8 s, leaving 1–4 segments where two a
// tier all along left 4–5 (BENCHMARKS.md, `bench/build.sh`).
const (
	readTier  = 2
	buildTier = 10
)

// scorchConfig is the configuration of a persistent index merged at tier segments a tier.
// A new map for every index: bleve writes the index's path into the one it is given.
func scorchConfig(tier int) map[string]any {
	return map[string]any{"scorchMergePlanOptions": map[string]any{"MaxSegmentsPerTier": tier}}
}

// slots is how many processes can hold a persistent index of one folder at once, each its
// own copy (a bleve index is one process's): a server and a staff member's ask.
const slots = 4

// Open opens the persistent index in dir (creating it), with what it held when last
// closed: only issues changed since need indexing again. It keeps no bodies: set a
// BodySource. The folder holds up to four
// copies, one per process using it at a time; when all are in use, or dir is "", the
// index is a temporary one, built afresh.
func Open(dir string) (*Index, error) {
	if dir == "" {
		return New()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("search index %s: %w", dir, err)
	}
	for slot := 0; slot < slots; slot++ {
		path := filepath.Join(dir, fmt.Sprintf("index-%d", slot))
		// A lock of our own, taken before bleve touches the folder: a bleve open that
		// fails on another process's lock may already have tidied files away.
		lock, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("search index %s: %w", dir, err)
		}
		if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			lock.Close()
			continue // in use by another process
		}
		x, err := openSlot(path)
		if err != nil {
			lock.Close()
			return nil, err
		}
		x.lock = lock
		return x, nil
	}
	return New()
}

func openSlot(path string) (*Index, error) {
	idx, err := bleve.OpenUsing(path, scorchConfig(readTier))
	switch {
	case err == nil:
		_, statErr := os.Stat(recordsFile(path))
		if v, _ := idx.GetInternal(keyVersion); string(v) == mappingVersion && statErr == nil {
			if records, err := openRecords(path); err == nil {
				x := wrap(idx, path, false)
				x.records = records
				if err := x.load(); err == nil {
					return x, nil
				}
				records.Close()
			}
		}
		// Another version, records missing, or a catalog or records that do not read:
		// start again.
		idx.Close()
		if err := removeSlot(path); err != nil {
			return nil, err
		}
	case errors.Is(err, bleve.ErrorIndexPathDoesNotExist):
	default:
		// Unreadable (a crash while it was created): start again.
		if rerr := removeSlot(path); rerr != nil {
			return nil, rerr
		}
	}
	if err := removeSlot(path); err != nil { // records left without their index
		return nil, err
	}
	records, err := openRecords(path)
	if err != nil {
		return nil, err
	}
	idx, err = bleve.NewUsing(path, newMapping(), scorch.Name, scorch.Name, scorchConfig(buildTier))
	if err != nil {
		records.Close()
		return nil, fmt.Errorf("search index %s: %w", path, err)
	}
	if err := idx.SetInternal(keyVersion, []byte(mappingVersion)); err != nil {
		idx.Close()
		records.Close()
		return nil, fmt.Errorf("search index %s: %w", path, err)
	}
	x := wrap(idx, path, false)
	x.records = records
	x.built = true
	return x, nil
}

// openRecords opens (or creates) the records file of the index at path. The slot's flock
// is held: no other process has it open.
func openRecords(path string) (*bolt.DB, error) {
	db, err := bolt.Open(recordsFile(path), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("search index %s: records: %w", path, err)
	}
	// Only a new file is written to: a write transaction commits with two fsyncs even
	// when it changes nothing, and an ask opens the records of an index it only reads.
	var missing bool
	_ = db.View(func(tx *bolt.Tx) error {
		missing = tx.Bucket(recordsBucket) == nil || tx.Bucket(metaBucket) == nil
		return nil
	})
	if !missing {
		return db, nil
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{recordsBucket, metaBucket} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("search index %s: records: %w", path, err)
	}
	return db, nil
}

// removeSlot deletes a slot's bleve index and its records.
func removeSlot(path string) error {
	for _, p := range []string{path, recordsFile(path)} {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("search index %s: %w", path, err)
		}
	}
	return nil
}

// load reads a persistent index's catalog: its issues, not yet their items.
func (x *Index) load() error {
	var raw []byte
	if err := x.records.View(func(tx *bolt.Tx) error {
		raw = bytes.Clone(tx.Bucket(metaBucket).Get(keyCatalog))
		return nil
	}); err != nil {
		return err
	}
	var catalog []Issue
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &catalog); err != nil {
			return err
		}
	}
	for _, is := range catalog {
		x.issues[is.Number] = is
	}
	x.findNewest(nil)
	x.gen.Add(1)
	return nil
}

// doc returns an item, reading its issue's record from a persistent index the first time
// (x.mu must not be held).
func (x *Index) doc(id string) (Doc, bool) {
	x.mu.RLock()
	d, ok := x.docs[id]
	x.mu.RUnlock()
	if ok || x.temp {
		return d, ok
	}
	n, ok := issueOfItem(id)
	if !ok {
		return Doc{}, false
	}
	// A record not yet written is the current one; the one on disk may be older.
	x.mu.RLock()
	data, pending := x.pending[n]
	x.mu.RUnlock()
	if !pending {
		_ = x.records.View(func(tx *bolt.Tx) error {
			data = bytes.Clone(tx.Bucket(recordsBucket).Get(keyIssue(n)))
			return nil
		})
		if len(data) == 0 {
			return Doc{}, false
		}
	}
	var docs []Doc
	if err := json.Unmarshal(data, &docs); err != nil {
		return Doc{}, false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, still := x.issues[n]; !still {
		return Doc{}, false
	}
	for _, dd := range docs {
		x.docs[dd.ItemID] = dd
	}
	d, ok = x.docs[id]
	return d, ok
}

// issueOfItem reads the issue number in an item's ID ("136-2": issue.Parse numbers items
// so).
func issueOfItem(id string) (int, bool) {
	n, err := strconv.Atoi(id[:max(0, strings.IndexByte(id, '-'))])
	return n, err == nil
}

// Revisions returns the store revision each issue was indexed at.
func (x *Index) Revisions() map[int]int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make(map[int]int64, len(x.issues))
	for n, is := range x.issues {
		out[n] = is.Revision
	}
	return out
}

// Remove takes issues out of the index.
func (x *Index) Remove(numbers ...int) error {
	if len(numbers) == 0 {
		return nil
	}
	b := x.idx.NewBatch()
	gone := map[int]bool{}
	x.mu.RLock()
	for _, n := range numbers {
		gone[n] = true
		for _, id := range x.issues[n].Items {
			b.Delete(id)
		}
	}
	x.mu.RUnlock()
	if err := x.idx.Batch(b); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	x.mu.Lock()
	for n := range gone {
		for _, id := range x.issues[n].Items {
			delete(x.docs, id)
		}
		delete(x.issues, n)
		delete(x.pending, n)
		if !x.temp {
			x.gone[n] = true
		}
	}
	x.findNewest(slices.Collect(maps.Keys(gone)))
	x.mu.Unlock()
	x.gen.Add(1)
	return x.saveCatalog()
}

// saveCatalog writes the catalog of a persistent index.
func (x *Index) saveCatalog() error {
	if x.temp {
		return nil
	}
	x.mu.Lock()
	catalog := make([]Issue, 0, len(x.issues))
	for _, is := range x.issues {
		catalog = append(catalog, is)
	}
	written, removed := x.pending, x.gone
	x.pending, x.gone = map[int][]byte{}, map[int]bool{}
	x.mu.Unlock()
	sort.Slice(catalog, func(i, j int) bool { return catalog[i].Number < catalog[j].Number })
	data, err := json.Marshal(catalog)
	if err != nil {
		return err
	}
	x.written.Store(true)
	err = x.records.Update(func(tx *bolt.Tx) error {
		bucket := tx.Bucket(recordsBucket)
		for n, data := range written {
			if err := bucket.Put(keyIssue(n), data); err != nil {
				return err
			}
		}
		for n := range removed {
			if err := bucket.Delete(keyIssue(n)); err != nil {
				return err
			}
		}
		return tx.Bucket(metaBucket).Put(keyCatalog, data)
	})
	if err != nil {
		// Kept for the next save, unless an issue was put or removed since.
		x.mu.Lock()
		for n, data := range written {
			if _, newer := x.pending[n]; !newer && !x.gone[n] {
				x.pending[n] = data
			}
		}
		for n := range removed {
			if _, put := x.pending[n]; !put {
				x.gone[n] = true
			}
		}
		x.mu.Unlock()
		return fmt.Errorf("search index: %w", err)
	}
	// The records are on disk: the items they hold are read from there when asked for.
	x.mu.Lock()
	for n := range written {
		if _, again := x.pending[n]; again {
			continue
		}
		for _, id := range x.issues[n].Items {
			delete(x.docs, id)
		}
	}
	x.mu.Unlock()
	return nil
}

// Close releases the index (again: nothing); a temporary one's folder goes with it. A
// persistent index this process changed is left compacted and settled first (Compact,
// settle), for settleFor at most.
func (x *Index) Close() error {
	x.closeOnce.Do(func() {
		// A built index is left merged for the next process, which would otherwise start
		// on what is left.
		deadline := time.Now().Add(settleFor)
		x.Compact() // what was written since the last compaction too
		if done := x.compaction(false); done != nil {
			select {
			case <-done:
			case <-time.After(time.Until(deadline)):
			}
		}
		done := x.compaction(true)
		if x.written.Load() { // never for a temporary index (saveCatalog)
			x.settle(time.Until(deadline))
		}
		x.closeErr = x.idx.Close()
		if done != nil {
			<-done // a round under way ends with the index
		}
		if x.records != nil {
			if err := x.records.Close(); x.closeErr == nil {
				x.closeErr = err
			}
		}
		if x.lock != nil {
			x.lock.Close() // and with it the lock
		}
		if x.temp {
			if err := os.RemoveAll(x.dir); x.closeErr == nil {
				x.closeErr = err
			}
		}
	})
	return x.closeErr
}

// Compact starts merging, in the background, an index this process created down to
// readTier segments a tier, as an index being read wants; for any other index it does
// nothing, as such an index is merged that far as it is written. Call it once the index
// holds what it was built for: searches go on meanwhile. Called while a compaction is
// under way, it has that one go round once more; Close calls it for what was written
// since, and waits for it (for settleFor at most).
func (x *Index) Compact() {
	if !x.built {
		return
	}
	x.compactMu.Lock()
	defer x.compactMu.Unlock()
	switch {
	case x.closing:
	case x.compacting != nil:
		x.compactAgain = true
	default:
		done := make(chan struct{})
		x.compacting = done
		go func() {
			for {
				x.compact()
				x.compactMu.Lock()
				again := x.compactAgain && !x.closing
				x.compactAgain = false
				if !again {
					// Cleared and closed under the lock together: compacting is only ever
					// the channel of a compaction under way.
					x.compacting = nil
					close(done)
				}
				x.compactMu.Unlock()
				if !again {
					return
				}
			}
		}()
	}
}

// compaction returns what is closed when the compaction under way ends (nil: none is);
// with closing, none starts after it.
func (x *Index) compaction(closing bool) chan struct{} {
	x.compactMu.Lock()
	defer x.compactMu.Unlock()
	x.closing = x.closing || closing
	return x.compacting
}

// compact asks bleve to merge by the read policy until a round leaves as many segments
// as it found (a merge's result may complete a tier of its own) or the index closes
// (bleve's ForceMerge then returns at once, and the count stays).
func (x *Index) compact() {
	sc, ok := x.scorch()
	if !ok {
		return
	}
	policy := mergeplan.DefaultMergePlanOptions
	policy.MaxSegmentsPerTier = readTier
	for n := x.segments(); n > 0; {
		// bleve's ForceMerge returns when the round is done or the index closes.
		if err := sc.ForceMerge(context.Background(), &policy); err != nil {
			return
		}
		after := x.segments()
		if after >= n {
			return
		}
		n = after
	}
}

// segments is how many segments the index has now (0 when it cannot be read).
func (x *Index) segments() int {
	r, err := x.snapshot()
	if err != nil {
		return 0
	}
	defer r.Close()
	edges, _ := segmentEdges(r)
	return max(0, len(edges)-1)
}

// scorch is the bleve index underneath, for its merges and statistics.
func (x *Index) scorch() (*scorch.Scorch, bool) {
	adv, err := x.idx.Advanced()
	if err != nil {
		return nil, false
	}
	sc, ok := adv.(*scorch.Scorch)
	return sc, ok
}

// settleFor bounds how long Close waits for merges: a server stopping after a first build
// at 100,000 items should not hold up its shutdown for long. What is left unmerged is
// merged by the next process to hold the index long enough.
const settleFor = 10 * time.Second

// settle waits, up to limit, until bleve has persisted every change and merged segments as
// its merge policy wants. A command that writes the index and exits at once (import,
// publish) otherwise leaves segments that each later process opening the index starts to
// merge and abandons at exit: 38 % of a `wxpub ask`'s CPU went to such a merge.
func (x *Index) settle(limit time.Duration) {
	sc, ok := x.scorch()
	if !ok {
		return
	}
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		// bleve's own flag: its persister and merger have reached the current snapshot.
		if active, _ := sc.StatsMap()["index_bgthreads_active"].(bool); !active {
			return
		}
	}
}

type fields struct {
	TitleZh  string `json:"title_zh"`
	BodyZh   string `json:"body_zh"`
	TitleEn  string `json:"title_en"`
	BodyEn   string `json:"body_en"`
	TitleZh1 string `json:"title_zh1"`
	BodyZh1  string `json:"body_zh1"`
	// Day is the issue's date, in days since 1970, for the newest matches.
	Day float64 `json:"day"`
}

func docFields(d Doc, date string) fields {
	tz, bz := fold(d.Title.Zh), fold(d.Body.Zh)
	day := 0.0
	if t, ok := issueTime(date); ok {
		day = float64(t.Unix() / 86400)
	}
	return fields{TitleZh: tz, BodyZh: bz, TitleEn: fold(d.Title.En), BodyEn: fold(d.Body.En), TitleZh1: tz, BodyZh1: bz, Day: day}
}

// Put adds an issue and its items, replacing what the index had of that issue. Searches
// go on meanwhile; they see the old or the new version.
func (x *Index) Put(is Issue, docs []Doc) error {
	return x.PutAll([]Issue{is}, [][]Doc{docs})
}

// batchDocs bounds the items indexed in one batch: one batch of everything (10,000 items
// at start-up) took the process to 760 MB at its peak, and batches of this size take no
// longer. (What a caller hands PutAll at once is its own to bound: bot.Refresh hands it
// 2,000 items at a time.) Batches of 1,200 built 10,000 items 13 % faster at twice the
// peak (427 against 228 MB).
const batchDocs = 400

// PutAll adds several issues (docs[i] are issues[i]'s items), in batches of whole issues.
func (x *Index) PutAll(issues []Issue, docs [][]Doc) error {
	if len(issues) != len(docs) {
		return errors.New("search: PutAll needs the items of every issue")
	}
	// Two batches at a time, when no issue is in two of them: bleve analyses a batch's
	// items on every core but turns them into a segment on one, and meanwhile the other
	// core waited. The issues of one call are distinct unless a caller repeats one, whose
	// last version must then win: in turn.
	var g errgroup.Group
	g.SetLimit(1)
	if distinct(issues) {
		g.SetLimit(2)
	}
	for start := 0; start < len(issues); {
		end, n := start, 0
		for end < len(issues) && (end == start || n+len(docs[end]) <= batchDocs) {
			n += len(docs[end])
			end++
		}
		part, partDocs := issues[start:end], docs[start:end]
		g.Go(func() error { return x.putBatch(part, partDocs) })
		start = end
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return x.saveCatalog()
}

// distinct reports whether no issue number repeats.
func distinct(issues []Issue) bool {
	seen := make(map[int]bool, len(issues))
	for _, is := range issues {
		if seen[is.Number] {
			return false
		}
		seen[is.Number] = true
	}
	return true
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
	for i, ds := range docs {
		for _, d := range ds {
			if err := b.Index(d.ItemID, docFields(d, issues[i].Date)); err != nil {
				return fmt.Errorf("index item %s: %w", d.ItemID, err)
			}
		}
	}
	// A persistent index's records are written with the catalog, once per change: every
	// snapshot bleve persists rewrites all of its internal values, so records written with
	// each batch made a first build quadratic (15 of 70 s at 100,000 items).
	records := map[int][]byte{}
	if !x.temp {
		for i, ds := range docs {
			rec := make([]Doc, len(ds))
			for k, d := range ds {
				d.Body = issue.Text{} // bodies come from the BodySource
				rec[k] = d
			}
			data, err := json.Marshal(rec)
			if err != nil {
				return err
			}
			records[issues[i].Number] = data
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
		is.Items = nil
		for _, d := range docs[i] {
			if x.bodies != nil {
				d.Body = issue.Text{}
			}
			// A persistent index reads items from its records when first needed, and holds
			// these until their records are written.
			x.docs[d.ItemID] = d
			is.Items = append(is.Items, d.ItemID)
		}
		if data, ok := records[is.Number]; ok {
			x.pending[is.Number] = data
			delete(x.gone, is.Number)
		}
		x.issues[is.Number] = is
	}
	put := make([]int, len(issues))
	for i, is := range issues {
		put[i] = is.Number
	}
	x.findNewest(put)
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
	n := 0
	for _, is := range x.issues {
		n += len(is.Items)
	}
	return n
}

// Issue returns what the index knows of an issue.
func (x *Index) Issue(number int) (Issue, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	is, ok := x.issues[number]
	return is, ok
}

// findNewest sets x.latest and x.previous, the numbers of the two newest issues (0 for
// none), after the issues numbered changed were put or removed; with changed nil, from
// every issue. x.mu is held. It looks at every issue only when one of the two changed (a
// replaced issue's date may have changed): a first build puts some 250 batches into an
// index of up to 10,000 issues, and "上一期" looked at every issue on every ask.
func (x *Index) findNewest(changed []int) {
	cands := changed
	if changed == nil || slices.Contains(changed, x.latest) || slices.Contains(changed, x.previous) {
		cands = make([]int, 0, len(x.issues))
		for n := range x.issues {
			cands = append(cands, n)
		}
	} else {
		cands = append([]int{x.latest, x.previous}, changed...)
	}
	var first, second Issue
	var has1, has2 bool
	for _, n := range cands {
		is, ok := x.issues[n]
		if !ok || has1 && n == first.Number || has2 && n == second.Number {
			continue
		}
		switch {
		case !has1 || newer(is, first):
			second, has2 = first, has1
			first, has1 = is, true
		case !has2 || newer(is, second):
			second, has2 = is, true
		}
	}
	x.latest, x.previous = first.Number, second.Number
}

// newer reports whether a is newer than b: by date (ISO dates compare as text), then by
// number.
func newer(a, b Issue) bool {
	if a.Date != b.Date {
		return a.Date > b.Date
	}
	return a.Number > b.Number
}

// Latest returns the newest issue, by date.
func (x *Index) Latest() (Issue, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	is, ok := x.issues[x.latest]
	return is, ok
}

// Previous returns the issue before the newest, by date.
func (x *Index) Previous() (Issue, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if len(x.issues) < 2 {
		return Issue{}, false
	}
	is, ok := x.issues[x.previous]
	return is, ok
}

// Item returns one item (without its body when a BodySource is set).
func (x *Index) Item(id string) (Doc, bool) { return x.doc(id) }

// NameIn is what the glossary calls term in lang (Glossary.NameIn).
func (x *Index) NameIn(term string, lang issue.Lang) (string, bool) {
	return x.glossary.NameIn(term, lang)
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
// issue first. Every term must match (Chinese is matched by its bigrams; a concept of the
// glossary by any of its forms); when no item has them all, half of them will do (at
// least two), and the hits say they are partial, so that "区块链监管" still finds 区块链
// but "量子计算" does not settle for 计算. A query of one Chinese character matches it
// alone.
func (x *Index) Search(ctx context.Context, q string, limit int) ([]Hit, error) {
	hits, _, err := x.run(ctx, q, nil, limit, false)
	return hits, err
}

// SearchIn is Search among the items of the issues numbered in alone, as "第137期 个人信息"
// asks: the same scores, as the whole index gives them. No issue, no hits.
func (x *Index) SearchIn(ctx context.Context, q string, in []int, limit int) ([]Hit, error) {
	if len(in) == 0 {
		return nil, nil
	}
	hits, _, err := x.run(ctx, q, in, limit, false)
	return hits, err
}

// IssuesOf returns the issues dated in year, the newest first.
func (x *Index) IssuesOf(year int) []Issue {
	x.mu.RLock()
	var out []Issue
	for _, is := range x.issues {
		if t, ok := issueTime(is.Date); ok && t.Year() == year {
			out = append(out, is)
		}
	}
	x.mu.RUnlock()
	slices.SortFunc(out, func(a, b Issue) int {
		switch {
		case newer(a, b):
			return -1
		case newer(b, a):
			return 1
		}
		return 0
	})
	return out
}

// Finds reports whether Search would find items with every term of q (not a partial
// match), without ranking them: a help reply asks it of a few example keywords, and at
// 100,000 items ranking each one took the reply to 130–380 ms.
func (x *Index) Finds(ctx context.Context, q string) (bool, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return false, nil
	}
	gen := x.gen.Load()
	m := &x.found
	m.mu.Lock()
	found, known := m.found[q]
	known = known && m.gen == gen
	m.mu.Unlock()
	if known {
		return found, nil
	}
	found, err := x.finds(ctx, q)
	if err != nil {
		return false, err
	}
	m.mu.Lock()
	// An answer is kept under the generation read before it was searched: the index was
	// at least that new. Later generations never look it up; a newer one starts afresh.
	if gen > m.gen || m.found == nil {
		m.gen, m.found = gen, map[string]bool{}
	}
	if gen == m.gen && len(m.found) < maxFindsMemo {
		m.found[q] = found
	}
	m.mu.Unlock()
	return found, nil
}

// maxFindsMemo bounds what findsMemo holds: the keywords replies suggest are a few dozen.
const maxFindsMemo = 256

func (x *Index) finds(ctx context.Context, q string) (bool, error) {
	forms := queryForms(q)
	bq := x.query(forms, false, allFields, false)
	if bq == nil {
		return false, nil
	}
	reader, err := x.snapshot()
	if err != nil {
		return false, err
	}
	defer reader.Close()
	s, err := bq.Searcher(scoring(ctx), reader, x.idx.Mapping(), search.SearcherOptions{Score: "none"})
	if err != nil {
		return false, fmt.Errorf("search %q: %w", forms[0], err)
	}
	defer s.Close()
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0)}
	m, err := s.Next(sctx)
	if err != nil {
		return false, fmt.Errorf("search %q: %w", forms[0], err)
	}
	return m != nil, nil
}

// Explanation says, for staff, how a query was read and why the first item won.
type Explanation struct {
	// Forms are the query as searched (folded; a second form for traditional input).
	Forms []string
	// Concepts are the glossary entries the query named, with every form searched.
	Concepts []Concept
	// Rest is what was searched as words.
	Rest string
	// In are the issues searched (nil: every issue).
	In []int
	// Partial: no item had every term; items with half of them were taken.
	Partial bool
	Hits    []Hit
	// Why is the first hit's score, broken down by field and term.
	Why string
}

// Explain searches as Search does and says how.
func (x *Index) Explain(ctx context.Context, q string, limit int) (Explanation, error) {
	return x.ExplainIn(ctx, q, nil, limit)
}

// ExplainIn searches as SearchIn does and says how; in nil is every issue.
func (x *Index) ExplainIn(ctx context.Context, q string, in []int, limit int) (Explanation, error) {
	hits, why, err := x.run(ctx, q, in, limit, true)
	ex := Explanation{Forms: queryForms(strings.TrimSpace(q)), In: in, Hits: hits, Why: why}
	ex.Concepts, ex.Rest = x.glossary.Find(ex.Forms[0])
	ex.Partial = len(hits) > 0 && hits[0].Partial
	return ex, err
}

// run searches the items of the issues numbered in, or with in nil every item.
func (x *Index) run(ctx context.Context, q string, in []int, limit int, explain bool) ([]Hit, string, error) {
	q = strings.TrimSpace(q)
	if q == "" || limit <= 0 {
		return nil, "", nil
	}
	forms := queryForms(q)
	hits, why, err := x.search(ctx, forms, in, limit, false, explain)
	if err == nil && len(hits) == 0 {
		hits, why, err = x.search(ctx, forms, in, limit, true, explain)
		for i := range hits {
			hits[i].Partial = true
		}
	}
	return hits, why, err
}

// field is an indexed text field and its weight.
type field struct {
	name, analyzer string
	boost          float64
	title          bool
}

var (
	allFields = []field{{"title_zh", cjk.AnalyzerName, TitleBoost, true}, {"body_zh", cjk.AnalyzerName, 1, false},
		{"title_en", en.AnalyzerName, TitleBoost, true}, {"body_en", en.AnalyzerName, 1, false}}
	titleFields = []field{allFields[0], allFields[2]}
	bodyFields  = []field{allFields[1], allFields[3]}
)

// everyField matches text in each field, all of its terms in that field.
func everyField(text string, fields []field) query.Query {
	var qs []query.Query
	for _, f := range fields {
		m := bleve.NewMatchQuery(text)
		m.SetField(f.name)
		m.SetOperator(query.MatchQueryOperatorAnd)
		m.SetBoost(f.boost)
		qs = append(qs, m)
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// conceptQuery matches any form of a glossary entry, each as a phrase: Chinese forms in
// the Chinese fields, English names and abbreviations in every field (Chinese text quotes
// GDPR and EDPB as they are).
func conceptQuery(c Concept, fields []field, phrases bool) query.Query {
	var qs []query.Query
	for _, raw := range c.Entry.Forms() {
		f := fold(raw)
		for _, fw := range fields {
			if issue.HasHan(f) && fw.analyzer != cjk.AnalyzerName {
				continue
			}
			var m query.Query
			if phrases && strings.ContainsAny(f, " -") {
				p := bleve.NewMatchPhraseQuery(f)
				p.SetField(fw.name)
				p.SetBoost(fw.boost)
				m = p
			} else {
				mq := bleve.NewMatchQuery(f)
				mq.SetField(fw.name)
				mq.SetOperator(query.MatchQueryOperatorAnd)
				mq.SetBoost(fw.boost)
				m = mq
			}
			qs = append(qs, m)
		}
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// build is the query for one form of the text: every concept and every remaining term must
// match (partial: half of them, at least two), and the words in a row score more.
//
// Without phrases, forms and the query's words in a row are matched as words (every one
// present): retrieving candidates from the whole archive that way is cheap, where phrase
// matching would check positions in every item that has the words; phrases then score the
// candidates alone.
func (x *Index) build(form string, partial bool, fields []field, phrases bool) query.Query {
	concepts, rest := x.glossary.Find(form)
	if len(concepts) == 0 {
		if r := []rune(strings.TrimSpace(rest)); len(r) == 1 && issue.IsHan(r[0]) {
			if partial {
				return nil
			}
			var qs []query.Query
			for _, f := range []struct {
				field string
				boost float64
			}{{"title_zh1", TitleBoost * UnigramBoost}, {"body_zh1", UnigramBoost}} {
				t := bleve.NewTermQuery(string(r))
				t.SetField(f.field)
				t.SetBoost(f.boost)
				qs = append(qs, t)
			}
			return bleve.NewDisjunctionQuery(qs...)
		}
	}
	var clauses []query.Query
	for _, c := range concepts {
		clauses = append(clauses, conceptQuery(c, fields, phrases))
	}
	if !partial {
		if rest != "" {
			clauses = append(clauses, everyField(rest, fields))
		}
		if len(clauses) == 0 {
			return nil
		}
		b := bleve.NewBooleanQuery()
		b.AddMust(clauses...)
		if phrases && (strings.Contains(strings.TrimSpace(form), " ") || (issue.HasHan(form) && utf8.RuneCountInString(form) > 2)) {
			var phrases []query.Query
			for _, f := range fields {
				p := bleve.NewMatchPhraseQuery(form)
				p.SetField(f.name)
				p.SetBoost(f.boost * PhraseBoost)
				phrases = append(phrases, p)
			}
			b.AddShould(phrases...)
		}
		return b
	}
	// Each remaining term is a clause of its own, in whichever field it occurs.
	var terms []query.Query
	seen := map[string]bool{}
	for _, f := range fields {
		for _, t := range x.terms(rest, f.analyzer) {
			// Chinese terms as the Chinese analyzer cuts them, the others as English's.
			if seen[f.analyzer+t] || issue.HasHan(t) != (f.analyzer == cjk.AnalyzerName) {
				continue
			}
			seen[f.analyzer+t] = true
			var per []query.Query
			for _, g := range fields {
				if g.analyzer != f.analyzer {
					continue
				}
				tq := bleve.NewTermQuery(t)
				tq.SetField(g.name)
				tq.SetBoost(g.boost)
				per = append(per, tq)
			}
			terms = append(terms, bleve.NewDisjunctionQuery(per...))
		}
	}
	if len(clauses) > 0 {
		// A named law or regulator is what the follower asks about: it must match (half of
		// them when several are named), and the other words add to the score
		// ("区块链监管" → 区块链).
		if len(clauses) == 1 && len(terms) == 0 {
			return nil // the first pass asked exactly this
		}
		named := bleve.NewDisjunctionQuery(clauses...)
		named.SetMin(float64(max(1, len(clauses)/2)))
		b := bleve.NewBooleanQuery()
		b.AddMust(named)
		b.AddShould(terms...)
		return b
	}
	need := max(2, (len(terms)+1)/2)
	if need >= len(terms) {
		// Every term is needed: the first pass asked that already.
		return nil
	}
	d := bleve.NewDisjunctionQuery(terms...)
	d.SetMin(float64(need))
	return d
}

// query is the query for every form of the text, over fields.
func (x *Index) query(forms []string, partial bool, fields []field, phrases bool) query.Query {
	var qs []query.Query
	for _, f := range forms {
		if q := x.build(f, partial, fields, phrases); q != nil {
			qs = append(qs, q)
		}
	}
	if len(qs) == 0 {
		return nil
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// TitleShare is what a title adds to the body's score, at most: half as much again.
const TitleShare = 0.25

// TitleOnly weighs an item that answers in its title alone, never in its body: a title
// copying a sentence is not an answer.
const TitleOnly = 0.25

func (x *Index) search(ctx context.Context, forms []string, in []int, limit int, partial, explain bool) ([]Hit, string, error) {
	q := x.query(forms, partial, allFields, false)
	if q == nil {
		return nil, "", nil
	}
	// More candidates than asked for, so that the title cap and recency can reorder them.
	// By score alone: a second sort key would read a doc value for every match.
	//
	// The best matches of the last RecencyHalfLife are candidates too, however they score
	// against older ones: recency may lift them. (Without dates there is no recency, and
	// they are among the best matches already.)
	reader, err := x.snapshot()
	if err != nil {
		return nil, "", err
	}
	defer reader.Close()
	var days daySet
	if in != nil {
		// The issues' items alone, with the whole index's document counts and lengths, as
		// rescoring reads its candidates. Among a few issues, recency adds no candidates.
		only, err := x.internalIDs(reader, in)
		if err != nil || len(only) == 0 {
			return nil, "", err
		}
		reader = candidateReader{IndexReader: reader, ids: only}
	} else if from, ok := x.recentFrom(); ok {
		if days, err = x.days(ctx, reader, from); err != nil {
			return nil, "", fmt.Errorf("search %q: %w", forms[0], err)
		}
	}
	best, recent, err := x.collect(ctx, reader, q, max(limit, candidates), days, candidates/2, explain)
	if err != nil {
		return nil, "", fmt.Errorf("search %q: %w", forms[0], err)
	}
	why := ""
	if explain && len(best) > 0 && best[0].Expl != nil {
		why = describe(best[0].Expl)
	}
	seenHit := map[string]bool{}
	for _, h := range best {
		seenHit[h.ID] = true
	}
	for _, h := range recent {
		if !seenHit[h.ID] {
			best = append(best, h)
		}
	}
	// How each candidate answers in its titles alone and in its bodies alone: a title
	// counts at most as much as the body beside it ("a cap on title boosts"), so that an
	// item whose title copies a sentence does not outrank the item whose body answers.
	var titles, bodies map[uint64]float64
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		titles, err = x.scores(gctx, reader, x.query(forms, partial, titleFields, true), best)
		return err
	})
	g.Go(func() (err error) {
		bodies, err = x.scores(gctx, reader, x.query(forms, partial, bodyFields, true), best)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, "", err
	}
	for _, h := range best {
		n, err := docID(h.IndexInternalID)
		if err != nil {
			return nil, "", err
		}
		t, b := titles[n], bodies[n]
		switch {
		case b > 0:
			h.Score = b + TitleShare*min(t, b)
		case t > 0:
			h.Score = t * TitleOnly
		default:
			// Matched across fields only (a law in the title, the rest in the body).
			h.Score *= TitleOnly
		}
	}
	// Ranked by their issues; then the items' records are read for the hits returned
	// only. Reading every candidate's (its issue's record each, decoded) was 8.5 % of the
	// CPU of an ask at 10,000 items.
	ranked := make([]Hit, 0, len(best))
	x.mu.RLock()
	for _, h := range best {
		n, ok := issueOfItem(h.ID)
		if is, still := x.issues[n]; ok && still {
			ranked = append(ranked, Hit{Doc: Doc{ItemID: h.ID, IssueNumber: n}, Issue: is, Score: h.Score})
		}
	}
	x.mu.RUnlock()
	x.rerank(ranked)
	hits := make([]Hit, 0, min(limit, len(ranked)))
	for _, h := range ranked {
		if len(hits) == limit {
			break
		}
		if d, ok := x.doc(h.ItemID); ok { // not when its issue went meanwhile
			h.Doc = d
			hits = append(hits, h)
		}
	}
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
	return hits, why, nil
}

// internalIDs are the internal IDs, in r and ascending, of the items of the issues numbered.
func (x *Index) internalIDs(r index.IndexReader, numbers []int) ([]uint64, error) {
	var items []string
	x.mu.RLock()
	for _, n := range numbers {
		items = append(items, x.issues[n].Items...)
	}
	x.mu.RUnlock()
	ids := make([]uint64, 0, len(items))
	for _, item := range items {
		iid, err := r.InternalID(item)
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		if iid == nil {
			continue // its issue went meanwhile
		}
		n, err := docID(iid)
		if err != nil {
			return nil, err
		}
		ids = append(ids, n)
	}
	slices.Sort(ids)
	return ids, nil
}

// candidates is how many hits the index returns for reordering.
const candidates = 100

// recentFrom is the first day of the RecencyHalfLife behind the newest issue.
func (x *Index) recentFrom() (float64, bool) {
	x.mu.RLock()
	newest, ok := x.issues[x.latest]
	x.mu.RUnlock()
	t, ok2 := issueTime(newest.Date)
	if !ok || !ok2 {
		return 0, false
	}
	return float64(t.Add(-RecencyHalfLife).Unix() / 86400), true
}

// RecencyHalfLife is the age, behind the newest issue, at which an item's score counts
// half: a newsletter is news, and among items that say much the same followers want the
// current one.
const RecencyHalfLife = 90 * 24 * time.Hour

// rerank orders hits by score weighed by recency, newest issue first among equals.
func (x *Index) rerank(hits []Hit) {
	x.mu.RLock()
	newest, ok := x.issues[x.latest]
	x.mu.RUnlock()
	if top, dated := issueTime(newest.Date); ok && dated {
		for i := range hits {
			if t, ok := issueTime(hits[i].Issue.Date); ok && t.Before(top) {
				age := top.Sub(t)
				hits[i].Score /= 1 + float64(age)/float64(RecencyHalfLife)
			}
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		// Scores within a thousandth are equal: the same text scores a hair apart in
		// segments written at different times.
		if a, b := hits[i].Score, hits[j].Score; math.Abs(a-b) > 1e-3*max(a, b) {
			return a > b
		}
		return newer(hits[i].Issue, hits[j].Issue)
	})
}

// issueTime reads an issue's date: 2020-04-15, 2020-04, 2020.04.15 or 2020.
func issueTime(date string) (time.Time, bool) {
	d := strings.ReplaceAll(strings.TrimSpace(date), ".", "-")
	for _, layout := range []string{"2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, d); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// describe sums a score explanation by field and term: "title_zh:个人 0.81".
func describe(e *search.Explanation) string {
	type part struct {
		what  string
		score float64
	}
	var parts []part
	var walk func(e *search.Explanation)
	walk = func(e *search.Explanation) {
		if e == nil {
			return
		}
		// Leaves of a term's score read "weight(field:term^boost in id), product of:".
		if strings.HasPrefix(e.Message, "weight(") {
			what := strings.TrimPrefix(e.Message, "weight(")
			if i := strings.IndexAny(what, "^ "); i > 0 {
				what = what[:i]
			}
			parts = append(parts, part{what, e.Value})
			return
		}
		for _, c := range e.Children {
			walk(c)
		}
	}
	walk(e)
	sort.SliceStable(parts, func(i, j int) bool { return parts[i].score > parts[j].score })
	var b strings.Builder
	fmt.Fprintf(&b, "score %.3f", e.Value)
	for i, p := range parts {
		if i == 12 {
			fmt.Fprintf(&b, ", … %d more", len(parts)-i)
			break
		}
		fmt.Fprintf(&b, ", %s %.3f", p.what, p.score)
	}
	return b.String()
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
