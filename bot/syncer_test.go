package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/metrics"
	"slices"
	"testing"
	"time"

	"wxpub/internal/synthetic"
	"wxpub/issue"
	"wxpub/reply"
	"wxpub/search"
	"wxpub/store"
)

// countingStore counts the issues read from the store: what the index had to index.
type countingStore struct {
	*store.Store
	loads int
}

func (c *countingStore) IssueItems(ctx context.Context, n int) ([]store.Item, error) {
	c.loads++
	return c.Store.IssueItems(ctx, n)
}

func saveFile(t *testing.T, st *store.Store, path string, edit func([]byte) []byte) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		src = edit(src)
	}
	is, err := issue.Parse(path, src)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveIssue(context.Background(), is, string(src[:20])); err != nil {
		t.Fatal(err)
	}
}

// The persistent index is reused: opened again it indexes only what changed in the store,
// and drops nothing it still needs.
func TestIndexIsReusedAndRefreshedIncrementally(t *testing.T) {
	ctx := context.Background()
	st := freshStore(t)
	saveFile(t, st, "../issue/testdata/sample-135.md", nil)
	saveFile(t, st, "../search/testdata/archive-137.md", nil)
	opt := IndexOptions{Dir: filepath.Join(t.TempDir(), "index")}

	cs := &countingStore{Store: st}
	idx, _, err := NewIndex(ctx, cs, opt)
	if err != nil {
		t.Fatal(err)
	}
	if cs.loads != 2 {
		t.Errorf("first build read %d issues, want 2", cs.loads)
	}
	idx.Close()

	cs.loads = 0
	idx, _, err = NewIndex(ctx, cs, opt)
	if err != nil {
		t.Fatal(err)
	}
	if cs.loads != 0 {
		t.Errorf("reopening read %d issues, want none", cs.loads)
	}
	r, err := reply.Answer(ctx, reply.Message{Type: "text", Content: "网络安全审查"}, idx, reply.Config{})
	if err != nil || len(r.ItemIDs) == 0 && len(r.Articles) == 0 {
		t.Errorf("the reused index answers %+v %v", r, err)
	}
	idx.Close()

	saveFile(t, st, "../search/testdata/archive-137.md", func(b []byte) []byte {
		return bytes.Replace(b, []byte("网络安全审查办法"), []byte("网络安全审查新规"), 1)
	})
	cs.loads = 0
	idx, _, err = NewIndex(ctx, cs, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	if cs.loads != 1 {
		t.Errorf("after one issue changed, %d were indexed again", cs.loads)
	}
	hits, err := idx.Search(ctx, "审查新规", 3)
	if err != nil || len(hits) == 0 || hits[0].ItemID != "137-1" || hits[0].Body.Zh == "" {
		t.Errorf("the changed issue: %+v %v", hits, err)
	}
}

// BenchmarkArchiveSearch measures searches over a store named by WXPUB_BENCH_STORE, with
// its index in WXPUB_BENCH_INDEX (bench/archive.sh sets both): the latency a follower's
// query costs at archive scale, p99 reported beside the mean.
func BenchmarkArchiveSearch(b *testing.B) {
	ctx, idx := benchIndex(b)
	queries := synthetic.Queries
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := reply.Answer(ctx, reply.Message{Type: "text", Content: queries[i%len(queries)]}, idx, reply.Config{}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(idx.Size()), "items")
}

// BenchmarkArchiveReplies measures, over the store and index BenchmarkArchiveSearch
// reads, the replies that are not a ranked search, one of a rare word and one that finds
// nothing: help, a greeting and no match suggest keywords that find something, 上一期
// names the issue before the newest.
func BenchmarkArchiveReplies(b *testing.B) {
	ctx, idx := benchIndex(b)
	for _, q := range []string{"help", "帮助", "在吗", "😀", "最新一期", "上一期", "第 1500 期", "谢谢", "暗网", "量子计算"} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				if _, err := reply.Answer(ctx, reply.Message{Type: "text", Content: q}, idx, reply.Config{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchIndex opens the index in WXPUB_BENCH_INDEX of the store in WXPUB_BENCH_STORE
// (bench/archive.sh's), closed with the benchmark.
func benchIndex(b *testing.B) (context.Context, *search.Index) {
	ctx, st := benchStore(b)
	idx, _, err := NewIndex(ctx, st, IndexOptions{Dir: os.Getenv("WXPUB_BENCH_INDEX")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { idx.Close() })
	return ctx, idx
}

// BenchmarkArchiveBuild measures the first build of the index over the store named by
// WXPUB_BENCH_STORE (bench/archive.sh's), into a fresh folder each time: where the time of
// `serve`'s first start goes (run it with -cpuprofile).
func BenchmarkArchiveBuild(b *testing.B) {
	ctx, st := benchStore(b)
	for i := 0; i < b.N; i++ {
		idx, _, err := NewIndex(ctx, st, IndexOptions{Dir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(idx.Size()), "items")
		idx.Close()
	}
}

// benchStore opens the store named by WXPUB_BENCH_STORE (bench/archive.sh's), closed with
// the benchmark; without it the benchmark is skipped.
func benchStore(b *testing.B) (context.Context, *store.Store) {
	dsn := os.Getenv("WXPUB_BENCH_STORE")
	if dsn == "" {
		b.Skip("WXPUB_BENCH_STORE names the store to measure (bench/archive.sh)")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return ctx, st
}

// failingStore fails to read one issue's items, as a store that goes away mid-build.
type failingStore struct {
	countingStore
	fail int
}

func (f *failingStore) IssueItems(ctx context.Context, n int) ([]store.Item, error) {
	if n == f.fail {
		return nil, errors.New("the store went away")
	}
	return f.countingStore.IssueItems(ctx, n)
}

// A first build interrupted after its first chunk keeps that chunk: the next start indexes
// only the rest.
func TestInterruptedBuildResumes(t *testing.T) {
	ctx := context.Background()
	st, sources := archiveStore(t, refreshChunk+500)
	opt := IndexOptions{Dir: filepath.Join(t.TempDir(), "index")}
	// Issues of ten items: the first chunk is the first refreshChunk/10 issues.
	firstChunk := refreshChunk / 10
	broken := &failingStore{countingStore: countingStore{Store: st}, fail: sources[firstChunk+5].Number}
	if _, _, err := NewIndex(ctx, broken, opt); err == nil {
		t.Fatal("a build whose store fails succeeded")
	}
	cs := &countingStore{Store: st}
	idx, _, err := NewIndex(ctx, cs, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	if want := len(sources) - firstChunk; cs.loads != want {
		t.Errorf("the resumed build read %d issues, want %d (the first chunk was kept)", cs.loads, want)
	}
	if idx.Size() != (refreshChunk+500)/10*10 {
		t.Errorf("%d items after resuming, want %d", idx.Size(), refreshChunk+500)
	}
}

// archiveStore is a fresh store of synthetic issues of ten items, items in all.
func archiveStore(t *testing.T, items int) (*store.Store, []synthetic.Source) {
	t.Helper()
	st := freshStore(t)
	sample, err := issue.ParseFile("../issue/testdata/sample-135.md")
	if err != nil {
		t.Fatal(err)
	}
	sources := synthetic.Issues(synthetic.Options{From: []*issue.Issue{sample}, Items: items, Seed: 5})
	for _, src := range sources {
		is, err := issue.Parse(src.Name, src.Markdown)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SaveIssue(context.Background(), is, fmt.Sprint(src.Number)); err != nil {
			t.Fatal(err)
		}
	}
	return st, sources
}

// collector reads the collector's settings: GOGC (-1: off) and the memory limit.
func collector() (percent, limit int64) {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64()), int64(s[1].Value.Uint64())
}

// collectorStore notes the collector's settings as each issue is read.
type collectorStore struct {
	*store.Store
	seen [][2]int64
}

func (c *collectorStore) IssueItems(ctx context.Context, n int) ([]store.Item, error) {
	p, l := collector()
	c.seen = append(c.seen, [2]int64{p, l})
	return c.Store.IssueItems(ctx, n)
}

// A build of more than a chunk runs with the collector off below quietLimit, and puts it
// back as it was; a refresh of a few issues, or a process whose environment sets GOGC,
// keeps the collector as it is.
func TestLargeBuildRelaxesTheCollector(t *testing.T) {
	st, sources := archiveStore(t, refreshChunk+500)
	before, beforeLimit := collector()
	build := func() [][2]int64 {
		t.Helper()
		cs := &collectorStore{Store: st}
		idx, _, err := NewIndex(context.Background(), cs, IndexOptions{Dir: filepath.Join(t.TempDir(), "index")})
		if err != nil {
			t.Fatal(err)
		}
		idx.Close()
		if p, l := collector(); p != before || l != beforeLimit {
			t.Errorf("after the build the collector is at %d%% below %d, was %d%% below %d", p, l, before, beforeLimit)
		}
		return cs.seen
	}
	seen := build()
	if len(seen) != len(sources) {
		t.Fatalf("%d issues read, want %d", len(seen), len(sources))
	}
	// Relaxed once the first chunk is read, before it is indexed.
	firstChunk := refreshChunk / 10
	for i, s := range seen {
		relaxed := s == [2]int64{-1, quietLimit}
		if relaxed != (i >= firstChunk) {
			t.Fatalf("issue %d of %d read with the collector at %d%% below %d", i+1, len(seen), s[0], s[1])
		}
	}
	t.Setenv("GOGC", fmt.Sprint(before))
	for i, s := range build() {
		if s != [2]int64{before, beforeLimit} {
			t.Fatalf("with GOGC set, issue %d was read with the collector at %d%% below %d", i+1, s[0], s[1])
		}
	}
}
