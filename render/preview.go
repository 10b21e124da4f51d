package render

import (
	"bytes"
	"html/template"
	"net/url"
	"path/filepath"
	"strings"

	"wxpub/issue"
)

// previewPage imitates the WeChat reader on a phone: a 375 px column, the article's title
// and byline above the content, white in light mode and #191919 in dark mode with the
// content recoloured as WeChat does (Theme.Dark). A checkbox switches modes without script.
var previewPage = template.Must(template.New("preview").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
  html, body { margin: 0; padding: 0; background: #ededed; }
  body { font-family: -apple-system, BlinkMacSystemFont, "Helvetica Neue", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", sans-serif; }
  .bar { max-width: 375px; margin: 0 auto; padding: 8px 16px; box-sizing: border-box; font-size: 13px; color: #576b95; }
  .bar label { cursor: pointer; }
  .phone { max-width: 375px; margin: 0 auto; box-sizing: border-box; }
  .page { padding: 20px 16px 40px; box-sizing: border-box; }
  /* The WeChat reader sets no margins on paragraphs; the article sets its own. */
  .page p { margin: 0; }
  .light { background: #ffffff; }
  .dark { background: {{.DarkBackground}}; display: none; }
  #mode:checked ~ .phone .light { display: none; }
  #mode:checked ~ .phone .dark { display: block; }
  h1 { margin: 0 0 12px; font-size: 22px; line-height: 1.4; font-weight: 500; }
  .light h1 { color: #222; } .dark h1 { color: #d6d6d6; }
  .byline { margin: 0 0 22px; font-size: 15px; color: #8c8c8c; }
  .byline .account { color: #576b95; margin-right: 8px; }
  .digest { margin: 0 0 16px; padding: 8px 12px; font-size: 13px; color: #8c8c8c; border-left: 3px solid #d9d9d9; }
</style>
</head>
<body>
<input type="checkbox" id="mode" hidden>
<div class="bar"><label for="mode">☾ 深色模式 Dark mode / ☀ 浅色 Light</label></div>
<div class="phone">
  <div class="page light" id="light">
    <h1>{{.Title}}</h1>
    <p class="byline">{{if .Author}}<span>{{.Author}}</span> {{end}}<span class="account">{{.Account}}</span><span>{{.Date}}</span></p>
    <div class="digest">{{.Digest}}</div>
    {{.Light}}
  </div>
  <div class="page dark" id="dark">
    <h1>{{.Title}}</h1>
    <p class="byline">{{if .Author}}<span>{{.Author}}</span> {{end}}<span class="account">{{.Account}}</span><span>{{.Date}}</span></p>
    {{.Dark}}
  </div>
</div>
</body>
</html>
`))

// Preview renders a standalone page that shows the article at phone width as a follower
// sees it, in light and dark mode.
//
// Local images are shown from the issue's folder unless opt.ImageURL maps them.
func Preview(is *issue.Issue, opt Options) ([]byte, error) {
	if opt.ImageURL == nil {
		dir, err := filepath.Abs(filepath.Dir(is.Path))
		if err != nil {
			return nil, err
		}
		opt.ImageURL = func(src string) string {
			if strings.Contains(src, "://") || strings.HasPrefix(src, "data:") {
				return src
			}
			if !filepath.IsAbs(src) {
				src = filepath.Join(dir, src)
			}
			return (&url.URL{Scheme: "file", Path: filepath.ToSlash(src)}).String()
		}
	}
	light, err := Render(is, opt)
	if err != nil {
		return nil, err
	}
	darkOpt := opt
	if opt.Theme == nil {
		if darkOpt.Theme, err = LoadTheme(DefaultTheme); err != nil {
			return nil, err
		}
	}
	darkOpt.Theme = darkOpt.Theme.Dark()
	dark, err := Render(is, darkOpt)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	err = previewPage.Execute(&b, map[string]any{
		"Title":          light.Title,
		"Author":         light.Author,
		"Digest":         light.Digest,
		"Account":        is.Title.In(issue.LangZh),
		"Date":           is.Date,
		"DarkBackground": DarkBackground,
		// The content is our own renderer's output, escaped where it holds text.
		"Light": template.HTML(light.Content),
		"Dark":  template.HTML(dark.Content),
	})
	return b.Bytes(), err
}
