package search

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	"golang.org/x/text/width"

	"wxpub/issue"
)

func fromFile(t testing.TB, path string) (Issue, []Doc) {
	t.Helper()
	is, err := issue.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var docs []Doc
	for i, it := range is.Items() {
		docs = append(docs, Doc{ItemID: it.ID, IssueNumber: is.Number, Position: i + 1, Title: it.Title, Body: it.Body})
	}
	return Issue{Number: is.Number, Date: is.Date, Title: is.Title, Tags: is.Tags}, docs
}

func ids(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.ItemID)
	}
	return out
}

// emptyIndex is a new temporary index, closed with the test.
func emptyIndex(t testing.TB) *Index {
	t.Helper()
	x, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

// newIndex is a temporary index of the sample and the variations fixture.
func newIndex(t *testing.T) *Index {
	t.Helper()
	x := emptyIndex(t)
	a, ad := fromFile(t, "../issue/testdata/sample-135.md")
	b, bd := fromFile(t, "../issue/testdata/variations.md")
	if err := x.PutAll([]Issue{a, b}, [][]Doc{ad, bd}); err != nil {
		t.Fatal(err)
	}
	return x
}

func TestSearchLanguages(t *testing.T) {
	x := newIndex(t)
	cases := []struct {
		q     string
		first string
		all   []string
	}{
		{"区块链", "135-2", []string{"135-2"}},                        // a CJK word inside a Chinese body
		{"接触者追踪", "136-3", []string{"136-3", "135-5", "135-4"}},    // CJK in titles, and by the glossary "contact tracing" in 135-4's English
		{"Bluetooth", "135-5", []string{"135-5"}},                  // English body, any case
		{"traced", "136-3", []string{"136-3", "135-5", "135-4"}},   // stemmed: traced ~ tracing
		{"个人信息", "", []string{"136-2", "136-1", "135-3", "135-1"}}, // every bigram of it must be there
		{"区块链监管", "135-2", []string{"135-2"}},                      // no item has both: the named concept alone, as partial
		{"量子计算", "", nil},                                          // one bigram of three (计算 in 云计算) is not enough
	}
	for _, c := range cases {
		hits, err := x.Search(context.Background(), c.q, 10)
		if err != nil {
			t.Fatal(err)
		}
		got := ids(hits)
		if c.first != "" && (len(got) == 0 || got[0] != c.first) {
			t.Errorf("%q: first %v, want %s", c.q, got, c.first)
		}
		if fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(c.all)) {
			t.Errorf("%q: hits %v, want %v", c.q, got, c.all)
		}
	}
	if hits, _ := x.Search(context.Background(), "区块链", 10); hits[0].Title.En == "" || hits[0].Body.Zh == "" {
		t.Errorf("hit without its text: %+v", hits[0])
	}
	if hits, err := x.Search(context.Background(), "  ", 10); err != nil || hits != nil {
		t.Errorf("blank query: %v %v", hits, err)
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// A title adds to a body that answers; a title alone, repeating the words without a body
// about them, counts least; among equal matches the newer issue comes first.
func TestTitleAddsToBodyAndNewerWins(t *testing.T) {
	x, _ := New()
	defer x.Close()
	body := issue.Text{En: "A long report on many things, among them encryption standards and their review."}
	x.Put(Issue{Number: 1}, []Doc{
		{ItemID: "1-1", IssueNumber: 1, Title: issue.Text{En: "Quarterly report"}, Body: body},
		{ItemID: "1-2", IssueNumber: 1, Title: issue.Text{En: "Encryption standards"}, Body: issue.Text{En: "The review of encryption rules, among many things."}},
		{ItemID: "1-3", IssueNumber: 1, Title: issue.Text{En: "Encryption"}, Body: issue.Text{En: "A long report on many things, among them the review of rules."}},
	})
	x.Put(Issue{Number: 2}, []Doc{{ItemID: "2-1", IssueNumber: 2, Title: issue.Text{En: "Quarterly report"}, Body: body}})
	got := ids(mustSearch(t, x, "encryption"))
	if len(got) != 4 || got[0] != "1-2" || got[3] != "1-3" {
		t.Errorf("title and body first, title alone last: %v", got)
	}
	// 1-1 and 2-1 are the same text: the newer issue first.
	if len(got) == 4 && (got[1] != "2-1" || got[2] != "1-1") {
		t.Errorf("equal matches not newest first: %v", got)
	}
}

func mustSearch(t *testing.T, x *Index, q string) []Hit {
	t.Helper()
	h, err := x.Search(context.Background(), q, 10)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestPutReplacesAnIssue(t *testing.T) {
	x := newIndex(t)
	gen := x.Generation()
	is, docs := fromFile(t, "../issue/testdata/sample-135.md")
	is.ArticleURL = "https://mp.weixin.qq.com/s/x"
	if err := x.Put(is, docs[:2]); err != nil {
		t.Fatal(err)
	}
	if x.Generation() == gen {
		t.Error("generation did not change")
	}
	if x.Size() != 5 {
		t.Errorf("size = %d, want 2 + 3", x.Size())
	}
	if len(mustSearch(t, x, "Bluetooth")) != 0 {
		t.Error("a removed item is still found")
	}
	got, ok := x.Issue(135)
	if !ok || got.ArticleURL != is.ArticleURL || len(got.Items) != 2 {
		t.Errorf("issue = %+v", got)
	}
	latest, _ := x.Latest()
	if latest.Number != 136 {
		t.Errorf("latest = %d", latest.Number)
	}
	if tags := x.Tags(); len(tags) != 2 || tags[0] != "个人信息" {
		t.Errorf("tags = %v", tags)
	}
}

// Searches go on while issues are replaced; run with -race.
func TestSearchWhileUpdating(t *testing.T) {
	x := newIndex(t)
	is, docs := fromFile(t, "../issue/testdata/sample-135.md")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if h, err := x.Search(context.Background(), "个人信息", 5); err != nil || len(h) == 0 {
					t.Errorf("search during update: %v %v", h, err)
					return
				}
			}
		}()
	}
	for i := 0; i < 30; i++ {
		if err := x.Put(is, docs); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}

func BenchmarkSearch(b *testing.B) {
	x, _ := New()
	defer x.Close()
	a, ad := fromFile(b, "../issue/testdata/sample-135.md")
	x.Put(a, ad)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := x.Search(context.Background(), "personal information", 6); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnalyzers analyses the sample's bodies with each analyser the index uses, and
// with what the unigram fields used before their own tokenizer: bleve's Unicode tokenizer
// and cjk's width filter, keeping the Ideographic tokens.
func BenchmarkAnalyzers(b *testing.B) {
	x := emptyIndex(b)
	_, docs := fromFile(b, "../issue/testdata/sample-135.md")
	var zh, english []byte
	for _, d := range docs {
		zh = append(zh, fold(d.Body.Zh)...)
		english = append(english, fold(d.Body.En)...)
	}
	m := x.idx.Mapping()
	for _, c := range []struct {
		name string
		text []byte
		run  func([]byte) analysis.TokenStream
	}{
		{"cjk", zh, m.AnalyzerNamed(cjk.AnalyzerName).Analyze},
		{"unigram", zh, m.AnalyzerNamed(analyzerUnigram).Analyze},
		{"en", english, m.AnalyzerNamed(en.AnalyzerName).Analyze},
		{"unigram-as-before", zh, func(in []byte) analysis.TokenStream {
			return hanOnly(cjk.NewCJKWidthFilter().Filter(unicode.NewUnicodeTokenizer().Tokenize(in)))
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.run(c.text)
			}
		})
	}
}

// BenchmarkFold measures folding the sample's Chinese bodies: as they are, where one
// sentence has a traditional character (會, as every synthetic item that copies it), and
// all simplified.
func BenchmarkFold(b *testing.B) {
	_, docs := fromFile(b, "../issue/testdata/sample-135.md")
	var zh string
	for _, d := range docs {
		zh += d.Body.Zh
	}
	for _, c := range []struct{ name, text string }{{"sample", zh}, {"simplified", strings.ReplaceAll(zh, "會", "会")}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.text)))
			for b.Loop() {
				fold(c.text)
			}
		})
	}
}

// hanOnly keeps the Ideographic tokens of a stream: what the unigram fields kept of bleve's
// Unicode tokenizer's before they had a tokenizer of their own.
func hanOnly(in analysis.TokenStream) analysis.TokenStream {
	var out analysis.TokenStream
	for _, tok := range in {
		if tok.Type == analysis.Ideographic {
			out = append(out, tok)
		}
	}
	return out
}

func TestBodiesFromASource(t *testing.T) {
	x, _ := New()
	defer x.Close()
	is, docs := fromFile(t, "../issue/testdata/sample-135.md")
	kept := map[string]issue.Text{}
	for _, d := range docs {
		kept[d.ItemID] = d.Body
	}
	asked := 0
	x.SetBodySource(func(_ context.Context, ids []string) (map[string]issue.Text, error) {
		asked++
		out := map[string]issue.Text{}
		for _, id := range ids {
			out[id] = kept[id]
		}
		return out, nil
	})
	if err := x.Put(is, docs); err != nil {
		t.Fatal(err)
	}
	if d, _ := x.Item("135-5"); d.Body.En != "" || d.Title.En == "" {
		t.Errorf("the index kept a body: %+v", d)
	}
	hits := mustSearch(t, x, "Bluetooth")
	if len(hits) != 1 || !strings.Contains(hits[0].Body.En, "Bluetooth technology") || asked != 1 {
		t.Errorf("hit %+v after %d asks", hits, asked)
	}
}

// Tags come newest issue first, whatever the gaps between issue numbers.
func TestTagsAcrossSparseNumbers(t *testing.T) {
	x, _ := New()
	defer x.Close()
	x.Put(Issue{Number: 3, Tags: []string{"old", "shared"}}, nil)
	x.Put(Issue{Number: 5_000_000, Tags: []string{"new", "shared"}}, nil)
	if got := strings.Join(x.Tags(), ","); got != "shared,new,old" {
		t.Errorf("tags = %s", got)
	}
}

func archiveIndex(t *testing.T) *Index {
	t.Helper()
	x := newIndex(t)
	for _, f := range []string{"testdata/archive-137.md", "testdata/archive-138.md"} {
		is, docs := fromFile(t, f)
		if err := x.Put(is, docs); err != nil {
			t.Fatal(err)
		}
	}
	return x
}

func first(t *testing.T, x *Index, q string) (string, []Hit) {
	t.Helper()
	hits, err := x.Search(context.Background(), q, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 {
		return "", nil
	}
	return hits[0].ItemID, hits
}

// Every name of a law, regulator or standard finds the items that use any other, in both
// languages, Chinese-only items too.
func TestGlossaryAliases(t *testing.T) {
	x := archiveIndex(t)
	for _, group := range [][]string{
		{"CSL 罚款", "网络安全法 罚款", "网安法 罚款", "Cybersecurity Law fine"}, // 137-2 has no English
		{"MLPS 测评", "等保 测评", "网络安全等级保护 测评"},
		{"PIPL", "个人信息保护法", "Personal Information Protection Law", "個人資訊保護法"},
		{"PBOC", "中国人民银行", "央行", "People's Bank of China"},
	} {
		want, _ := first(t, x, group[0])
		if want == "" {
			t.Errorf("%q finds nothing", group[0])
			continue
		}
		for _, q := range group[1:] {
			if got, _ := first(t, x, q); got != want {
				t.Errorf("%q finds %s first, %q finds %s", group[0], want, q, got)
			}
		}
	}
	if got, _ := first(t, x, "CSL 罚款"); got != "137-2" {
		t.Errorf("CSL 罚款 → %s, want 137-2", got)
	}
	// A Latin abbreviation matches whole words only: "dsl" is not inside "DSLR".
	g := DefaultGlossary()
	if cs, _ := g.Find(fold("dslr camera")); len(cs) != 0 {
		t.Errorf("dslr: %+v", cs)
	}
	if cs, rest := g.Find(fold("个人信息保护法 立法")); len(cs) != 1 || cs[0].Entry.Name() != "个人信息保护法" || rest != "立法" {
		t.Errorf("the longest form wins: %+v, rest %q", cs, rest)
	}
	// Personal data as Hong Kong and Taiwan write it (個人資料), and as Chinese texts on the
	// GDPR do (个人数据), are the personal information the archive writes 个人信息: found
	// whole, not as a partial match (the words in a row still rank their own items first).
	for _, q := range []string{"個人資料", "个人资料", "个人数据"} {
		hits, err := x.Search(context.Background(), q, 5)
		if err != nil || len(hits) == 0 || hits[0].Partial || !strings.Contains(hits[0].Title.Zh+hits[0].Body.Zh, "个人信息") {
			t.Errorf("%q: %v %+v", q, err, hits)
		}
	}
}

// Traditional characters and full-width letters are folded in the index and the query.
func TestFolding(t *testing.T) {
	x := archiveIndex(t)
	for q, want := range map[string]string{"網絡安全審查": "137-1", "資料出境": "138-1", "ＣＣＰＡ": "137-6", "Ｚｏｏｍ": "138-5"} {
		if got, _ := first(t, x, q); got != want {
			t.Errorf("%q → %q, want %s", q, got, want)
		}
	}
}

// Words that t2s changes only as words (瞭 alone stays; 不瞭解 → 不了解) fold in the index
// and the query as whole texts would.
func TestFoldingWords(t *testing.T) {
	x := newIndex(t)
	is := Issue{Number: 1, Date: "2020-04-15"}
	docs := []Doc{
		{ItemID: "1-1", IssueNumber: 1, Position: 1, Title: issue.Text{Zh: "用户不瞭解隐私政策"}},
		{ItemID: "1-2", IssueNumber: 1, Position: 2, Title: issue.Text{Zh: "企业了解合规要求"}},
	}
	if err := x.Put(is, docs); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string][]string{"了解": {"1-1", "1-2"}, "瞭解": {"1-1", "1-2"}, "不瞭解": {"1-1"}} {
		hits, err := x.Search(context.Background(), q, 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hits {
			got = append(got, h.ItemID)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s found %v, want %v", q, got, want)
		}
	}
}

// fold converts a text's runs of Chinese characters alone, and only those t2s may change:
// the same as converting the whole text, for every text of the fixtures and for mixed ones.
func TestFoldAsWholeText(t *testing.T) {
	texts := []string{"網絡安全審查，不瞭解 GDPR 的會議", "一目瞭然。ＡＢＣ乾隆藉口", "个人信息保护法（PIPL）第5条", "𠀋會 x"}
	for _, f := range []string{"../issue/testdata/sample-135.md", "testdata/archive-137.md", "testdata/archive-138.md"} {
		_, docs := fromFile(t, f)
		for _, d := range docs {
			texts = append(texts, d.Title.Zh, d.Body.Zh, d.Title.En, d.Body.En)
		}
	}
	for _, s := range texts {
		low := strings.ToLower(width.Fold.String(s))
		want, err := t2s().Convert(low)
		if err != nil {
			t.Fatal(err)
		}
		if got := fold(s); got != want {
			t.Errorf("fold(%.40q) = %.40q, t2s of the whole text %.40q", s, got, want)
		}
	}
}

// One Chinese character finds the items that have it, titles first (longer queries match
// words, never single characters).
func TestSingleCharacter(t *testing.T) {
	x := archiveIndex(t)
	_, hits := first(t, x, "法")
	if len(hits) < 3 {
		t.Fatalf("法: %d hits", len(hits))
	}
	for _, h := range hits {
		if !strings.Contains(h.Title.Zh+h.Body.Zh, "法") {
			t.Errorf("%s has no 法", h.ItemID)
		}
	}
	if !strings.Contains(hits[0].Title.Zh, "法") {
		t.Errorf("法 in a title ranks below 法 in a body: %s first", hits[0].ItemID)
	}
	// The one-character fields hold single characters only: words and bigrams are in the
	// other fields already.
	if got := x.terms("《个人信息保护法》GDPR 第5条", analyzerUnigram); !slices.Equal(got, []string{"个", "人", "信", "息", "保", "护", "法", "第", "条"}) {
		t.Errorf("unigram terms %q", got)
	}
}

// A query of which no item has every term gets the items with some, marked partial.
func TestPartialHits(t *testing.T) {
	x := archiveIndex(t)
	_, full := first(t, x, "GDPR 罚款")
	_, part := first(t, x, "GDPR 区块链")
	if len(full) == 0 || full[0].Partial {
		t.Errorf("a full match marked partial: %+v", full)
	}
	if len(part) == 0 || !part[0].Partial || part[0].ItemID != "137-5" {
		t.Errorf("partial: %+v", part)
	}
}

// "Latest" is the newest by date, not the highest number.
func TestLatestByDate(t *testing.T) {
	x := newIndex(t)
	x.Put(Issue{Number: 900, Date: "2019-01-07", Items: nil}, nil)
	x.Put(Issue{Number: 139, Date: "2020-05-25"}, nil)
	if is, _ := x.Latest(); is.Number != 139 {
		t.Errorf("latest %d", is.Number)
	}
	// The newest issue re-dated into the past is no longer the latest.
	x.Put(Issue{Number: 139, Date: "2018-12-31"}, nil)
	if is, _ := x.Latest(); is.Number != 136 {
		t.Errorf("after re-dating: latest %d", is.Number)
	}
}

// Finds says whether Search finds items with every term, for whole words, aliases, single
// characters, partial matches and nothing at all, in both languages.
func TestFindsAgreesWithSearch(t *testing.T) {
	x := newIndex(t)
	ctx := context.Background()
	found := 0
	for _, q := range []string{"个人信息", "personal information", "CSL", "网络安全法", "区块链 量子", "blockchain quantum",
		"量子计算", "quantum computing", "法", "GDPR", "contact tracing", "区块链监管", "  ", "zzzz", "区块链", "数据安全", "App"} {
		hits, err := x.Search(ctx, q, 1)
		if err != nil {
			t.Fatal(err)
		}
		want := len(hits) > 0 && !hits[0].Partial
		got, err := x.Finds(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("Finds(%q) = %v, Search found %d hits (partial: %v)", q, got, len(hits), len(hits) > 0 && hits[0].Partial)
		}
		if got {
			found++
		}
	}
	if found < 7 {
		t.Errorf("only %d queries found something: the fixtures no longer match the queries", found)
	}
}

// The latest and previous issues follow every put, replacement and removal, as a scan of
// every issue finds them.
// Finds remembers its answers for one generation of the index only: an issue put or
// removed changes what it finds.
func TestFindsFollowsChanges(t *testing.T) {
	x := newIndex(t)
	ctx := context.Background()
	finds := func(q string) bool {
		t.Helper()
		ok, err := x.Finds(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if finds("GDPR") || !finds("区块链") {
		t.Fatal("the fixtures changed: 135 and 136 should not name GDPR, and should name 区块链")
	}
	is, docs := fromFile(t, "testdata/archive-137.md")
	if err := x.Put(is, docs); err != nil {
		t.Fatal(err)
	}
	if !finds("GDPR") {
		t.Error("GDPR not found after issue 137, which names it, was put")
	}
	if err := x.Remove(137); err != nil {
		t.Fatal(err)
	}
	if finds("GDPR") {
		t.Error("GDPR still found after issue 137 was removed")
	}
}

func TestNewestFollowChanges(t *testing.T) {
	x := emptyIndex(t)
	rnd := rand.New(rand.NewPCG(1, 2))
	dates := map[int]string{}
	newest := func() (latest, previous int) {
		var order []int
		for n := range dates {
			order = append(order, n)
		}
		slices.SortFunc(order, func(a, b int) int {
			if newer(Issue{Number: a, Date: dates[a]}, Issue{Number: b, Date: dates[b]}) {
				return -1
			}
			return 1
		})
		for len(order) < 2 {
			order = append(order, 0)
		}
		return order[0], order[1]
	}
	for step := 0; step < 300; step++ {
		n := 1 + rnd.IntN(12)
		what := ""
		if rnd.IntN(4) == 0 {
			what = fmt.Sprintf("remove %d", n)
			if err := x.Remove(n); err != nil {
				t.Fatal(err)
			}
			delete(dates, n)
		} else {
			// Few dates, so that ties fall to the number.
			d := fmt.Sprintf("2020-0%d-01", 1+rnd.IntN(4))
			what = fmt.Sprintf("put %d dated %s", n, d)
			if err := x.Put(Issue{Number: n, Date: d}, nil); err != nil {
				t.Fatal(err)
			}
			dates[n] = d
		}
		wantLatest, wantPrevious := newest()
		latest, ok := x.Latest()
		if latest.Number != wantLatest || ok != (wantLatest != 0) {
			t.Fatalf("step %d (%s): latest %d, want %d", step, what, latest.Number, wantLatest)
		}
		previous, ok := x.Previous()
		if previous.Number != wantPrevious || ok != (wantPrevious != 0) {
			t.Fatalf("step %d (%s): previous %d, want %d", step, what, previous.Number, wantPrevious)
		}
	}
}

func TestGlossaryFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "g.yaml")
	os.WriteFile(good, []byte("- zh: [立方律所]\n  en: [Lifang, Lifang & Partners]\n"), 0o644)
	g, err := LoadGlossary(good)
	if err != nil || g.Len() != DefaultGlossary().Len()+1 {
		t.Fatalf("%v, %d entries", err, g.Len())
	}
	if cs, _ := g.Find(fold("lifang & partners 数据")); len(cs) != 1 {
		t.Errorf("the firm's entry: %+v", cs)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("- zh: [a]\n  en: [b]\n- zh: [only]\n"), 0o644)
	if _, err := LoadGlossary(bad); err == nil || !strings.Contains(err.Error(), bad+":3: an entry needs at least two names") {
		t.Errorf("bad glossary: %v", err)
	}
}

// NameIn names a glossary entry in a language, from any of its forms written whole.
func TestGlossaryNameIn(t *testing.T) {
	g, err := ParseGlossary("g.yaml", []byte("- zh: [个人信息]\n  en: [personal information, PI]\n- zh: [立方律所, 立方]\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		term string
		lang issue.Lang
		want string
		ok   bool
	}{
		{"个人信息", issue.LangEn, "personal information", true},
		{"PI", issue.LangZh, "个人信息", true},
		{" Personal Information ", issue.LangEn, "personal information", true},
		{"個人信息", issue.LangEn, "personal information", true}, // traditional, folded
		{"立方", issue.LangZh, "立方律所", true},
		{"立方", issue.LangEn, "", false},     // no English name
		{"个人信息保护", issue.LangEn, "", false}, // not a form, whole
		{"quantum computing", issue.LangZh, "", false},
	} {
		got, ok := g.NameIn(tc.term, tc.lang)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NameIn(%q, %v) = %q, %v; want %q, %v", tc.term, tc.lang, got, ok, tc.want, tc.ok)
		}
	}
}

// A persistent index keeps what it holds between runs: reopened, it answers at once and
// knows each issue's revision; a second process at the same time gets a copy of its own.
func TestPersistentIndex(t *testing.T) {
	dir := t.TempDir()
	x := openIn(t, dir)
	a, ad := fromFile(t, "../issue/testdata/sample-135.md")
	b, bd := fromFile(t, "testdata/archive-137.md")
	a.Revision, b.Revision = 11, 12
	if err := x.PutAll([]Issue{a, b}, [][]Doc{ad, bd}); err != nil {
		t.Fatal(err)
	}
	size := x.Size()
	// Once the records are written with the catalog, the items are read from them, not
	// held in memory.
	if len(x.docs) != 0 || len(x.pending) != 0 {
		t.Errorf("after PutAll: %d items held, %d records pending", len(x.docs), len(x.pending))
	}
	if d, ok := x.Item("137-1"); !ok || d.Title.Zh == "" {
		t.Errorf("137-1 from its record: %+v %v", d, ok)
	}
	// Open while the first holds it: another copy, empty.
	y := openIn(t, dir)
	if y.Size() != 0 || y.dir == x.dir {
		t.Errorf("a second process shares the first's copy (%s, %d items)", y.dir, y.Size())
	}
	y.Close()
	x.Close()

	x = openIn(t, dir)
	defer x.Close()
	if x.Size() != size {
		t.Fatalf("reopened with %d items, want %d", x.Size(), size)
	}
	if rev := x.Revisions(); rev[135] != 11 || rev[137] != 12 {
		t.Errorf("revisions %v", rev)
	}
	if got, _ := first(t, x, "网络安全审查"); got != "137-1" {
		t.Errorf("reopened index finds %q", got)
	}
	if is, _ := x.Latest(); is.Number != 137 || len(is.Items) != 7 {
		t.Errorf("latest %+v", is)
	}
	if err := x.Remove(137); err != nil {
		t.Fatal(err)
	}
	x.Close()
	x = openIn(t, dir)
	if _, ok := x.Issue(137); ok || x.Size() != len(ad) {
		t.Errorf("after removing 137: %d items", x.Size())
	}
	if got, _ := first(t, x, "网络安全审查"); got != "" {
		t.Errorf("a removed issue still found: %s", got)
	}
	// An index whose records are gone is rebuilt: its catalog would list items it
	// cannot show.
	x.Close()
	if err := os.Remove(recordsFile(x.dir)); err != nil {
		t.Fatal(err)
	}
	x = openIn(t, dir)
	if x.Size() != 0 {
		t.Errorf("an index without its records was kept: %d items", x.Size())
	}
	if err := x.PutAll([]Issue{a}, [][]Doc{ad}); err != nil {
		t.Fatal(err)
	}
	// An index of another version is rebuilt, not misread.
	if err := x.idx.SetInternal(keyVersion, []byte("old")); err != nil {
		t.Fatal(err)
	}
	x.Close()
	x = openIn(t, dir)
	if x.Size() != 0 {
		t.Errorf("an index of another version was kept: %d items", x.Size())
	}
}

// A process that only reads the index (an ask) leaves its records file as it found it: a
// write transaction costs two fsyncs even when it changes nothing.
func TestReadingLeavesRecordsAlone(t *testing.T) {
	dir := t.TempDir()
	x := openIn(t, dir)
	a, ad := fromFile(t, "../issue/testdata/sample-135.md")
	if err := x.PutAll([]Issue{a}, [][]Doc{ad}); err != nil {
		t.Fatal(err)
	}
	x.Close()
	before, err := os.ReadFile(recordsFile(x.dir))
	if err != nil {
		t.Fatal(err)
	}
	x = openIn(t, dir)
	if got, _ := first(t, x, "个人信息"); got == "" {
		t.Error("the reopened index finds nothing")
	}
	x.Close()
	after, err := os.ReadFile(recordsFile(x.dir))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("opening the index to read it wrote to its records")
	}
}

// A search reads the records of the items it returns only, not those of every candidate
// it ranked: for an ask, decoding a record per candidate was a tenth of its CPU.
func TestSearchReadsReturnedRecordsOnly(t *testing.T) {
	x := openIn(t, t.TempDir())
	defer x.Close()
	var issues []Issue
	var docs [][]Doc
	for _, f := range []string{"../issue/testdata/sample-135.md", "testdata/archive-137.md", "testdata/archive-138.md"} {
		is, ds := fromFile(t, f)
		issues, docs = append(issues, is), append(docs, ds)
	}
	if err := x.PutAll(issues, docs); err != nil {
		t.Fatal(err)
	}
	hits, err := x.Search(context.Background(), "个人信息", 1)
	if err != nil || len(hits) != 1 || hits[0].Title.Zh == "" {
		t.Fatalf("hits %+v, %v", hits, err)
	}
	held := map[int]bool{}
	for _, d := range x.docs {
		held[d.IssueNumber] = true
	}
	if len(held) != 1 || !held[hits[0].IssueNumber] {
		t.Errorf("records read of issues %v, want only %d's", held, hits[0].IssueNumber)
	}
}

// A process that builds the index and exits (import, publish, ask) leaves it merged as
// the read policy wants, so that the next process to open it (an ask) has no merge to start and
// abandon at its exit: what it wrote after compacting too (an import's issue, after the
// build that a new mapping version asked for).
func TestCloseLeavesIndexSettled(t *testing.T) {
	dir := t.TempDir()
	x := openIn(t, dir)
	putTiers(t, x, 1, tierIssues)
	x.Compact()
	awaitCompaction(t, x)
	putTiers(t, x, tierIssues+1, tierIssues+3)
	x.Close()

	x = openIn(t, dir)
	defer x.Close()
	adv, _ := x.idx.Advanced()
	sc := adv.(*scorch.Scorch)
	// Wait for the reopened index's merger to make its first plan, then ask what it was.
	stats := sc.StatsMap()
	for deadline := time.Now().Add(10 * time.Second); stats["TotFileMergePlan"] == uint64(0) && time.Now().Before(deadline); stats = sc.StatsMap() {
		time.Sleep(5 * time.Millisecond)
	}
	if stats["TotFileMergePlan"] == uint64(0) {
		t.Fatal("the reopened index's merger made no plan in 10 s")
	}
	if tasks := stats["TotFileMergePlanTasks"]; tasks != uint64(0) {
		t.Errorf("reopened index merged again (%v merge tasks): the writer left it unsettled", tasks)
	}
	if x.Size() != (tierIssues+3)*tierItems {
		t.Errorf("%d items after reopening, want %d", x.Size(), (tierIssues+3)*tierItems)
	}
}

// An index built in this process merged lazily (buildTier) while it was written; Compact
// merges it down to readTier while it answers, and the answers stay the same.
func TestCompactMergesABuiltIndex(t *testing.T) {
	dir := t.TempDir()
	x := openIn(t, dir)
	defer x.Close()
	putTiers(t, x, 1, tierIssues)
	before := x.segments()
	if before <= 2*readTier {
		t.Fatalf("%d segments after %d batches at %d a tier: too few to show a compaction", before, tierIssues, buildTier)
	}
	ctx := context.Background()
	want, err := x.Search(ctx, "contact tracing", 50)
	if err != nil {
		t.Fatal(err)
	}
	x.Compact()
	awaitCompaction(t, x)
	// bleve's own planner, at readTier, finds nothing left to merge.
	after := x.segments()
	if plan := mergePlan(t, x); plan != nil && len(plan.Tasks) > 0 {
		t.Errorf("after Compact, %d segments (of %d) and bleve would still merge: %v", after, before, plan)
	}
	t.Logf("segments: %d before Compact, %d after", before, after)
	if after >= before {
		t.Errorf("Compact left %d segments of %d", after, before)
	}
	got, err := x.Search(ctx, "contact tracing", 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d hits after Compact, %d before", len(got), len(want))
	}
	for i := range got {
		if got[i].ItemID != want[i].ItemID {
			t.Errorf("hit %d is %s after Compact, %s before", i, got[i].ItemID, want[i].ItemID)
		}
	}

	// An index opened again is merged at readTier as it is written: nothing to compact.
	x.Close()
	y := openIn(t, dir)
	defer y.Close()
	if y.Compact(); y.compaction(false) != nil {
		t.Error("Compact started on an index this process did not build")
	}
}

// Compact called while a compaction is under way has that one go round again, rather than
// start another beside it, and what was written meanwhile ends merged too.
//
// The write here lands during a round, which the compaction's own loop then takes in: the
// test fails when Compact starts a second compaction (the identity check, now exact: the
// channel is cleared and closed together), not when it drops the extra round, which
// matters only for a write landing after the last round's count (too narrow to time).
func TestCompactDuringACompaction(t *testing.T) {
	x := openIn(t, t.TempDir())
	defer x.Close()
	putTiers(t, x, 1, tierIssues)
	x.Compact()
	first := x.compaction(false)
	if first == nil {
		t.Fatal("Compact started no compaction of a built index")
	}
	// Written, and Compact called, while the first compaction merges: one issue takes a
	// quarter of the time its rounds take.
	putIssues(t, x, tierIssues+1, tierIssues+1)
	x.Compact()
	under := x.compaction(false)
	select {
	case <-first:
		t.Log("the first compaction ended before the writes or since: not a case of the test")
	default:
		// Still open, so under way when compaction looked: it is the one under way.
		if under != first {
			t.Errorf("Compact during a compaction started another beside it")
		}
	}
	awaitCompaction(t, x)
	if plan := mergePlan(t, x); plan != nil && len(plan.Tasks) > 0 {
		t.Errorf("after both compactions bleve would still merge %d segments: the writes made during the first were left", x.segments())
	}
	if want := (tierIssues + 1) * tierItems; x.Size() != want {
		t.Errorf("%d items, want %d", x.Size(), want)
	}
}

// putTiers puts into x, one at a time, issues from to to of 400 short items: a segment
// each. bleve's policies at readTier and buildTier part only above ten segments' worth of
// its smallest tier (2,000 items), and settled at buildTier 50 are left in 10 segments.
func putTiers(t *testing.T, x *Index, from, to int) {
	t.Helper()
	putIssues(t, x, from, to)
	x.settle(settleFor)
}

// putIssues puts issues from to to as putTiers does, and returns as soon as they are
// indexed.
func putIssues(t *testing.T, x *Index, from, to int) {
	t.Helper()
	for n := from; n <= to; n++ {
		is := Issue{Number: n, Date: fmt.Sprintf("2020-%02d-%02d", 1+n%12, 1+n%28), Revision: 1}
		docs := make([]Doc, tierItems)
		for i := range docs {
			docs[i] = Doc{ItemID: fmt.Sprintf("%d-%d", n, i+1), IssueNumber: n, Position: i + 1,
				Title: issue.Text{Zh: fmt.Sprintf("个人信息 第%d条", i), En: fmt.Sprintf("contact tracing %d", i)}}
		}
		if err := x.Put(is, docs); err != nil {
			t.Fatal(err)
		}
	}
}

const tierIssues, tierItems = 50, 400

// awaitCompaction waits for x's compaction to end.
func awaitCompaction(t *testing.T, x *Index) {
	t.Helper()
	if done := x.compaction(false); done != nil {
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("compaction not done in 30 s")
		}
	}
}

// mergePlan is what bleve's planner would merge in x now, at readTier.
func mergePlan(t *testing.T, x *Index) *mergeplan.MergePlan {
	t.Helper()
	policy := mergeplan.DefaultMergePlanOptions
	policy.MaxSegmentsPerTier = readTier
	r, err := x.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var segs []mergeplan.Segment
	for i, s := range r.(*scorch.IndexSnapshot).Segments() {
		segs = append(segs, planned{uint64(i), int64(s.Segment().Count())})
	}
	plan, err := mergeplan.Plan(segs, &policy)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// planned is a segment as bleve's merge planner sees it: its items, none deleted.
type planned struct {
	id    uint64
	items int64
}

func (p planned) Id() uint64      { return p.id }
func (p planned) FullSize() int64 { return p.items }
func (p planned) LiveSize() int64 { return p.items }
func (p planned) HasVector() bool { return false }
func (p planned) FileSize() int64 { return 0 }

// LiveFileSize is unused: the index plans by items (its FloorSegmentFileSize is 0).
func (p planned) LiveFileSize() int64 { return 0 }

// PutAll indexes every issue of a call that takes several batches (two at a time), and
// when a call repeats an issue its last version wins.
func TestPutAllInBatches(t *testing.T) {
	x := newIndex(t)
	is, docs := fromFile(t, "../issue/testdata/sample-135.md")
	var issues []Issue
	var all [][]Doc
	for n := 1; n*len(docs) <= 3*batchDocs; n++ {
		is.Number = n
		ds := slices.Clone(docs)
		for i := range ds {
			ds[i].ItemID, ds[i].IssueNumber = fmt.Sprintf("%d-%d", n, i+1), n
		}
		issues, all = append(issues, is), append(all, ds)
	}
	if err := x.PutAll(issues, all); err != nil {
		t.Fatal(err)
	}
	if got, want := x.Size(), len(issues)*len(docs); got != want {
		t.Fatalf("%d items indexed, want %d", got, want)
	}
	hits, err := x.Search(context.Background(), "contact tracing", 3*batchDocs)
	if err != nil {
		t.Fatal(err)
	}
	found := map[int]bool{}
	for _, h := range hits {
		found[h.IssueNumber] = true
	}
	if len(found) != len(issues) {
		t.Errorf("contact tracing found in %d of %d issues", len(found), len(issues))
	}

	// Issue 1 twice in one call: a batch's worth of items, then one item. In batches side
	// by side the small second one would finish first and the first version win; the
	// second must.
	big := make([]Doc, batchDocs)
	for i := range big {
		big[i] = docs[i%len(docs)]
		big[i].ItemID, big[i].IssueNumber = fmt.Sprintf("1-%d", i+1), 1
	}
	is.Number = 1
	if err := x.PutAll([]Issue{is, is}, [][]Doc{big, big[:1]}); err != nil {
		t.Fatal(err)
	}
	if got, _ := x.Issue(1); len(got.Items) != 1 {
		t.Errorf("issue 1 has %d items after its second version, want 1", len(got.Items))
	}
}

// openIn opens the persistent index in dir, failing the test if it cannot.
func openIn(t *testing.T, dir string) *Index {
	t.Helper()
	x, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// The unigram fields hold the Chinese characters of a text, as bleve's Unicode tokenizer
// and cjk's width filter cut them, whose Ideographic tokens the fields kept before: the
// same terms for every text of the fixtures.
func TestHanCharsAsTheUnicodeTokenizer(t *testing.T) {
	checked := 0
	for _, path := range []string{"../issue/testdata/sample-135.md", "../issue/testdata/variations.md", "testdata/archive-137.md", "testdata/archive-138.md"} {
		_, docs := fromFile(t, path)
		for _, d := range docs {
			for _, text := range []string{d.Title.Zh, d.Body.Zh, d.Title.En, d.Body.En} {
				input := []byte(fold(text))
				var want []string
				for _, tok := range hanOnly(cjk.NewCJKWidthFilter().Filter(unicode.NewUnicodeTokenizer().Tokenize(input))) {
					want = append(want, string(tok.Term))
				}
				var got []string
				for _, tok := range (hanChars{}).Tokenize(input) {
					got = append(got, string(tok.Term))
				}
				if !slices.Equal(got, want) {
					t.Fatalf("%s, item %s: %q, the Unicode tokenizer's Ideographic tokens %q", path, d.ItemID, got, want)
				}
				checked += len(want)
			}
		}
	}
	if checked < 1000 {
		t.Errorf("only %d characters compared", checked)
	}
}

// Searching one issue finds its items alone, scored as a search of the whole index scores
// them; an issue the index lacks finds nothing; and a year's issues are listed newest first.
func TestSearchIn(t *testing.T) {
	x := archiveIndex(t)
	ctx := context.Background()
	all, err := x.Search(ctx, "个人信息", 20)
	if err != nil {
		t.Fatal(err)
	}
	whole := map[string]float64{}
	for _, h := range all {
		whole[h.ItemID] = h.Score
	}
	for _, n := range []int{137, 138} {
		hits, err := x.SearchIn(ctx, "个人信息", []int{n}, 20)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 {
			t.Fatalf("issue %d: nothing found", n)
		}
		for _, h := range hits {
			if h.IssueNumber != n {
				t.Errorf("issue %d: found %s of issue %d", n, h.ItemID, h.IssueNumber)
			}
			if w, ok := whole[h.ItemID]; !ok || math.Abs(w-h.Score) > 1e-9*w {
				t.Errorf("issue %d: %s scores %v, %v in the whole index", n, h.ItemID, h.Score, w)
			}
		}
	}
	if hits, err := x.SearchIn(ctx, "GDPR", []int{138}, 5); err != nil || len(hits) != 0 && !hits[0].Partial {
		t.Errorf("GDPR in issue 138, which never names it: %v %+v", err, ids(hits))
	}
	if hits, err := x.SearchIn(ctx, "GDPR", []int{137}, 5); err != nil || len(hits) == 0 || hits[0].IssueNumber != 137 {
		t.Errorf("GDPR in issue 137: %v %v", err, ids(hits))
	}
	if hits, err := x.SearchIn(ctx, "个人信息", []int{999}, 5); err != nil || len(hits) != 0 {
		t.Errorf("an issue the index lacks: %v %v", err, ids(hits))
	}
	var numbers []int
	for _, is := range x.IssuesOf(2020) {
		numbers = append(numbers, is.Number)
	}
	if !slices.Equal(numbers, []int{138, 137, 136, 135}) { // 135 is dated 2020-04 alone
		t.Errorf("issues of 2020: %v", numbers)
	}
	if got := x.IssuesOf(2019); len(got) != 0 {
		t.Errorf("issues of 2019: %+v", got)
	}
}
