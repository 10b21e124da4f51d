package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"wxpub/issue"
	"wxpub/search"
	"wxpub/store"
)

// indexer keeps a search index in step with the store: it loads every issue at start and
// then the issues whose revision changed.
type indexer struct {
	st  *store.Store
	idx *search.Index

	mu    sync.Mutex // one refresh at a time
	known map[int]int64
}

func newIndexer(st *store.Store, idx *search.Index) *indexer {
	return &indexer{st: st, idx: idx, known: map[int]int64{}}
}

// refresh indexes the issues that changed since the last refresh; it returns how many.
func (x *indexer) refresh(ctx context.Context) (int, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	stamps, err := x.st.Stamps(ctx)
	if err != nil {
		return 0, err
	}
	var issues []search.Issue
	var docs [][]search.Doc
	var seen []store.Stamp
	for _, s := range stamps {
		if x.known[s.Number] == s.Revision {
			continue
		}
		is, ds, err := load(ctx, x.st, s.Number)
		if err != nil {
			return 0, err
		}
		issues, docs, seen = append(issues, is), append(docs, ds), append(seen, s)
	}
	if len(issues) == 0 {
		return 0, nil
	}
	if err := x.idx.PutAll(issues, docs); err != nil {
		return 0, err
	}
	for _, s := range seen {
		x.known[s.Number] = s.Revision
	}
	return len(issues), nil
}

// load reads one issue and its items from the store as the index holds them.
func load(ctx context.Context, st *store.Store, number int) (search.Issue, []search.Doc, error) {
	stored, err := st.Issue(ctx, number)
	if err != nil {
		return search.Issue{}, nil, err
	}
	var model struct {
		Digest string   `json:"digest"`
		Tags   []string `json:"tags"`
	}
	if err := json.Unmarshal(stored.Model, &model); err != nil {
		return search.Issue{}, nil, fmt.Errorf("issue %d: stored model: %w", number, err)
	}
	items, err := st.IssueItems(ctx, number)
	if err != nil {
		return search.Issue{}, nil, err
	}
	is := search.Issue{Number: stored.Number, Date: stored.Date, Title: stored.Title, ArticleURL: stored.ArticleURL,
		CoverURL: stored.CoverURL, Digest: model.Digest, Tags: model.Tags}
	docs := make([]search.Doc, len(items))
	for i, it := range items {
		docs[i] = search.Doc{ItemID: it.ID, Issue: it.IssueNumber, Position: it.Position, Section: it.Section, Title: it.Title, Body: it.Body}
	}
	return is, docs, nil
}

// openIndex opens the store and builds an index of everything in it.
func (a *App) openIndex(ctx context.Context) (*store.Store, *search.Index, *indexer, error) {
	st, err := a.openStore(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	idx, err := search.New()
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	// Bodies stay in the store; the index asks for those of the items it returns.
	idx.SetBodySource(func(ids []string) (map[string]issue.Text, error) {
		bctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return st.ItemBodies(bctx, ids)
	})
	ix := newIndexer(st, idx)
	if _, err := ix.refresh(ctx); err != nil {
		idx.Close()
		st.Close()
		return nil, nil, nil, fmt.Errorf("build the search index: %w", err)
	}
	// Building the index needs far more memory than keeping it: hand the difference back
	// to the system now, rather than when the runtime gets round to it.
	debug.FreeOSMemory()
	return st, idx, ix, nil
}
