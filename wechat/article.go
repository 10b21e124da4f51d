// Package wechat speaks to the WeChat Official Account platform: one API client (tokens,
// retries, typed errcodes; a file per API area), the limits it enforces, so that wxpub
// can check an article before any call, and the message callback protocol (signatures,
// encryption, messages, replies, the handler).
package wechat

import "wxpub/internal/rawjson"

// DraftArticle is one article of a draft as draft/add and draft/update take it.
type DraftArticle struct {
	Title              string `json:"title"`
	Author             string `json:"author,omitempty"`
	Digest             string `json:"digest,omitempty"`
	Content            string `json:"content"`
	ContentSourceURL   string `json:"content_source_url,omitempty"`
	ThumbMediaID       string `json:"thumb_media_id"`
	NeedOpenComment    int    `json:"need_open_comment"`
	OnlyFansCanComment int    `json:"only_fans_can_comment"`
	PicCrop2351        string `json:"pic_crop_235_1,omitempty"`
	PicCrop11          string `json:"pic_crop_1_1,omitempty"`
}

// DraftAdd is the body of draft/add.
type DraftAdd struct {
	Articles []DraftArticle `json:"articles"`
}

// Limits of draft/add, from the platform documentation. Characters are Unicode code points.
const (
	MaxTitleChars   = 32
	MaxAuthorChars  = 16
	MaxDigestChars  = 128
	MaxContentChars = 20000   // content must have fewer
	MaxContentBytes = 1 << 20 // the content, as sent, must be smaller
	MaxSourceURL    = 1024    // content_source_url, bytes
	MaxUploadImage  = 1 << 20 // media/uploadimg: jpg or png under 1 MB
)

// Marshal encodes v as WeChat wants it: without Go's HTML escaping of < > & (which WeChat
// has rejected and mangled), and without the trailing newline json.Encoder adds.
func Marshal(v any) ([]byte, error) { return rawjson.Marshal(v) }
