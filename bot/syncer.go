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

// IndexOptions say where the search index persists and how it reads queries.
type IndexOptions struct {
	// Dir keeps the index between runs (search.Open); "" builds a temporary one.
	Dir string
	// Glossary expands queries (nil: the built-in one).
	Glossary *search.Glossary
}

// NewIndex opens the index of everything in st (persistent in opt.Dir, where only the
// issues changed since it was last used are indexed again), with a syncer that keeps it
// up to date. Item bodies stay in the store: the index asks for those of the items a
// search returns.
func NewIndex(ctx context.Context, st Store, opt IndexOptions) (*search.Index, *Syncer, error) {
	idx, err := search.Open(opt.Dir)
	if err != nil {
		return nil, nil, err
	}
	idx.SetBodySource(st.ItemBodies)
	if opt.Glossary != nil {
		idx.SetGlossary(opt.Glossary)
	}
	s := &Syncer{st: st, idx: idx, known: idx.Revisions()}
	n, err := s.Refresh(ctx)
	if err != nil {
		idx.Close()
		return nil, nil, fmt.Errorf("build the search index: %w", err)
	}
	if n > 0 {
		// Building the index needs far more memory than keeping it: hand the difference
		// back to the system now, rather than when the runtime gets round to it.
		debug.FreeOSMemory()
		// A first build merged little as it went; it is merged down while it answers.
		idx.Compact()
	}
	return idx, s, nil
}

// Refresh indexes the issues that changed since the last refresh, and drops those gone
// from the store; it returns how many changed (after an error, how many were indexed
// before it, and kept).
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
	changed, held := 0, 0
	// put indexes what has been read so far. Refresh puts refreshChunk items at a time:
	// holding the whole archive's text until the end took a first build at 100,000 items
	// to 0.9–1.1 GB (0.4–0.6 GB in chunks), and what was put is saved, so that an
	// interrupted build resumes.
	put := func() error {
		if len(issues) == 0 {
			return nil
		}
		if err := s.idx.PutAll(issues, docs); err != nil {
			return err
		}
		for _, st := range seen {
			s.known[st.Number] = st.Revision
		}
		changed += len(issues)
		issues, docs, seen, held = nil, nil, nil, 0
		return nil
	}
	present := map[int]bool{}
	building := false
	for _, st := range stamps {
		present[st.Number] = true
		if rev, ok := s.known[st.Number]; ok && rev == st.Revision {
			continue
		}
		is, ds, err := s.load(ctx, st.Number)
		if err != nil {
			return changed, err
		}
		is.Revision = st.Revision
		issues, docs, seen = append(issues, is), append(docs, ds), append(seen, st)
		if held += len(ds); held >= refreshChunk {
			if !building {
				// A chunk or more to index: a build, not a refresh.
				building = true
				defer relaxCollector()()
			}
			if err := put(); err != nil {
				return changed, err
			}
		}
	}
	if err := put(); err != nil {
		return changed, err
	}
	var gone []int
	for n := range s.known {
		if !present[n] {
			gone = append(gone, n)
		}
	}
	if err := s.idx.Remove(gone...); err != nil {
		return changed, err
	}
	for _, n := range gone {
		delete(s.known, n)
	}
	return changed + len(gone), nil
}

// refreshChunk is how many items Refresh reads before it indexes them: five of the
// index's batches, so that two at a time keep both cores busy. (Reading the next chunk
// while the last was indexed saved nothing measurable.)
const refreshChunk = 2000

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
// of everything in st; with explain, it also says how the search read the text and why
// its first item won.
func Ask(ctx context.Context, st Store, text string, cfg reply.Config, opt IndexOptions, explain bool) (reply.Reply, *search.Explanation, error) {
	idx, _, err := NewIndex(ctx, st, opt)
	if err != nil {
		return reply.Reply{}, nil, err
	}
	defer idx.Close()
	r, err := reply.Answer(ctx, reply.Message{Type: "text", Content: text}, idx, cfg)
	if err != nil || !explain {
		return r, nil, err
	}
	q, in, ok := reply.Searched(text, idx)
	if !ok {
		return r, nil, nil // not a search: nothing to explain
	}
	ex, err := idx.ExplainIn(ctx, q, in, 5)
	return r, &ex, err
}
