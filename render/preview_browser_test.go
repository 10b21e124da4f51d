package render

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"html"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// chromium finds Debian's chromium; .ci/run installs it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no chromium on PATH: install Debian's chromium (apt-get install chromium), as .ci/run does")
	return ""
}

func headless(t *testing.T, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--user-data-dir=" + t.TempDir(), "--window-size=375,812"}
	cmd := exec.CommandContext(ctx, chromium(t), append(base, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	return out
}

// measureScript reports, in light and then dark mode, how wide the page is against the
// 375 px viewport and how much article it shows.
const measureScript = `<script>
function m(id){var d=document.documentElement,e=document.getElementById(id),r=e.getBoundingClientRect();
var wide=0,boxes=0;e.querySelectorAll('*').forEach(function(n){
var s=getComputedStyle(n);if((s.overflowX=='auto'||s.overflowX=='scroll')&&n.scrollWidth>n.clientWidth)boxes++;
for(var p=n.parentElement;p&&p!==e;p=p.parentElement){var ps=getComputedStyle(p);if(ps.overflowX=='auto'||ps.overflowX=='scroll')return;}
var b=n.getBoundingClientRect();if(b.right>wide)wide=b.right;});
return {scroll:d.scrollWidth,client:d.clientWidth,right:wide,height:r.height,text:e.innerText.length,boxes:boxes};}
var light=m('light');document.getElementById('mode').checked=true;var dark=m('dark');
document.getElementById('mode').checked=false;
parent.postMessage(JSON.stringify({light:light,dark:dark}),'*');
</script></body>`

// harness shows the page in a 375 × 812 frame, the size of a phone's screen (headless
// Chromium will not make a window narrower than 500 px), and keeps what the page reports.
const harness = `<!doctype html><html><body style="margin:0;background:#fff">
<iframe src="probe.html" style="display:block;width:375px;height:812px;border:0"></iframe>
<script>window.addEventListener('message',function(e){document.body.setAttribute('data-metrics',e.data)});</script>
</body></html>`

type metrics struct {
	Scroll, Client int
	Right, Height  float64
	Text           int
	// Boxes counts the elements that scroll sideways inside the page (a wide table's).
	Boxes int
}

// measure loads a page in the phone frame and returns what it reports in light and dark
// mode, and a screenshot's path.
func measure(t *testing.T, page []byte) (light, dark metrics, shot string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "probe.html"), bytes.Replace(page, []byte("</body>"), []byte(measureScript), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "harness.html"), []byte(harness), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := headless(t, "--dump-dom", "--virtual-time-budget=5000", "file://"+filepath.Join(dir, "harness.html"))
	m := regexp.MustCompile(`data-metrics="([^"]*)"`).FindSubmatch(dom)
	if m == nil {
		t.Fatalf("the page reported no metrics: %.300s", dom)
	}
	var got struct{ Light, Dark metrics }
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &got); err != nil {
		t.Fatal(err)
	}
	shot = filepath.Join(dir, "shot.png")
	headless(t, "--screenshot="+shot, "--virtual-time-budget=2000", "file://"+filepath.Join(dir, "harness.html"))
	return got.Light, got.Dark, shot
}

var keepShots = flag.String("shots", "", "a folder to keep the preview screenshots in, to look at")

func copyFile(t *testing.T, from, to string) {
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func overflows(m metrics) bool {
	return m.Client != 375 || m.Scroll > m.Client || m.Right > float64(m.Client)+0.5
}

// inkShare is the share of sampled pixels in a screenshot that are not near-white.
func inkShare(t *testing.T, path string) float64 {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	ink, total := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			total++
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xa000 || g < 0xa000 || bl < 0xa000 {
				ink++
			}
		}
	}
	return float64(ink) / float64(total)
}

func TestPreviewInChromium(t *testing.T) {
	for _, name := range []string{"sample-135", "variations", "tables"} {
		t.Run(name, func(t *testing.T) {
			page, err := Preview(parse(t, "../issue/testdata/"+name+".md"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			light, dark, shot := measure(t, page)
			if name == "tables" {
				// The wide tables scroll in their own boxes; the page does not widen.
				for mode, g := range map[string]metrics{"light": light, "dark": dark} {
					if g.Boxes < 2 {
						t.Errorf("%s mode: %d sideways-scrolling boxes, want the 2 wide tables: %+v", mode, g.Boxes, g)
					}
				}
			}
			if *keepShots != "" {
				copyFile(t, shot, filepath.Join(*keepShots, name+".png"))
			}
			for mode, g := range map[string]metrics{"light": light, "dark": dark} {
				if overflows(g) {
					t.Errorf("%s mode overflows the 375 px phone: %+v", mode, g)
				}
				if g.Height < 600 || g.Text < 300 {
					t.Errorf("%s mode looks blank: %+v", mode, g)
				}
			}
			if s := inkShare(t, shot); s < 0.01 {
				t.Errorf("screenshot is nearly blank: %.3f of pixels are ink", s)
			}
		})
	}
	// The check itself catches overflow and blankness: a page with a 600 px wide block, and
	// an empty article.
	t.Run("control", func(t *testing.T) {
		page, err := Preview(parse(t, "../issue/testdata/split-headings.md"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		wide := bytes.Replace(page, []byte(`<div class="page light" id="light">`), []byte(`<div class="page light" id="light"><p style="width:600px">wide</p>`), 1)
		light, _, _ := measure(t, wide)
		if !overflows(light) {
			t.Errorf("a 600 px block was not seen as overflow: %+v", light)
		}
	})
}
