package sandbox

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"
)

var articlePage = template.Must(template.New("article").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{margin:0;background:#ededed;font-family:-apple-system,"PingFang SC","Noto Sans CJK SC",sans-serif}
.page{max-width:375px;margin:0 auto;background:#fff;padding:20px 16px 40px;box-sizing:border-box}
.page p{margin:0} h1{font-size:22px;font-weight:500;margin:0 0 12px;line-height:1.4}
.meta{color:#8c8c8c;font-size:15px;margin:0 0 22px}.note{max-width:375px;margin:0 auto;padding:8px 16px;font-size:13px;color:#576b95}</style>
</head><body><div class="note">{{.Note}}</div><div class="page">{{if .Cover}}<img src="{{.Cover}}" alt="cover" style="display:block;width:100%;margin:0 0 16px">{{end}}<h1>{{.Title}}</h1><p class="meta">{{.Author}}</p>{{.Content}}</div></body></html>`))

var indexPage = template.Must(template.New("index").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>wxpub sandbox</title></head><body style="font-family:sans-serif;max-width:640px;margin:2em auto">
<h1>WeChat API sandbox</h1><p>App ID {{.AppID}}. Published articles and drafts:</p>
<ul>{{range .Published}}<li>published: <a href="{{.URL}}">{{(index .Articles 0).Title}}</a></li>{{end}}
{{range .Drafts}}<li>draft: <a href="/s/draft/{{.MediaID}}">{{(index .Articles 0).Title}}</a></li>{{end}}</ul></body></html>`))

// serveArticle serves /s/ARTICLE_ID (published) and /s/draft/MEDIA_ID (a draft's preview).
func (s *Sandbox) serveArticle(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/s/")
	idx, _ := strconv.Atoi(r.URL.Query().Get("idx"))
	if idx < 1 {
		idx = 1
	}
	var a *Article
	note := ""
	s.mu.Lock()
	if id, ok := strings.CutPrefix(rest, "draft/"); ok {
		if d := s.drafts[id]; d != nil && idx <= len(d.Articles) {
			c := d.Articles[idx-1]
			a, note = &c, "Sandbox draft preview (not published)"
		}
	} else if j := s.articles[rest]; j != nil && idx <= len(j.Articles) {
		c := j.Articles[idx-1]
		a, note = &c, "Published in the WeChat API sandbox"
	}
	s.mu.Unlock()
	if a == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = articlePage.Execute(w, map[string]any{"Title": a.Title, "Author": a.Author, "Note": note, "Cover": a.ThumbURL,
		// The content is what a client sent to draft/add, shown as WeChat would show it.
		"Content": template.HTML(a.Content)})
}

func (s *Sandbox) serveIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = indexPage.Execute(w, map[string]any{"AppID": s.opt.AppID, "Published": s.publishedOK(), "Drafts": s.Drafts()})
}

func (s *Sandbox) publishedOK() []PublishJob {
	var out []PublishJob
	for _, j := range s.Published() {
		if j.Status == 0 {
			out = append(out, j)
		}
	}
	return out
}
