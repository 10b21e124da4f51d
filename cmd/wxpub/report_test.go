package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"wxpub/internal/testenv"
	"wxpub/stats"
	"wxpub/wechat/follower"
	"wxpub/wechat/sandbox"
)

// reportShots, when set, keeps the report's screenshots there, to look at.
var reportShots = os.Getenv("WXPUB_REPORT_SHOTS")

// With the demo's issue published, a few hundred follower messages answered by the
// callback and a week of analytics fetched, the report draws every chart; it is one
// self-contained page that fits a phone and a desktop.
func TestReportDrawsEveryChart(t *testing.T) {
	// The sandbox's clock runs three days behind while the issue is published, so that
	// the analytics of the last days include its article.
	var offset atomic.Int64
	offset.Store(int64(-72 * time.Hour))
	sb := testenv.Sandbox(t, sandbox.Options{PublishDelay: 20 * time.Millisecond, TokenTTL: 30 * 24 * time.Hour,
		Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }})
	t.Setenv("WXPUB_WECHAT_APP_ID", sandbox.DemoAppID)
	t.Setenv("WXPUB_WECHAT_APP_SECRET", sandbox.DemoAppSecret)
	t.Setenv("WXPUB_WECHAT_API_BASE", sb.URL())
	t.Setenv("WXPUB_STORE_DSN", "sqlite://"+filepath.Join(t.TempDir(), "wxpub.db"))
	t.Setenv("WXPUB_WECHAT_TOKEN", "reporttoken")
	if _, err := run(t, "publish", sample, "--publish"); err != nil {
		t.Fatal(err)
	}
	offset.Store(0)
	// The callback, answering as followers ask, records what they ask.
	_, web, stop := envService(t)
	queries := []string{"个人信息", "区块链", "contact tracing", "数据出境", "量子计算", "最新", "GDPR", "暗网", "hello", "区块链 监管", "personal information", "苹果 谷歌"}
	for i := range 240 {
		f := follower.New(web.URL+"/wechat", "reporttoken", follower.Plain)
		f.OpenID = fmt.Sprintf("oFollower%019d", i%37)
		if _, err := f.Text(context.Background(), queries[i%len(queries)]); err != nil {
			t.Fatal(err)
		}
	}
	stop() // the service writes what insight queued
	// WeChat counts days in Beijing time: from 16:00 UTC on, its today is UTC's tomorrow.
	since := time.Now().In(stats.Beijing).AddDate(0, 0, -7).Format(time.DateOnly)
	if out, err := run(t, "stats", "fetch", "--since", since); err != nil || !strings.Contains(out, "Fetched the figures of 7 days") {
		t.Fatalf("stats fetch: %v\n%s", err, out)
	}

	page := filepath.Join(t.TempDir(), "report.html")
	if _, err := run(t, "report", "--since", "7d", "-o", page); err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, banned := range []string{"<script", `src="http`, `href="http`, "@import", "url("} {
		if strings.Contains(string(html), banned) {
			t.Errorf("the report is not self-contained: it has %q", banned)
		}
	}
	if strings.Contains(string(html), `class="empty"`) {
		t.Errorf("a chart is empty:\n%s", regexp.MustCompile(`<div class="empty">[^<]*`).FindAllString(string(html), -1))
	}
	// In Chromium, at a desktop's width and a phone's: six charts, each drawn and within
	// the page's width.
	for _, w := range []int{1280, 390} {
		probe := strings.Replace(string(html), "</body>", `<pre id="probe"></pre><script>
var out=[];document.querySelectorAll('section').forEach(function(s){var g=s.querySelector('svg');
var r=g?g.getBoundingClientRect():{width:0,height:0,right:0};
out.push({id:s.id,w:Math.round(r.width),h:Math.round(r.height),right:Math.round(r.right),shapes:g?g.querySelectorAll('path,rect').length:0});});
document.getElementById('probe').textContent=JSON.stringify({width:document.documentElement.clientWidth,scroll:document.documentElement.scrollWidth,charts:out});
</script></body>`, 1)
		probed := filepath.Join(t.TempDir(), "probe.html")
		os.WriteFile(probed, []byte(probe), 0o600)
		dom := string(headless(t, fmt.Sprintf("--window-size=%d,900", w), "--dump-dom", "file://"+probed))
		m := regexp.MustCompile(`<pre id="probe">([^<]*)</pre>`).FindStringSubmatch(dom)
		if m == nil {
			t.Fatalf("width %d: no probe in the page", w)
		}
		var got struct {
			Width, Scroll int
			Charts        []struct {
				ID          string
				W, H, Right int
				Shapes      int
			}
		}
		if err := json.Unmarshal([]byte(strings.ReplaceAll(m[1], "&#34;", `"`)), &got); err != nil {
			t.Fatalf("width %d: %v: %s", w, err, m[1])
		}
		if len(got.Charts) != 6 || got.Scroll > got.Width {
			t.Errorf("width %d: %d charts, page %d wide in %d", w, len(got.Charts), got.Scroll, got.Width)
		}
		for _, c := range got.Charts {
			if c.W < w/2 || c.H < 100 || c.Right > got.Width || c.Shapes < 5 {
				t.Errorf("width %d: chart %s is %dx%d (right %d), %d shapes", w, c.ID, c.W, c.H, c.Right, c.Shapes)
			}
		}
		if reportShots != "" {
			shot, _ := filepath.Abs(filepath.Join(reportShots, fmt.Sprintf("report-%d.png", w)))
			headless(t, fmt.Sprintf("--window-size=%d,3000", w), "--screenshot="+shot, "file://"+page)
		}
	}
}

// headless runs Debian's Chromium without a window.
func headless(t *testing.T, args ...string) []byte {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Fatal("no chromium on PATH: install Debian's chromium (apt-get install chromium), as .ci/run does")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + t.TempDir(), "--virtual-time-budget=2000"}
	out, err := exec.CommandContext(ctx, path, append(base, args...)...).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return out
}
