// Package report makes the page the firm looks at instead of reading tables: what
// followers asked (messages a day by outcome, the top queries and the top unanswered
// ones, the items most asked for), how the articles were read and shared, and how the
// followers grew, as charts. The page is one self-contained HTML file (charts are inline
// SVG drawn by github.com/wcharczuk/go-chart; no script, no external font), so it opens
// offline and mails as an attachment.
package report

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io"
	"sort"
	"time"

	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"

	"wxpub/store"
)

// Store is what a report reads; *store.Store (seen by the account) has it.
type Store interface {
	AskedSince(ctx context.Context, since time.Time) ([]store.Asked, error)
	TopQueries(ctx context.Context, since time.Time, limit int, outcomes ...string) ([]store.Count, error)
	TopItems(ctx context.Context, since time.Time, limit int) ([]store.Count, error)
	ItemTitles(ctx context.Context, id string) (string, error)
	FollowerDays(ctx context.Context, from string) ([]store.FollowerDay, error)
	ArticleTotals(ctx context.Context, from string) ([]store.ArticleDay, error)
}

// Chart is one chart of the page.
type Chart struct {
	ID, Title, Note string
	// Legend names the colours of the chart's series.
	Legend []Key
	// SVG is the chart; empty when there is nothing to draw yet (Empty says why).
	SVG   template.HTML
	Empty string
}

// Key is one colour of a legend.
type Key struct{ Name, Color string }

// Page is the report.
type Page struct {
	Title   string
	Period  string
	Made    string
	Summary string
	Charts  []Chart
}

// groups gather outcomes into what the reader cares about.
var groups = []struct {
	name     string
	outcomes []string
	color    drawing.Color
}{
	{"answered", []string{"items", "latest", "previous", "issue", "welcome"}, drawing.ColorFromHex("2e7d6b")},
	{"partial", []string{"partial"}, drawing.ColorFromHex("d9a441")},
	{"no match", []string{"no_match", "no_issue"}, drawing.ColorFromHex("c0392b")},
	{"help, greetings", []string{"help", "greeting", "thanks", "unsupported"}, drawing.ColorFromHex("7f8c9a")},
}

// Build gathers the report of the period since from, days counted in loc.
func Build(ctx context.Context, st Store, from time.Time, loc *time.Location, account string) (*Page, error) {
	now := time.Now().In(loc)
	p := &Page{Title: "wxpub report", Period: from.In(loc).Format("2006-01-02") + " – " + now.Format("2006-01-02"),
		Made: now.Format("2006-01-02 15:04 MST")}
	if account != "" {
		p.Title += " · " + account
	}
	asked, err := st.AskedSince(ctx, from)
	if err != nil {
		return nil, err
	}
	total, unanswered := len(asked), 0
	for _, a := range asked {
		if a.Outcome == "no_match" || a.Outcome == "partial" {
			unanswered++
		}
	}
	p.Summary = fmt.Sprintf("%d messages; %d found nothing or only part of what was asked.", total, unanswered)
	p.Charts = append(p.Charts, perDay(asked, from, now, loc))
	top, err := st.TopQueries(ctx, from, 10)
	if err != nil {
		return nil, err
	}
	p.Charts = append(p.Charts, bars("top", "Top queries", "how often each was asked", counts(top), drawing.ColorFromHex("2e7d6b")))
	gaps, err := st.TopQueries(ctx, from, 10, "no_match", "partial")
	if err != nil {
		return nil, err
	}
	p.Charts = append(p.Charts, bars("gaps", "Top unanswered queries", "found nothing, or only part: what to write about next",
		counts(gaps), drawing.ColorFromHex("c0392b")))
	items, err := st.TopItems(ctx, from, 10)
	if err != nil {
		return nil, err
	}
	var itemBars []chart.Value
	for _, c := range items {
		label := c.Value
		if t, err := st.ItemTitles(ctx, c.Value); err == nil {
			label += " " + t
		}
		itemBars = append(itemBars, chart.Value{Label: short(label, 9), Value: float64(c.N)})
	}
	p.Charts = append(p.Charts, bars("items", "Items most asked for", "answers that named the item", itemBars, drawing.ColorFromHex("3b6ea5")))
	day := from.In(loc).Format(time.DateOnly)
	arts, err := st.ArticleTotals(ctx, day)
	if err != nil {
		return nil, err
	}
	p.Charts = append(p.Charts, articles(arts))
	followers, err := st.FollowerDays(ctx, day)
	if err != nil {
		return nil, err
	}
	p.Charts = append(p.Charts, growth(followers))
	return p, nil
}

func counts(cs []store.Count) []chart.Value {
	var out []chart.Value
	for _, c := range cs {
		out = append(out, chart.Value{Label: short(c.Value, 12), Value: float64(c.N)})
	}
	return out
}

// short cuts a label to n Chinese characters' width (two Latin letters to one).
func short(s string, n int) string {
	w := 0
	for i, r := range s {
		if r > 0x2E80 {
			w += 2
		} else {
			w++
		}
		if w > 2*n {
			return s[:i] + "…"
		}
	}
	return s
}

var width, height = 720, 300

func style(c drawing.Color) chart.Style {
	return chart.Style{FillColor: c, StrokeColor: c, StrokeWidth: 1}
}

// svg renders a chart, or says why there is none.
func svg(r interface {
	Render(chart.RendererProvider, io.Writer) error
}) (template.HTML, error) {
	var b bytes.Buffer
	if err := r.Render(chart.SVG, &b); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

func bars(id, title, note string, values []chart.Value, c drawing.Color) Chart {
	ch := Chart{ID: id, Title: title, Note: note}
	if len(values) == 0 {
		ch.Empty = "Nothing recorded in this period yet."
		return ch
	}
	top := 0.0
	for i := range values {
		values[i].Style = style(c)
		top = max(top, values[i].Value)
	}
	g := chart.BarChart{Width: width, Height: height, BarWidth: max(20, min(60, (width-80)/len(values)-12)),
		Background: chart.Style{Padding: chart.Box{Top: 20, Left: 10, Right: 10, Bottom: 36}},
		XAxis:      chart.Style{FontSize: 9}, YAxis: chart.YAxis{Range: &chart.ContinuousRange{Min: 0, Max: top * 1.1},
			ValueFormatter: wholeNumber},
		Bars: values}
	var err error
	if ch.SVG, err = svg(g); err != nil {
		ch.Empty = "Could not draw: " + err.Error()
	}
	return ch
}

// perDay draws each day's messages, a line per kind of answer.
func perDay(asked []store.Asked, from, now time.Time, loc *time.Location) Chart {
	ch := Chart{ID: "days", Title: "Messages a day, by answer", Note: "how many messages each day got each kind of answer"}
	for _, g := range groups {
		ch.Legend = append(ch.Legend, Key{Name: g.name, Color: hex(g.color)})
	}
	if len(asked) == 0 {
		ch.Empty = "No follower messages recorded in this period yet (insight.enabled keeps them while wxpub serve answers)."
		return ch
	}
	start := time.Date(from.In(loc).Year(), from.In(loc).Month(), from.In(loc).Day(), 0, 0, 0, 0, loc)
	var days []time.Time
	for d := start; !d.After(now); d = d.AddDate(0, 0, 1) {
		days = append(days, d)
	}
	counts := make([][]float64, len(groups))
	for g := range counts {
		counts[g] = make([]float64, len(days))
	}
	for _, a := range asked {
		i := int(a.At.In(loc).Sub(start).Hours() / 24)
		if i < 0 || i >= len(days) {
			continue
		}
		for g, grp := range groups {
			for _, o := range grp.outcomes {
				if o == a.Outcome {
					counts[g][i]++
				}
			}
		}
	}
	var series []chart.Series
	for g, grp := range groups {
		series = append(series, chart.TimeSeries{Name: grp.name, XValues: days, YValues: counts[g],
			Style: chart.Style{StrokeColor: grp.color, StrokeWidth: 2.5, DotColor: grp.color, DotWidth: 3}})
	}
	g := chart.Chart{Width: width, Height: height, Series: series,
		Background: chart.Style{Padding: chart.Box{Top: 20, Left: 10, Right: 10, Bottom: 10}},
		XAxis:      chart.XAxis{ValueFormatter: chart.TimeValueFormatterWithFormat("01-02"), Style: chart.Style{FontSize: 8}},
		YAxis:      chart.YAxis{ValueFormatter: wholeNumber}}
	var err error
	if ch.SVG, err = svg(g); err != nil {
		ch.Empty = "Could not draw: " + err.Error()
	}
	return ch
}

// wholeNumber labels an axis with counts.
func wholeNumber(v interface{}) string {
	if f, ok := v.(float64); ok {
		return fmt.Sprintf("%.0f", f)
	}
	return ""
}

func hex(c drawing.Color) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// articles shows each article's readers in the period, its sharers in the label.
func articles(arts []store.ArticleDay) Chart {
	ch := Chart{ID: "reads", Title: "Reads and shares per article", Note: "readers of each article in the period (and how many shared it), from WeChat's analytics"}
	if len(arts) == 0 {
		ch.Empty = "No analytics fetched for this period (wxpub stats fetch, or the daily job of wxpub serve; verified accounts only)."
		return ch
	}
	if len(arts) > 10 {
		arts = arts[:10]
	}
	var values []chart.Value
	for _, a := range arts {
		values = append(values, chart.Value{Label: fmt.Sprintf("%s · %d shares", short(a.Title, 8), a.Shares), Value: float64(a.Reads)})
	}
	c := bars(ch.ID, ch.Title, ch.Note, values, drawing.ColorFromHex("3b6ea5"))
	return c
}

// growth draws the followers in all, day by day.
func growth(days []store.FollowerDay) Chart {
	ch := Chart{ID: "followers", Title: "Followers", Note: "followers in all, day by day, from WeChat's analytics"}
	if len(days) < 2 {
		ch.Empty = "Not enough analytics fetched for this period to draw growth (two days or more)."
		return ch
	}
	sort.Slice(days, func(i, j int) bool { return days[i].Day < days[j].Day })
	var xs []time.Time
	var ys []float64
	for _, d := range days {
		t, err := time.Parse(time.DateOnly, d.Day)
		if err != nil {
			continue
		}
		xs, ys = append(xs, t), append(ys, float64(d.Cumulated))
	}
	c := drawing.ColorFromHex("2e7d6b")
	g := chart.Chart{Width: width, Height: height,
		Background: chart.Style{Padding: chart.Box{Top: 20, Left: 10, Right: 10, Bottom: 10}},
		XAxis:      chart.XAxis{ValueFormatter: chart.TimeValueFormatterWithFormat("01-02"), Style: chart.Style{FontSize: 8}},
		YAxis:      chart.YAxis{ValueFormatter: wholeNumber},
		Series:     []chart.Series{chart.TimeSeries{XValues: xs, YValues: ys, Style: chart.Style{StrokeColor: c, StrokeWidth: 2, FillColor: c.WithAlpha(40)}}}}
	var err error
	if ch.SVG, err = svg(g); err != nil {
		ch.Empty = "Could not draw: " + err.Error()
	}
	return ch
}

var page = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{margin:0;background:#f4f5f7;color:#1d2330;font:15px/1.5 -apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif}
header{background:#1d3c34;color:#fff;padding:20px 24px}
header h1{margin:0;font-size:20px}header p{margin:4px 0 0;opacity:.85}
main{max-width:960px;margin:0 auto;padding:16px;display:grid;gap:16px}
section{background:#fff;border-radius:10px;padding:16px 16px 8px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
section h2{margin:0;font-size:16px}section p{margin:2px 0 8px;color:#5b6472;font-size:13px}
section svg{width:100%;height:auto;display:block}
.empty{padding:32px 8px;color:#7f8c9a;text-align:center}
.key{white-space:nowrap;margin-left:8px}.key i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
footer{text-align:center;color:#7f8c9a;font-size:12px;padding:8px 0 24px}
@media (prefers-color-scheme:dark){body{background:#15181d;color:#e6e8eb}section{background:#fff}section h2{color:#1d2330}}
</style></head><body>
<header><h1>{{.Title}}</h1><p>{{.Period}} · {{.Summary}}</p></header>
<main>
{{range .Charts}}<section id="{{.ID}}"><h2>{{.Title}}</h2><p>{{.Note}}{{range .Legend}} <span class="key"><i style="background:{{.Color}}"></i>{{.Name}}</span>{{end}}</p>{{if .SVG}}{{.SVG}}{{else}}<div class="empty">{{.Empty}}</div>{{end}}</section>
{{end}}</main>
<footer>Made by wxpub on {{.Made}}. Follower figures are counts; no follower is named or identifiable here.</footer>
</body></html>
`))

// Write writes the page.
func (p *Page) Write(w io.Writer) error { return page.Execute(w, p) }
