package sandbox

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// What differs per account, as the platform documents it (§5 of the platform doc): the IP
// whitelist (40164 naming the caller's address), endpoints an unverified account may not
// call (48001), each endpoint's daily call quota (45009, read with openapi/quota/get), the
// custom menu and the deletion of published articles.

// More errcodes of the account endpoints.
const (
	CodeInvalidIP         = 40164
	CodeUnauthorized      = 48001
	CodeButtonCount       = 40016
	CodeButtonType        = 40017
	CodeButtonName        = 40018
	CodeButtonKey         = 40019
	CodeButtonURL         = 40020
	CodeSubButtonCount    = 40023
	CodeSubButtonName     = 40025
	CodeSubButtonKey      = 40026
	CodeSubButtonURL      = 40027
	CodeMenuNotExist      = 46003
	CodeCGIPathNotFound   = 76021
	CodeInvalidArticleID  = 53600
	DefaultDailyCallLimit = 10000
)

// Unverified lists the endpoints an unverified or personal account may not call since 2025:
// every freepublish endpoint and the analytics. Pass it as Options.Unauthorized.
var Unverified = []string{"/cgi-bin/freepublish/", "/datacube/"}

// allowedIP reports whether the caller's address is on the whitelist, and the 40164 to
// answer when it is not.
func (s *Sandbox) allowedIP(r *http.Request) *apiError {
	s.mu.Lock()
	list := s.whitelist
	s.mu.Unlock()
	if list == nil {
		return nil
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	for _, ip := range list {
		if ip == host {
			return nil
		}
	}
	return fail(CodeInvalidIP, "invalid ip %s ipv6 ::ffff:%s, not in whitelist rid: %s", host, host, s.newID(8))
}

// SetWhitelist sets the addresses the account accepts calls from (nil: any).
func (s *Sandbox) SetWhitelist(ips ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.whitelist = ips
	if ips == nil {
		s.whitelist = nil
	}
}

// authorized answers 48001 for an endpoint the account may not call.
func (s *Sandbox) authorized(path string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.unauthorized {
		if strings.HasPrefix(path, p) {
			return fail(CodeUnauthorized, "api unauthorized rid: %s", s.newID(8))
		}
	}
	return nil
}

// SetUnauthorized sets the endpoints (path prefixes) the account may not call: Unverified
// for an unverified account, nil for a verified one.
func (s *Sandbox) SetUnauthorized(prefixes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unauthorized = prefixes
}

// countCall spends one of the endpoint's daily calls, or answers 45009 when none is left.
func (s *Sandbox) countCall(path string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.used[path] >= s.dailyLimit(path) {
		return fail(CodeDailyLimit, "reach max api daily quota limit rid: %s", s.newID(8))
	}
	s.used[path]++
	return nil
}

func (s *Sandbox) dailyLimit(path string) int {
	if n, ok := s.opt.DailyLimits[path]; ok {
		return n
	}
	return DefaultDailyCallLimit
}

// SetUsed sets how many of an endpoint's daily calls are spent (a quota nearly or wholly
// used, for tests).
func (s *Sandbox) SetUsed(path string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.used[path] = n
}

func (s *Sandbox) handleQuotaGet(r *http.Request, body []byte) (map[string]any, *apiError) {
	var req struct {
		CGIPath string `json:"cgi_path"`
	}
	if ae := decode(body, &req); ae != nil {
		return nil, ae
	}
	if !s.served(req.CGIPath) {
		return nil, fail(CodeCGIPathNotFound, "cgi_path not found, please check")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	limit, used := s.dailyLimit(req.CGIPath), s.used[req.CGIPath]
	return map[string]any{"quota": map[string]any{"daily_limit": limit, "used": used, "remain": max(0, limit-used)}}, nil
}

func (s *Sandbox) handleClearQuota(r *http.Request, body []byte) (map[string]any, *apiError) {
	var req struct {
		AppID string `json:"appid"`
	}
	if ae := decode(body, &req); ae != nil {
		return nil, ae
	}
	if req.AppID != s.opt.AppID {
		return nil, fail(CodeInvalidAppID, "invalid appid")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.used)
	return nil, nil
}

// served reports whether path is an API endpoint of the sandbox.
func (s *Sandbox) served(path string) bool {
	_, ok := s.endpoints[path]
	return ok
}

// MenuButton is a button of the custom menu as menu/create takes it.
type MenuButton struct {
	Type      string       `json:"type,omitempty"`
	Name      string       `json:"name"`
	Key       string       `json:"key,omitempty"`
	URL       string       `json:"url,omitempty"`
	MediaID   string       `json:"media_id,omitempty"`
	AppID     string       `json:"appid,omitempty"`
	PagePath  string       `json:"pagepath,omitempty"`
	ArticleID string       `json:"article_id,omitempty"`
	SubButton []MenuButton `json:"sub_button,omitempty"`
}

var menuTypes = map[string]bool{"click": true, "view": true, "miniprogram": true, "scancode_push": true,
	"scancode_waitmsg": true, "pic_sysphoto": true, "pic_photo_or_album": true, "pic_weixin": true,
	"location_select": true, "media_id": true, "article_id": true, "article_view_limited": true}

// checkButton checks one button against the documented limits; sub says it is a
// sub-button (longer names, its own errcodes).
func checkButton(b MenuButton, sub bool) *apiError {
	nameLimit, nameCode, keyCode, urlCode := 16, CodeButtonName, CodeButtonKey, CodeButtonURL
	if sub {
		nameLimit, nameCode, keyCode, urlCode = 60, CodeSubButtonName, CodeSubButtonKey, CodeSubButtonURL
	}
	if b.Name == "" || len(b.Name) > nameLimit {
		return fail(nameCode, "invalid button name size")
	}
	if len(b.SubButton) > 0 {
		if sub {
			return fail(CodeSubButtonCount, "invalid sub button size")
		}
		return nil
	}
	if !menuTypes[b.Type] {
		return fail(CodeButtonType, "invalid button type")
	}
	switch b.Type {
	case "view":
		if b.URL == "" || len(b.URL) > 1024 || !(strings.HasPrefix(b.URL, "http://") || strings.HasPrefix(b.URL, "https://")) {
			return fail(urlCode, "invalid button url size")
		}
	case "miniprogram":
		if b.AppID == "" || b.PagePath == "" || b.URL == "" {
			return fail(CodeInvalidArgs, "invalid args: miniprogram needs appid, pagepath and url")
		}
	case "media_id", "article_id", "article_view_limited":
		if b.MediaID == "" && b.ArticleID == "" {
			return fail(CodeInvalidArgs, "invalid args: %s needs media_id or article_id", b.Type)
		}
	default:
		if b.Key == "" || len(b.Key) > 128 {
			return fail(keyCode, "invalid button key size")
		}
	}
	return nil
}

func (s *Sandbox) handleMenuCreate(r *http.Request, body []byte) (map[string]any, *apiError) {
	var req struct {
		Button []MenuButton `json:"button"`
	}
	if ae := decode(body, &req); ae != nil {
		return nil, ae
	}
	if len(req.Button) == 0 || len(req.Button) > 3 {
		return nil, fail(CodeButtonCount, "invalid button size")
	}
	for _, b := range req.Button {
		if ae := checkButton(b, false); ae != nil {
			return nil, ae
		}
		if len(b.SubButton) > 5 {
			return nil, fail(CodeSubButtonCount, "invalid sub button size")
		}
		for _, sb := range b.SubButton {
			if !utf8.ValidString(sb.Name) {
				return nil, fail(CodeSubButtonName, "invalid sub button name size")
			}
			if ae := checkButton(sb, true); ae != nil {
				return nil, ae
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.menu = req.Button
	s.menuID++
	return nil, nil
}

func (s *Sandbox) handleMenuGet(r *http.Request, body []byte) (map[string]any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.menu == nil {
		return nil, fail(CodeMenuNotExist, "menu no exist")
	}
	return map[string]any{"menu": map[string]any{"button": menuAnswer(s.menu), "menuid": s.menuID}}, nil
}

// menuAnswer is the menu as menu/get writes it: every button carries sub_button, an empty
// list on a leaf, as the documented example shows (menu/create takes it omitted).
func menuAnswer(buttons []MenuButton) []map[string]any {
	out := make([]map[string]any, 0, len(buttons))
	for _, b := range buttons {
		data, _ := json.Marshal(b)
		var m map[string]any
		json.Unmarshal(data, &m)
		m["sub_button"] = menuAnswer(b.SubButton)
		out = append(out, m)
	}
	return out
}

func (s *Sandbox) handleMenuDelete(r *http.Request, body []byte) (map[string]any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.menu = nil
	return nil, nil
}

// handleSelfMenuInfo answers get_current_selfmenu_info: the live menu, sub-buttons under
// {"list": […]} as the documentation shows.
func (s *Sandbox) handleSelfMenuInfo(r *http.Request, body []byte) (map[string]any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.menu == nil {
		return map[string]any{"is_menu_open": 0, "selfmenu_info": map[string]any{"button": []any{}}}, nil
	}
	var buttons []map[string]any
	for _, b := range s.menu {
		m := selfMenuButton(b)
		if len(b.SubButton) > 0 {
			var list []map[string]any
			for _, sb := range b.SubButton {
				list = append(list, selfMenuButton(sb))
			}
			m["sub_button"] = map[string]any{"list": list}
		}
		buttons = append(buttons, m)
	}
	return map[string]any{"is_menu_open": 1, "selfmenu_info": map[string]any{"button": buttons}}, nil
}

func selfMenuButton(b MenuButton) map[string]any {
	raw, _ := json.Marshal(b)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	delete(m, "sub_button")
	if b.Type == "view" {
		m["value"] = b.URL
	}
	return m
}

// Menu returns the live custom menu (nil when none is set).
func (s *Sandbox) Menu() []MenuButton {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]MenuButton(nil), s.menu...)
}

// articleRequest reads a freepublish request naming an article, and finds the article
// (s.mu held by the caller).
type articleRequest struct {
	ArticleID string `json:"article_id"`
	Index     int    `json:"index"`
}

func (s *Sandbox) publishedArticle(req articleRequest) (*PublishJob, *apiError) {
	job := s.articles[req.ArticleID]
	if job == nil {
		return nil, fail(CodeInvalidArticleID, "invalid article_id hint: [%s]", s.newID(4))
	}
	return job, nil
}

func (s *Sandbox) handlePublishDelete(r *http.Request, body []byte) (map[string]any, *apiError) {
	var req articleRequest
	if ae := decode(body, &req); ae != nil {
		return nil, ae
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	job, ae := s.publishedArticle(req)
	if ae != nil {
		return nil, ae
	}
	if req.Index < 0 || req.Index > len(job.Articles) {
		return nil, fail(CodeInvalidArgs, "invalid index")
	}
	// index 0 (or absent) deletes the whole article group, as documented.
	delete(s.articles, req.ArticleID)
	for i := range job.Articles {
		job.Articles[i].IsDeleted = true
	}
	s.deleted = append(s.deleted, req.ArticleID)
	return nil, nil
}

// Deleted returns the article IDs deleted with freepublish/delete.
func (s *Sandbox) Deleted() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.deleted...)
}

// Live returns the URLs of the articles live now (published and not deleted), by article
// ID.
func (s *Sandbox) Live() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for id, j := range s.articles {
		out[id] = j.URL
	}
	return out
}

func (s *Sandbox) handlePublishGetArticle(r *http.Request, body []byte) (map[string]any, *apiError) {
	var req articleRequest
	if ae := decode(body, &req); ae != nil {
		return nil, ae
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	job, ae := s.publishedArticle(req)
	if ae != nil {
		return nil, ae
	}
	return map[string]any{"news_item": publishedArticles(job.Articles)}, nil
}

// publishedArticle is an article as freepublish answers name it: is_deleted always written
// (the documented examples carry it), where the draft box leaves it out.
type publishedArticle struct {
	Article
	IsDeleted bool `json:"is_deleted"`
}

func publishedArticles(as []Article) []publishedArticle {
	out := make([]publishedArticle, len(as))
	for i, a := range as {
		out[i] = publishedArticle{Article: a, IsDeleted: a.IsDeleted}
	}
	return out
}

// AddForeign publishes an article as if another tool had (the firm's earlier issues made
// in another editor): it is listed by freepublish/batchget and read by getarticle. It
// returns the article's ID and URL.
func (s *Sandbox) AddForeign(a Article, published time.Time) (id, url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobSeq++
	job := &PublishJob{PublishID: s.jobSeq, Status: 0, ArticleID: "sbxart_" + s.newID(12), Done: published}
	job.URL = s.url + "/s/" + job.ArticleID
	a.URL = job.URL
	job.Articles = []Article{a}
	s.jobs[job.PublishID] = job
	s.articles[job.ArticleID] = job
	return job.ArticleID, job.URL
}
