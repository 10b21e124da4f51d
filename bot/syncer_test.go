package bot

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"wxpub/issue"
	"wxpub/reply"
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
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "wxpub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
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
