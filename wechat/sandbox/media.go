package sandbox

import (
	"bytes"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"time"
)

// Upload limits, as documented.
const (
	maxContentImage   = 1 << 20  // media/uploadimg: under 1 MB
	maxPermanentImage = 10 << 20 // material/add_material image: at most 10 MB
)

// formFile reads the multipart field "media".
func formFile(r *http.Request, body []byte) ([]byte, string, *apiError) {
	ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(ct, "multipart/") {
		return nil, "", fail(41005, "media data missing: expected multipart/form-data with field media")
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil, "", fail(41005, "media data missing")
		}
		if p.FormName() != "media" {
			continue
		}
		var b bytes.Buffer
		if _, err := b.ReadFrom(p); err != nil {
			return nil, "", fail(41005, "media data missing")
		}
		return b.Bytes(), p.FileName(), nil
	}
}

// sniff tells an image's type from its bytes, as the live API does (not from its name).
func sniff(data []byte) string {
	switch t := http.DetectContentType(data); t {
	case "image/jpeg", "image/png", "image/gif", "image/bmp", "image/webp":
		return t
	}
	return ""
}

// handleUploadImg is media/uploadimg: a JPEG or PNG under 1 MB for article content; it
// returns the URL the content must use.
func (s *Sandbox) handleUploadImg(r *http.Request, body []byte) (map[string]any, *apiError) {
	data, _, ae := formFile(r, body)
	if ae != nil {
		return nil, ae
	}
	t := sniff(data)
	if t != "image/jpeg" && t != "image/png" {
		return nil, fail(CodeInvalidFileType, "invalid file type: uploadimg takes jpg or png, got %s", orUnknown(t))
	}
	if len(data) >= maxContentImage {
		return nil, fail(CodeInvalidImageSize, "invalid image size: %d bytes, must be under 1 MB", len(data))
	}
	im := s.store(data, t, false, "")
	return map[string]any{"url": im.URL}, nil
}

func orUnknown(t string) string {
	if t == "" {
		return "an unknown type"
	}
	return t
}

// handleAddMaterial is material/add_material?type=image: a permanent image (bmp, png,
// jpeg, gif; 10 MB) with a media_id usable as a cover.
func (s *Sandbox) handleAddMaterial(r *http.Request, body []byte) (map[string]any, *apiError) {
	if typ := r.URL.Query().Get("type"); typ != "image" {
		return nil, fail(CodeInvalidMediaType, "invalid media type %q: the sandbox takes image", typ)
	}
	data, name, ae := formFile(r, body)
	if ae != nil {
		return nil, ae
	}
	t := sniff(data)
	if t == "" || t == "image/webp" {
		return nil, fail(CodeInvalidFileType, "invalid file type: %s", orUnknown(t))
	}
	if len(data) > maxPermanentImage {
		return nil, fail(CodeInvalidImageSize, "invalid image size: %d bytes, at most 10 MB", len(data))
	}
	im := s.store(data, t, true, name)
	return map[string]any{"media_id": im.MediaID, "url": im.URL}, nil
}

func (s *Sandbox) store(data []byte, t string, permanent bool, name string) *Image {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.newID(16)
	ext := strings.TrimPrefix(t, "image/")
	im := &Image{ID: id + "." + ext, Type: t, Data: data, Permanent: permanent, Name: name, Updated: s.now()}
	im.URL = s.url + "/mmbiz/" + im.ID
	if permanent {
		im.MediaID = "sbxmedia_" + s.newID(16)
		s.materials[im.MediaID] = im
	}
	s.images[im.ID] = im
	return im
}

// Uploads returns the images uploaded so far: content images (uploadimg) and permanent ones.
func (s *Sandbox) Uploads() (content, permanent []*Image) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range sortedKeys(s.images) {
		if im := s.images[k]; im.Permanent {
			permanent = append(permanent, im)
		} else {
			content = append(content, im)
		}
	}
	return content, permanent
}

func (s *Sandbox) serveImage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	im := s.images[strings.TrimPrefix(r.URL.Path, "/mmbiz/")]
	s.mu.Unlock()
	if im == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", im.Type)
	_, _ = w.Write(im.Data)
}

// handleBatchGetMaterial is material/batchget_material {"type":"image","offset","count"}:
// permanent images, newest first, with the file name each was uploaded under.
func (s *Sandbox) handleBatchGetMaterial(r *http.Request, body []byte) (map[string]any, *apiError) {
	var req struct {
		Type   string `json:"type"`
		Offset int    `json:"offset"`
		Count  int    `json:"count"`
	}
	if ae := decode(body, &req); ae != nil {
		return nil, ae
	}
	if req.Type != "image" {
		return nil, fail(CodeInvalidMediaType, "invalid media type %q", req.Type)
	}
	p := page{Offset: req.Offset, Count: req.Count}
	if ae := p.check(); ae != nil {
		return nil, ae
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	total, images := newestPage(s.materials, func(im *Image) time.Time { return im.Updated }, func(im *Image) string { return im.MediaID }, p)
	items := []map[string]any{}
	for _, im := range images {
		items = append(items, map[string]any{"media_id": im.MediaID, "name": im.Name, "update_time": im.Updated.Unix(), "url": im.URL})
	}
	return map[string]any{"total_count": total, "item_count": len(items), "item": items}, nil
}
