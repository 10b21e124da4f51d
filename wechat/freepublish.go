package wechat

import (
	"context"
	"fmt"
)

// PublishJob is an accepted freepublish/submit.
type PublishJob struct {
	PublishID int64 `json:"publish_id"`
	MsgDataID int64 `json:"msg_data_id"`
}

// SubmitPublish asks WeChat to publish a draft; it returns at once, and PublishStatus tells
// how the job ends. Not retried: a repeat could publish twice.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Publish/Publish.html
func (c *Client) SubmitPublish(ctx context.Context, mediaID string) (PublishJob, error) {
	var out PublishJob
	err := c.do(ctx, call{endpoint: "/cgi-bin/freepublish/submit", body: map[string]any{"media_id": mediaID}, out: &out})
	if err == nil && out.PublishID == 0 {
		err = fmt.Errorf("wechat /cgi-bin/freepublish/submit: answer holds no publish_id")
	}
	return out, err
}

// Publish statuses of freepublish/get.
const (
	PublishOK          = 0
	PublishPublishing  = 1
	PublishOriginality = 2
	PublishFailed      = 3
	PublishRejected    = 4
	PublishDeleted     = 5
	PublishBanned      = 6
)

// PublishStatusText says what a final publish status means, for people.
func PublishStatusText(status int) string {
	switch status {
	case PublishOK:
		return "published"
	case PublishPublishing:
		return "still publishing"
	case PublishOriginality:
		return "the originality check failed: the article repeats one already published as original"
	case PublishFailed:
		return "publishing failed on WeChat's side; try again later"
	case PublishRejected:
		return "rejected by WeChat's platform review; check the content against the platform rules"
	case PublishDeleted:
		return "the article was deleted by the account before publishing finished"
	case PublishBanned:
		return "the article was banned by the platform"
	}
	return fmt.Sprintf("unknown publish status %d", status)
}

// PublishStatus is freepublish/get's answer.
type PublishStatus struct {
	PublishID     int64  `json:"publish_id"`
	Status        int    `json:"publish_status"`
	ArticleID     string `json:"article_id"`
	ArticleDetail struct {
		Count int `json:"count"`
		Item  []struct {
			Idx        int    `json:"idx"`
			ArticleURL string `json:"article_url"`
		} `json:"item"`
	} `json:"article_detail"`
	FailIdx []int `json:"fail_idx"`
}

// URL is the first article's URL, once published.
func (p PublishStatus) URL() string {
	if len(p.ArticleDetail.Item) == 0 {
		return ""
	}
	return p.ArticleDetail.Item[0].ArticleURL
}

// GetPublishStatus asks how a publish job stands.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Publish/Get_status.html
func (c *Client) GetPublishStatus(ctx context.Context, publishID int64) (PublishStatus, error) {
	var out PublishStatus
	err := c.do(ctx, call{endpoint: "/cgi-bin/freepublish/get", body: map[string]any{"publish_id": publishID}, out: &out, idempotent: true})
	return out, err
}

// PublishedItem is one published article set in a listing.
type PublishedItem struct {
	ArticleID string `json:"article_id"`
	Content   struct {
		NewsItem []SavedArticle `json:"news_item"`
	} `json:"content"`
	UpdateTime int64 `json:"update_time"`
}

// Published lists published articles, newest first (count 1..20).
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Publish/Get_publication_records.html
func (c *Client) Published(ctx context.Context, offset, count int) (total int, items []PublishedItem, err error) {
	var out struct {
		TotalCount int             `json:"total_count"`
		Item       []PublishedItem `json:"item"`
	}
	err = c.do(ctx, call{endpoint: "/cgi-bin/freepublish/batchget", body: map[string]any{"offset": offset, "count": count, "no_content": 1}, out: &out, idempotent: true})
	return out.TotalCount, out.Item, err
}

// DeletePublished removes a published article (all of its group): its URL stops working.
// Idempotent in effect, but an already deleted article answers 53600, which callers
// that retry must treat as done.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Publish/Delete_posts.html
func (c *Client) DeletePublished(ctx context.Context, articleID string) error {
	return c.do(ctx, call{endpoint: "/cgi-bin/freepublish/delete", body: map[string]any{"article_id": articleID, "index": 0}, idempotent: true})
}

// PublishedArticle returns a published article's articles with their content and URLs.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Publish/Get_article_from_id.html
func (c *Client) PublishedArticle(ctx context.Context, articleID string) ([]SavedArticle, error) {
	var out struct {
		NewsItem []SavedArticle `json:"news_item"`
	}
	err := c.do(ctx, call{endpoint: "/cgi-bin/freepublish/getarticle", body: map[string]any{"article_id": articleID}, out: &out, idempotent: true})
	return out.NewsItem, err
}
