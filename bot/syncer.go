package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sync"

	"wxpub/issue"
	"wxpub/reply"
	"wxpub/search"
	"wxpub/store"
)

// Store is what the message service reads: issues and their items, as they change.
// *store.Store has it.
type Store interface {
	Stamps(ctx context.Context) ([]store.Stamp, error)
	Issue(ctx context.Context, number int) (store.Issue, error)
	IssueItems(ctx context.Context, number int) ([]store.Item, error)
	ItemBodies(ctx context.Context, ids []string) (map[string]issue.Text, error)
	Ping(ctx context.Context) error
}

// Syncer keeps a search index in step with a store: every issue at first, then the
// issues whose revision changed.
type Syncer struct {
	st  Store
	idx *search.Index

	mu    sync.Mutex // one refresh at a time
	known map[int]int64
}

// NewIndex builds an index of everything in st, with a syncer that keeps it up to date.
// Item bodies stay in the store: the index asks for those of the items a search returns.
func NewIndex(ctx context.Context, st Store) (*search.Index, *Syncer, error) {
	idx, err := search.New()
	if err != nil {
		return nil, nil, err
	}
	idx.SetBodySource(st.ItemBodies)
	s := &Syncer{st: st, idx: idx, known: map[int]int64{}}
	if _, err := s.Refresh(ctx); err != nil {
		idx.Close()
		return nil, nil, fmt.Errorf("build the search index: %w", err)
	}
	// Building the index needs far more memory than keeping it: hand the difference back
	// to the system now, rather than when the runtime gets round to it.
	debug.FreeOSMemory()
	return idx, s, nil
}

// Refresh indexes the issues that changed since the last refresh; it returns how many.
func (s *Syncer) Refresh(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	stamps, err := s.st.Stamps(ctx)
	if err != nil {
		return 0, err
	}
	var issues []search.Issue
	var docs [][]search.Doc
	var seen []store.Stamp
	for _, st := range stamps {
		if s.known[st.Number] == st.Revision {
			continue
		}
		is, ds, err := s.load(ctx, st.Number)
		if err != nil {
			return 0, err
		}
		issues, docs, seen = append(issues, is), append(docs, ds), append(seen, st)
	}
	if len(issues) == 0 {
		return 0, nil
	}
	if err := s.idx.PutAll(issues, docs); err != nil {
		return 0, err
	}
	for _, st := range seen {
		s.known[st.Number] = st.Revision
	}
	return len(issues), nil
}

// load reads one issue and its items from the store as the index holds them.
func (s *Syncer) load(ctx context.Context, number int) (search.Issue, []search.Doc, error) {
	stored, err := s.st.Issue(ctx, number)
	if err != nil {
		return search.Issue{}, nil, err
	}
	var model issue.Issue
	if err := json.Unmarshal(stored.Model, &model); err != nil {
		return search.Issue{}, nil, fmt.Errorf("issue %d: stored model: %w", number, err)
	}
	items, err := s.st.IssueItems(ctx, number)
	if err != nil {
		return search.Issue{}, nil, err
	}
	is := search.Issue{Number: stored.Number, Date: stored.Date, Title: stored.Title, ArticleURL: stored.ArticleURL,
		CoverURL: stored.CoverURL, Digest: model.Digest, Tags: model.Tags}
	docs := make([]search.Doc, len(items))
	for i, it := range items {
		docs[i] = search.Doc{ItemID: it.ID, IssueNumber: it.IssueNumber, Position: it.Position, Section: it.Section, Title: it.Title, Body: it.Body}
	}
	return is, docs, nil
}

// Ask answers one text as a follower sending it would be answered, from an index built
// of everything in st.
func Ask(ctx context.Context, st Store, text string, cfg reply.Config) (reply.Reply, error) {
	idx, _, err := NewIndex(ctx, st)
	if err != nil {
		return reply.Reply{}, err
	}
	defer idx.Close()
	return reply.Answer(ctx, reply.Message{Type: "text", Content: text}, idx, cfg)
}
