package publish

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"wxpub/store"
	"wxpub/wechat"
	"wxpub/wechat/sandbox"
)

// BenchmarkPublish publishes an issue with 10 images to a sandbox that takes 100 ms to
// answer every call, at several upload concurrencies, and reports the wall time beside the
// critical path: the calls that must follow one another (token, the rounds of uploads the
// concurrency allows, with the cover's lookup and upload beside them, then the draft).
// Target: within 1.3× of the critical path.
func BenchmarkPublish(b *testing.B) {
	const latency = 100 * time.Millisecond
	const images = 10
	for _, conc := range []int{1, 4, 10} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			rounds := (images + conc - 1) / conc
			critical := latency * time.Duration(1+max(rounds, 2)+1)
			var total time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dir := b.TempDir()
				path := benchIssue(b, dir, images)
				sb, err := sandbox.Start("", sandbox.Options{})
				if err != nil {
					b.Fatal(err)
				}
				sb.SetLatency(latency)
				st, err := store.Open(context.Background(), "sqlite://"+filepath.Join(dir, "wxpub.db"))
				if err != nil {
					b.Fatal(err)
				}
				c, _ := wechat.New(wechat.Options{AppID: sandbox.DemoAppID, AppSecret: sandbox.DemoAppSecret, BaseURL: sb.URL()})
				p := New(c, st, &recorder{}, nil)
				b.StartTimer()
				start := time.Now()
				if _, err := p.Run(context.Background(), path, Options{Concurrency: conc}); err != nil {
					b.Fatal(err)
				}
				total += time.Since(start)
				b.StopTimer()
				st.Close()
				sb.Close()
				b.StartTimer()
			}
			wall := total / time.Duration(b.N)
			b.ReportMetric(float64(wall.Milliseconds()), "wall-ms")
			b.ReportMetric(float64(critical.Milliseconds()), "critical-ms")
			b.ReportMetric(float64(wall)/float64(critical), "x-critical")
		})
	}
}

// benchIssue writes an issue with n distinct small images.
func benchIssue(b *testing.B, dir string, n int) string {
	b.Helper()
	var md string
	md = "No. 300\n\n# 周报 Weekly Review\n\n## 国内要闻 Domestic News\n\n### 图片\n\n"
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("p%d.png", i)
		writeFile(b, filepath.Join(dir, name), pngOf(nil, 40+i, 20, byte(i)))
		md += fmt.Sprintf("![%d](%s)\n\n", i, name)
	}
	md += "### Pictures\n\nBody.\n"
	path := filepath.Join(dir, "issue.md")
	writeFile(b, path, []byte(md))
	return path
}
