package publish

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"wxpub/issue"
	"wxpub/store"
	"wxpub/wechat"
)

// The account's back catalogue: articles published by wxpub, and those published some
// other way (the firm's earlier issues, made in another editor), which replies should
// answer from too.

// Archive is what Sync needs of the WeChat API; *wechat.Client has it.
type Archive interface {
	Published(ctx context.Context, offset, count int) (int, []wechat.PublishedItem, error)
	PublishedArticle(ctx context.Context, articleID string) ([]wechat.SavedArticle, error)
}

// Catalogue is what Sync keeps; *store.Store (seen by the account) has it.
type Catalogue interface {
	Publications(ctx context.Context) ([]store.Publication, error)
	Issue(ctx context.Context, number int) (store.Issue, error)
	SaveIssue(ctx context.Context, is *issue.Issue, sourceHash string) error
	SetIssueURLs(ctx context.Context, number int, articleURL, coverURL string) error
}

// Synced says what Sync found.
type Synced struct {
	// Matched are articles wxpub published, by issue number, their URLs recorded.
	Matched []int
	// Imported are issues read from articles published some other way.
	Imported []int
	// Known are articles of issues the store already had from elsewhere (URL recorded).
	Known []int
	// Warnings name the articles that could not be read as an issue.
	Warnings []string
}

// Sync walks the account's published articles and reconciles them with the store.
func Sync(ctx context.Context, api Archive, st Catalogue) (Synced, error) {
	var out Synced
	pubs, err := st.Publications(ctx)
	if err != nil {
		return out, err
	}
	ours := map[string]int{}
	for _, p := range pubs {
		if p.ArticleID != "" {
			ours[p.ArticleID] = p.IssueNumber
		}
	}
	for offset := 0; ; offset += 20 {
		total, items, err := api.Published(ctx, offset, 20)
		if err != nil {
			return out, fmt.Errorf("list published articles: %w", err)
		}
		for _, it := range items {
			if err := syncOne(ctx, api, st, it, ours, &out); err != nil {
				return out, err
			}
		}
		if len(items) == 0 || offset+len(items) >= total {
			return out, nil
		}
	}
}

func syncOne(ctx context.Context, api Archive, st Catalogue, it wechat.PublishedItem, ours map[string]int, out *Synced) error {
	arts, err := api.PublishedArticle(ctx, it.ArticleID)
	if err != nil {
		return fmt.Errorf("read published article %s: %w", it.ArticleID, err)
	}
	if len(arts) == 0 || arts[0].IsDeleted {
		return nil
	}
	a := arts[0]
	if n, ok := ours[it.ArticleID]; ok {
		out.Matched = append(out.Matched, n)
		return st.SetIssueURLs(ctx, n, a.URL, a.ThumbURL)
	}
	name := fmt.Sprintf("article %s “%s”", it.ArticleID, a.Title)
	is, err := issue.ParseHTML(name, []byte(a.Content))
	var fe *issue.Error
	switch {
	case errors.As(err, &fe), err == nil && (is.Number == 0 || len(is.Items()) == 0):
		why := "no issue number or no items found"
		if err != nil {
			why = fe.Msg
		}
		out.Warnings = append(out.Warnings, fmt.Sprintf("%s: not read as an issue (%s)", name, why))
		return nil
	case err != nil:
		return err
	}
	if existing, err := st.Issue(ctx, is.Number); err == nil {
		// The store has this issue from a file already: record where followers read it.
		if existing.ArticleURL == "" {
			if err := st.SetIssueURLs(ctx, is.Number, a.URL, a.ThumbURL); err != nil {
				return err
			}
		}
		out.Known = append(out.Known, is.Number)
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	is.Path = "wechat:" + it.ArticleID
	if is.Title.Zh == "" && is.Title.En == "" {
		is.Title = issue.Text{Zh: a.Title}
	}
	if err := st.SaveIssue(ctx, is, "wechat:"+it.ArticleID); err != nil {
		return err
	}
	if err := st.SetIssueURLs(ctx, is.Number, a.URL, a.ThumbURL); err != nil {
		return err
	}
	out.Imported = append(out.Imported, is.Number)
	for _, w := range is.Warnings {
		if strings.Contains(w.Message, "outside any section") {
			continue // mastheads and captions, expected in an article
		}
		out.Warnings = append(out.Warnings, fmt.Sprintf("%s: %s", name, w.Message))
	}
	return nil
}
