package wechat

import (
	"context"
	"fmt"
)

// UploadImage uploads an image for article content (media/uploadimg: JPEG or PNG under
// 1 MB, not counted in the material quota) and returns the URL the content must use.
// A repeat after a lost answer only uploads the image again, so it is retried.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Adding_Permanent_Assets.html
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
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Adding_Permanent_Assets.html
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
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Get_materials_list.html
func (c *Client) Materials(ctx context.Context, offset, count int) (total int, items []Material, err error) {
	var out struct {
		TotalCount int        `json:"total_count"`
		Item       []Material `json:"item"`
	}
	err = c.do(ctx, call{endpoint: "/cgi-bin/material/batchget_material", body: map[string]any{"type": "image", "offset": offset, "count": count}, out: &out, idempotent: true})
	return out.TotalCount, out.Item, err
}

// MaxCoverImage is the largest permanent image material/add_material takes.
const MaxCoverImage = 10 << 20

// ContentImageOK reports whether media/uploadimg takes an image of this type (as
// http.DetectContentType names it) and size as it is: JPEG or PNG under 1 MB.
func ContentImageOK(kind string, size int) bool {
	return (kind == "image/jpeg" || kind == "image/png") && size < MaxUploadImage
}

// CoverImageOK reports whether material/add_material takes an image as it is: BMP, PNG,
// JPEG or GIF up to 10 MB (WebP, though documented, fails in practice).
func CoverImageOK(kind string, size int) bool {
	switch kind {
	case "image/jpeg", "image/png", "image/gif", "image/bmp":
		return size <= MaxCoverImage
	}
	return false
}
