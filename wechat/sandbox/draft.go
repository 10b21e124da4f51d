package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// validate applies draft/add's documented limits to one article and returns it as the
// draft box keeps it: <img> whose source is not an uploaded image is dropped, as the live
// editor does.
func (s *Sandbox) validate(a Article) (Article, []string, *apiError) {
	switch {
	case strings.TrimSpace(a.Title) == "" || strings.TrimSpace(a.Content) == "":
		return a, nil, fail(CodeEmptyNews, "empty news data: title and content are required")
	case utf8.RuneCountInString(a.Title) > 32:
		return a, nil, fail(CodeTitleTooLong, "title size out of limit: %d characters, at most 32", utf8.RuneCountInString(a.Title))
	case utf8.RuneCountInString(a.Author) > 16:
		return a, nil, fail(CodeAuthorTooLong, "author size out of limit: %d characters, at most 16", utf8.RuneCountInString(a.Author))
	case utf8.RuneCountInString(a.Digest) > 128:
		return a, nil, fail(CodeDigestTooLong, "digest size out of limit: %d characters, at most 128", utf8.RuneCountInString(a.Digest))
	case utf8.RuneCountInString(a.Content) >= 20000 || len(a.Content) >= 1<<20:
		return a, nil, fail(CodeContentTooLong, "content size out of limit: %d characters, must be under 20000", utf8.RuneCountInString(a.Content))
	case len(a.ContentSourceURL) > 1024:
		return a, nil, fail(CodeSourceURLTooLong, "content_source_url size out of limit")
	}
	s.mu.Lock()
	thumb, ok := s.materials[a.ThumbMediaID]
	s.mu.Unlock()
	if !ok {
		return a, nil, fail(CodeInvalidMediaID, "invalid media_id %q: thumb_media_id must be a permanent image", a.ThumbMediaID)
	}
	if err := checkCrop(a.PicCrop2351); err != nil {
		return a, nil, fail(CodeInvalidArgs, "invalid pic_crop_235_1: %v", err)
	}
	if err := checkCrop(a.PicCrop11); err != nil {
		return a, nil, fail(CodeInvalidArgs, "invalid pic_crop_1_1: %v", err)
	}
	a.ThumbURL = thumb.URL
	a.URL = ""
	var dropped []string
	a.Content = imgTag.ReplaceAllStringFunc(a.Content, func(tag string) string {
		m := imgSrc.FindStringSubmatch(tag)
		if m != nil && s.isUploaded(m[1]) {
			return tag
		}
		src := ""
		if m != nil {
			src = m[1]
		}
		dropped = append(dropped, src)
		return ""
	})
	// The editor removes scripts and <style> blocks, strips id attributes and the
	// positioning it does not allow (platform doc §2, "What the article editor keeps").
	a.Content = scriptTag.ReplaceAllString(a.Content, "")
	a.Content = styleTag.ReplaceAllString(a.Content, "")
	a.Content = idAttr.ReplaceAllString(a.Content, "")
	a.Content = positioned.ReplaceAllString(a.Content, "")
	if f := s.opt.EditorFilter; f != nil {
		a.Content = f(a.Content)
	}
	return a, dropped, nil
}

var (
	imgTag    = regexp.MustCompile(`(?i)<img\b[^>]*>`)
	imgSrc    = regexp.MustCompile(`(?i)\bsrc="([^"]*)"`)
	scriptTag = regexp.MustCompile(`(?is)<script\b.*?</script>`)
	styleTag  = regexp.MustCompile(`(?is)<style\b.*?</style>`)
	idAttr    = regexp.MustCompile(`(?i)\s+id="[^"]*"`)
	// position:absolute|fixed|sticky, inside a style.
	positioned = regexp.MustCompile(`(?i)position\s*:\s*(?:absolute|fixed|sticky)\s*;?`)
)

func (s *Sandbox) isUploaded(u string) bool {
	prefix := s.url + "/mmbiz/"
	if !strings.HasPrefix(u, prefix) {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.images[strings.TrimPrefix(u, prefix)]
	return ok
}

// checkCrop checks X1_Y1_X2_Y2 with fractions in [0,1] of at most six decimals.
func checkCrop(c string) error {
	if c == "" {
		return nil
	}
	parts := strings.Split(c, "_")
	if len(parts) != 4 {
		return fmt.Errorf("%q is not X1_Y1_X2_Y2", c)
	}
	var v [4]float64
	for i, p := range parts {
		if dot := strings.IndexByte(p, '.'); dot >= 0 && len(p)-dot-1 > 6 {
			return fmt.Errorf("%q has more than six decimals", p)
		}
		if _, err := fmt.Sscanf(p, "%g", &v[i]); err != nil || v[i] < 0 || v[i] > 1 {
			return fmt.Errorf("%q is not a fraction in [0,1]", p)
		}
	}
	if v[0] >= v[2] || v[1] >= v[3] {
		return fmt.Errorf("%q is an empty rectangle", c)
	}
	return nil
}

// handleDraftAdd is draft/add {"articles":[…]} → {"media_id"}.
func (s *Sandbox) handleDraftAdd(r *http.Request, body []byte) (map[string]any, *apiError) {
	var req struct {
		Articles []Article `json:"articles"`
	}
	if ae := decode(body, &req); ae != nil {
		return nil, ae
	}
	if len(req.Articles) == 0 {
		return nil, fail(CodeEmptyNews, "empty news data")
	}
	if len(req.Articles) > 8 {
		return nil, fail(CodeTooManyArticles, "article size out of limit: at most 8")
	}
	d := &Draft{Created: s.now()}
	for _, a := range req.Articles {
		a, dropped, ae := s.validate(a)
		if ae != nil {
			return nil, ae
		}
		d.Articles = append(d.Articles, a)
		d.FilteredSrc = append(d.FilteredSrc, dropped...)
	}
	d.Updated = d.Created
	s.mu.Lock()
	s.draftSeq++
	d.MediaID = fmt.Sprintf("sbxdraft_%04d_%s", s.draftSeq, s.newID(8))
	s.drafts[d.MediaID] = d
	s.mu.Unlock()
	return map[string]any{"media_id": d.MediaID}, nil
}

// draftOf reads a {"media_id"} request and finds its draft.
func (s *Sandbox) draftOf(body []byte) (*Draft, *apiError) {
	var req struct {
		MediaID string `json:"media_id"`
	}
	if ae := decode(body, &req); ae != nil {
		return nil, ae
	}
	return s.draft(req.MediaID)
}

func (s *Sandbox) draft(id string) (*Draft, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.drafts[id]
	if !ok {
		return nil, fail(CodeInvalidMediaID, "invalid media_id %q", id)
	}
	return d, nil
}

// handleDraftUpdate is draft/update {"media_id","index","articles":A}.
func (s *Sandbox) handleDraftUpdate(r *http.Request, body []byte) (map[string]any, *apiError) {
	var req struct {
		MediaID  string   `json:"media_id"`
		Index    *int     `json:"index"`
		Articles *Article `json:"articles"`
	}
	if ae := decode(body, &req); ae != nil {
		return nil, ae
	}
	d, ae := s.draft(req.MediaID)
	if ae != nil {
		return nil, ae
	}
	if req.Index == nil || req.Articles == nil {
		return nil, fail(CodeInvalidArgs, "invalid args: index and articles are required")
	}
	a, dropped, ae := s.validate(*req.Articles)
	if ae != nil {
		return nil, ae
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if *req.Index < 0 || *req.Index >= len(d.Articles) {
		return nil, fail(CodeInvalidArgs, "invalid args: index %d out of range", *req.Index)
	}
	d.Articles[*req.Index] = a
	d.FilteredSrc = append(d.FilteredSrc, dropped...)
	d.Updated = s.now()
	d.Updates++
	return nil, nil
}

func (s *Sandbox) draftItems(d *Draft, withContent bool) []Article {
	out := make([]Article, len(d.Articles))
	for i, a := range d.Articles {
		a.URL = s.url + "/s/draft/" + d.MediaID + "?idx=" + fmt.Sprint(i+1)
		if !withContent {
			a.Content = ""
		}
		out[i] = a
	}
	return out
}

// handleDraftGet is draft/get {"media_id"} → {"news_item":[A + url]}.
func (s *Sandbox) handleDraftGet(r *http.Request, body []byte) (map[string]any, *apiError) {
	d, ae := s.draftOf(body)
	if ae != nil {
		return nil, ae
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return map[string]any{"news_item": s.draftItems(d, true)}, nil
}

type page struct {
	Offset    int       `json:"offset"`
	Count     int       `json:"count"`
	NoContent flagOrInt `json:"no_content"`
}

// flagOrInt is no_content as the documentation writes it (0 or 1) or as
// silenceper/wechat v2.1.10 sends it (false or true, in PaginateDraft and Paginate). The
// documentation does not say what the live API makes of a boolean; the sandbox takes both
// rather than fail a widely used client the platform may well accept (found by the SDK
// conformance test, wechat/sdk).
type flagOrInt int

func (f *flagOrInt) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true":
		*f = 1
		return nil
	case "false", "null":
		*f = 0
		return nil
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flagOrInt(n)
	return nil
}

func (p page) check() *apiError {
	if p.Offset < 0 || p.Count < 1 || p.Count > 20 {
		return fail(CodeInvalidArgs, "invalid args: offset ≥ 0 and count 1..20")
	}
	return nil
}

// decodePage reads and checks a listing request.
func decodePage(body []byte) (page, *apiError) {
	var p page
	if ae := decode(body, &p); ae != nil {
		return p, ae
	}
	return p, p.check()
}

// newestPage returns the page p of items, newest first; s.mu is held.
func newestPage[T any](m map[string]T, at func(T) time.Time, id func(T) string, p page) (total int, out []T) {
	all := make([]T, 0, len(m))
	for _, v := range m {
		all = append(all, v)
	}
	sortNewest(all, at, id)
	if p.Offset < len(all) {
		out = all[p.Offset:min(len(all), p.Offset+p.Count)]
	}
	return len(all), out
}

// handleDraftBatchGet is draft/batchget {"offset","count","no_content"}, newest first.
func (s *Sandbox) handleDraftBatchGet(r *http.Request, body []byte) (map[string]any, *apiError) {
	req, ae := decodePage(body)
	if ae != nil {
		return nil, ae
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	total, drafts := newestPage(s.drafts, func(d *Draft) time.Time { return d.Updated }, func(d *Draft) string { return d.MediaID }, req)
	items := []map[string]any{}
	for _, d := range drafts {
		items = append(items, map[string]any{
			"media_id":    d.MediaID,
			"content":     map[string]any{"news_item": s.draftItems(d, req.NoContent == 0)},
			"update_time": d.Updated.Unix(),
		})
	}
	return map[string]any{"total_count": total, "item_count": len(items), "item": items}, nil
}

// handleDraftDelete is draft/delete {"media_id"}.
func (s *Sandbox) handleDraftDelete(r *http.Request, body []byte) (map[string]any, *apiError) {
	d, ae := s.draftOf(body)
	if ae != nil {
		return nil, ae
	}
	s.mu.Lock()
	delete(s.drafts, d.MediaID)
	s.mu.Unlock()
	return nil, nil
}

// handleDraftCount is draft/count → {"total_count"}.
func (s *Sandbox) handleDraftCount(r *http.Request, body []byte) (map[string]any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return map[string]any{"total_count": len(s.drafts)}, nil
}

// Drafts returns the drafts in the draft box, oldest first.
func (s *Sandbox) Drafts() []Draft {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Draft
	for _, k := range sortedKeys(s.drafts) {
		d := *s.drafts[k]
		d.Articles = append([]Article(nil), d.Articles...)
		out = append(out, d)
	}
	return out
}
