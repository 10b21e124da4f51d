package wechat

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// UploadImage uploads an image for article content (media/uploadimg: JPEG or PNG under
// 1 MB, not counted in the material quota) and returns the URL the content must use.
// A repeat after a lost answer only uploads the image again, so it is retried.
func (c *Client) UploadImage(ctx context.Context, name string, data []byte) (string, error) {
	var out struct {
		URL string `json:"url"`
	}
	if err := c.do(ctx, call{endpoint: "/cgi-bin/media/uploadimg", file: &file{name, data}, out: &out, idempotent: true}); err != nil {
		return "", err
	}
	if out.URL == "" {
		return "", fmt.Errorf("wechat /cgi-bin/media/uploadimg: answer holds no url")
	}
	return out.URL, nil
}

// Material is a permanent image.
type Material struct {
	MediaID    string `json:"media_id"`
	Name       string `json:"name"`
	URL        string `json:"url"`
	UpdateTime int64  `json:"update_time"`
}

// AddMaterial uploads a permanent image (a cover) under name. Not retried: each success
// spends the account's material quota; find an earlier upload with Materials.
func (c *Client) AddMaterial(ctx context.Context, name string, data []byte) (Material, error) {
	var out Material
	err := c.do(ctx, call{endpoint: "/cgi-bin/material/add_material", query: map[string][]string{"type": {"image"}}, file: &file{name, data}, out: &out})
	if err == nil && out.MediaID == "" {
		err = fmt.Errorf("wechat /cgi-bin/material/add_material: answer holds no media_id")
	}
	out.Name = name
	return out, err
}

// Materials lists permanent images, newest first (count 1..20).
func (c *Client) Materials(ctx context.Context, offset, count int) (total int, items []Material, err error) {
	var out struct {
		TotalCount int        `json:"total_count"`
		Item       []Material `json:"item"`
	}
	err = c.do(ctx, call{endpoint: "/cgi-bin/material/batchget_material", body: map[string]any{"type": "image", "offset": offset, "count": count}, out: &out, idempotent: true})
	return out.TotalCount, out.Item, err
}

// AddDraft creates a draft and returns its media_id. Not retried: a repeat would make a
// second draft; find an earlier one with Drafts.
func (c *Client) AddDraft(ctx context.Context, articles ...Article) (string, error) {
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
func (c *Client) UpdateDraft(ctx context.Context, mediaID string, index int, a Article) error {
	return c.do(ctx, call{endpoint: "/cgi-bin/draft/update", body: map[string]any{"media_id": mediaID, "index": index, "articles": a}, idempotent: true})
}

// DraftArticle is an article as the draft box returns it, with its temporary preview URL.
type DraftArticle struct {
	Article
	ThumbURL string `json:"thumb_url"`
	URL      string `json:"url"`
}

// GetDraft returns a draft's articles.
func (c *Client) GetDraft(ctx context.Context, mediaID string) ([]DraftArticle, error) {
	var out struct {
		NewsItem []DraftArticle `json:"news_item"`
	}
	err := c.do(ctx, call{endpoint: "/cgi-bin/draft/get", body: map[string]any{"media_id": mediaID}, out: &out, idempotent: true})
	return out.NewsItem, err
}

// DraftItem is one draft in a listing.
type DraftItem struct {
	MediaID string `json:"media_id"`
	Content struct {
		NewsItem []DraftArticle `json:"news_item"`
	} `json:"content"`
	UpdateTime int64 `json:"update_time"`
}

// Drafts lists drafts, newest first (count 1..20).
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
func (c *Client) DeleteDraft(ctx context.Context, mediaID string) error {
	return c.do(ctx, call{endpoint: "/cgi-bin/draft/delete", body: map[string]any{"media_id": mediaID}, idempotent: true})
}

// CountDrafts returns how many drafts the draft box holds.
func (c *Client) CountDrafts(ctx context.Context) (int, error) {
	var out struct {
		TotalCount int `json:"total_count"`
	}
	err := c.do(ctx, call{endpoint: "/cgi-bin/draft/count", body: map[string]any{}, out: &out, idempotent: true})
	return out.TotalCount, err
}

// PublishJob is an accepted freepublish/submit.
type PublishJob struct {
	PublishID int64 `json:"publish_id"`
	MsgDataID int64 `json:"msg_data_id"`
}

// SubmitPublish asks WeChat to publish a draft; it returns at once, and PublishStatus tells
// how the job ends. Not retried: a repeat could publish twice.
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
func (c *Client) GetPublishStatus(ctx context.Context, publishID int64) (PublishStatus, error) {
	var out PublishStatus
	err := c.do(ctx, call{endpoint: "/cgi-bin/freepublish/get", body: map[string]any{"publish_id": publishID}, out: &out, idempotent: true})
	return out, err
}

// PublishedItem is one published article set in a listing.
type PublishedItem struct {
	ArticleID string `json:"article_id"`
	Content   struct {
		NewsItem []DraftArticle `json:"news_item"`
	} `json:"content"`
	UpdateTime int64 `json:"update_time"`
}

// Published lists published articles, newest first (count 1..20).
func (c *Client) Published(ctx context.Context, offset, count int) (total int, items []PublishedItem, err error) {
	var out struct {
		TotalCount int             `json:"total_count"`
		Item       []PublishedItem `json:"item"`
	}
	err = c.do(ctx, call{endpoint: "/cgi-bin/freepublish/batchget", body: map[string]any{"offset": offset, "count": count, "no_content": 1}, out: &out, idempotent: true})
	return out.TotalCount, out.Item, err
}

// Recipient is one phone a preview goes to: a follower's OpenID or a WeChat ID.
type Recipient struct {
	OpenID string
	WxName string
}

func (r Recipient) String() string {
	if r.OpenID != "" {
		return "openid:" + r.OpenID
	}
	return "wxname:" + r.WxName
}

var openIDRe = regexp.MustCompile(`^o[A-Za-z0-9_-]{20,40}$`)

// ParseRecipient reads "openid:X", "wxname:X", or a bare value: an OpenID when it looks like
// one (o followed by 20 or more letters, digits, _ or -), else a WeChat ID.
func ParseRecipient(s string) (Recipient, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return Recipient{}, errors.New("empty preview recipient")
	case strings.HasPrefix(s, "openid:"):
		return Recipient{OpenID: strings.TrimPrefix(s, "openid:")}, nil
	case strings.HasPrefix(s, "wxname:"):
		return Recipient{WxName: strings.TrimPrefix(s, "wxname:")}, nil
	case openIDRe.MatchString(s):
		return Recipient{OpenID: s}, nil
	}
	return Recipient{WxName: s}, nil
}

// Preview sends a draft to one phone (message/mass/preview). It takes exactly one
// recipient: there is no way to reach every follower through it.
func (c *Client) Preview(ctx context.Context, to Recipient, mediaID string) error {
	body := map[string]any{"msgtype": "mpnews", "mpnews": map[string]string{"media_id": mediaID}}
	switch {
	case to.OpenID != "" && to.WxName == "":
		body["touser"] = to.OpenID
	case to.WxName != "" && to.OpenID == "":
		body["towxname"] = to.WxName
	default:
		return fmt.Errorf("preview: exactly one of OpenID and WeChat ID is required, got %+v", to)
	}
	// Not retried: a preview whose answer was lost may have reached the phone, and a second
	// one is a second message (and spends the daily preview quota).
	return c.do(ctx, call{endpoint: "/cgi-bin/message/mass/preview", body: body})
}

// MassSend is an accepted mass send.
type MassSend struct {
	MsgID     int64 `json:"msg_id"`
	MsgDataID int64 `json:"msg_data_id"`
	// Existing is true when WeChat already had a send with this clientmsgid (45065): this
	// call sent nothing new.
	Existing bool `json:"-"`
}

// SendToAll mass-sends a draft to every follower (message/mass/sendall with is_to_all
// true). clientMsgID is required: WeChat refuses a second send with the same one, which
// makes the call safe to repeat, so it is retried.
func (c *Client) SendToAll(ctx context.Context, mediaID, clientMsgID string) (MassSend, error) {
	if clientMsgID == "" || len(clientMsgID) > 64 {
		return MassSend{}, errors.New("mass send: a clientmsgid of 1 to 64 bytes is required")
	}
	var out MassSend
	err := c.do(ctx, call{endpoint: "/cgi-bin/message/mass/sendall", out: &out, idempotent: true, body: map[string]any{
		"filter":              map[string]any{"is_to_all": true},
		"mpnews":              map[string]string{"media_id": mediaID},
		"msgtype":             "mpnews",
		"send_ignore_reprint": 0,
		"clientmsgid":         clientMsgID,
	}})
	var ae *APIError
	if errors.As(err, &ae) && ae.Code == CodeClientMsgIDExist && out.MsgID != 0 {
		out.Existing = true
		return out, nil
	}
	return out, err
}

// MassStatus returns a mass send's status ("SEND_SUCCESS", "SENDING", "SEND_FAIL", …).
func (c *Client) MassStatus(ctx context.Context, msgID int64) (string, error) {
	var out struct {
		MsgStatus string `json:"msg_status"`
	}
	err := c.do(ctx, call{endpoint: "/cgi-bin/message/mass/get", body: map[string]any{"msg_id": msgID}, out: &out, idempotent: true})
	return out.MsgStatus, err
}

// SendCustom sends a customer-service message (message/custom/send), msg being its JSON
// body. Not retried: a repeat would reach the follower twice.
func (c *Client) SendCustom(ctx context.Context, msg any) error {
	return c.do(ctx, call{endpoint: "/cgi-bin/message/custom/send", body: msg})
}
