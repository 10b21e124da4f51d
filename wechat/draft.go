package wechat

import (
	"context"
	"fmt"
	"net/http"
)

// AddDraft creates a draft and returns its media_id. Not retried: a repeat would make a
// second draft; find an earlier one with Drafts.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Add_draft.html
func (c *Client) AddDraft(ctx context.Context, articles ...DraftArticle) (string, error) {
	var out struct {
		MediaID string `json:"media_id"`
	}
	err := c.do(ctx, call{endpoint: "/cgi-bin/draft/add", body: DraftAdd{Articles: articles}, out: &out})
	if err == nil && out.MediaID == "" {
		err = fmt.Errorf("wechat /cgi-bin/draft/add: answer holds no media_id")
	}
	return out.MediaID, err
}

// UpdateDraft replaces article index (from 0) of a draft.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Update_draft.html
func (c *Client) UpdateDraft(ctx context.Context, mediaID string, index int, a DraftArticle) error {
	return c.do(ctx, call{endpoint: "/cgi-bin/draft/update", body: map[string]any{"media_id": mediaID, "index": index, "articles": a}, idempotent: true})
}

// SavedArticle is an article as WeChat returns it from the draft box (with a temporary
// preview URL) or the published list (with its URL).
type SavedArticle struct {
	DraftArticle
	ThumbURL string `json:"thumb_url"`
	URL      string `json:"url"`
	// IsDeleted marks a published article deleted since (freepublish listings).
	IsDeleted bool `json:"is_deleted"`
}

// GetDraft returns a draft's articles.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Get_draft.html
func (c *Client) GetDraft(ctx context.Context, mediaID string) ([]SavedArticle, error) {
	var out struct {
		NewsItem []SavedArticle `json:"news_item"`
	}
	err := c.do(ctx, call{endpoint: "/cgi-bin/draft/get", body: map[string]any{"media_id": mediaID}, out: &out, idempotent: true})
	return out.NewsItem, err
}

// DraftItem is one draft in a listing.
type DraftItem struct {
	MediaID string `json:"media_id"`
	Content struct {
		NewsItem []SavedArticle `json:"news_item"`
	} `json:"content"`
	UpdateTime int64 `json:"update_time"`
}

// Drafts lists drafts, newest first (count 1..20).
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Get_draft_list.html
func (c *Client) Drafts(ctx context.Context, offset, count int, withContent bool) (total int, items []DraftItem, err error) {
	var out struct {
		TotalCount int         `json:"total_count"`
		Item       []DraftItem `json:"item"`
	}
	noContent := 1
	if withContent {
		noContent = 0
	}
	err = c.do(ctx, call{endpoint: "/cgi-bin/draft/batchget", body: map[string]any{"offset": offset, "count": count, "no_content": noContent}, out: &out, idempotent: true})
	return out.TotalCount, out.Item, err
}

// DeleteDraft deletes a draft.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Delete_draft.html
func (c *Client) DeleteDraft(ctx context.Context, mediaID string) error {
	return c.do(ctx, call{endpoint: "/cgi-bin/draft/delete", body: map[string]any{"media_id": mediaID}, idempotent: true})
}

// CountDrafts returns how many drafts the draft box holds.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Count_drafts.html
func (c *Client) CountDrafts(ctx context.Context) (int, error) {
	var out struct {
		TotalCount int `json:"total_count"`
	}
	// A GET, as documented (draft_count); it had been a POST of {}.
	err := c.do(ctx, call{endpoint: "/cgi-bin/draft/count", method: http.MethodGet, out: &out, idempotent: true})
	return out.TotalCount, err
}
