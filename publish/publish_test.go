package publish

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/bmp"

	"wxpub/internal/testenv"
	"wxpub/store"
	"wxpub/wechat"
	"wxpub/wechat/sandbox"
)

const (
	sampleIssue = "../issue/testdata/sample-135.md"
	withImages  = "../issue/testdata/variations.md"
)

// env is one test's world: a sandbox, a store and a publisher wired to both.
type env struct {
	t      *testing.T
	sb     *sandbox.Sandbox
	st     *store.Store
	client *wechat.Client
	pub    *Publisher
	steps  *recorder
	// timeout is the client's per-call timeout (envTimeout unless a test sets a shorter
	// one before restart).
	timeout time.Duration
}

// envTimeout is long, so that a loaded machine never times a call out: a call whose
// answer is lost that way may be repeated (uploadimg is retried), and the tests count
// calls exactly. A test that makes the sandbox hang sets a shorter one.
const envTimeout = 10 * time.Second

// recorder keeps the steps reported, and can act when one begins.
type recorder struct {
	mu     sync.Mutex
	steps  []string
	onStep func(string)
}

func (r *recorder) Step(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.mu.Lock()
	r.steps = append(r.steps, msg)
	f := r.onStep
	r.mu.Unlock()
	if f != nil {
		f(msg)
	}
}

func (r *recorder) Progress(string, int, int) {}

func newEnv(t *testing.T, opt sandbox.Options) *env {
	t.Helper()
	if opt.PublishDelay == 0 {
		opt.PublishDelay = 30 * time.Millisecond
	}
	sb := testenv.Sandbox(t, opt)
	st, err := store.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "wxpub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, sb: sb, st: st, steps: &recorder{}, timeout: envTimeout}
	e.restart()
	return e
}

// restart gives the env a new client and publisher over the same store and sandbox, as
// running the command again would.
func (e *env) restart() {
	e.t.Helper()
	var err error
	e.client, err = wechat.New(wechat.Options{AppID: sandbox.DemoAppID, AppSecret: sandbox.DemoAppSecret, BaseURL: e.sb.URL(),
		Timeout: e.timeout, Backoff: 5 * time.Millisecond})
	if err != nil {
		e.t.Fatal(err)
	}
	e.pub = New(e.client, e.st, e.steps, nil)
	e.pub.pollFirst, e.pub.retryWait, e.pub.reconcileWait = 10*time.Millisecond, 10*time.Millisecond, 2*time.Second
}

func (e *env) run(path string, opt Options) (*Result, error) {
	e.t.Helper()
	return e.pub.Run(context.Background(), path, opt)
}

// counts is what the sandbox holds: nothing in it may be duplicated.
type counts struct {
	contentUploads, covers, drafts, published, previews, mass int
}

func (e *env) counts() counts {
	content, permanent := e.sb.Uploads()
	c := counts{contentUploads: len(content), covers: len(permanent), drafts: len(e.sb.Drafts()), previews: len(e.sb.Previews()), mass: len(e.sb.MassSends())}
	for _, j := range e.sb.Published() {
		if j.Status == 0 {
			c.published++
		}
	}
	return c
}

var everything = Options{PreviewTo: []wechat.Recipient{{WxName: "staff_phone"}}, Publish: true, Broadcast: true}

func TestSampleToPublishedArticle(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	res, err := e.run(sampleIssue, everything)
	if err != nil {
		t.Fatal(err)
	}
	if res.ArticleURL == "" || res.Published != "published" || res.Draft != "created" || res.Cover != "generated and uploaded" || res.Broadcast != "sent" {
		t.Errorf("result = %+v", res)
	}
	resp, err := http.Get(res.ArticleURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(page, []byte("立方网络安全与数据合规周报 第135期")) || !bytes.Contains(page, []byte("Apple and Google Partner")) {
		t.Errorf("article page %d: %.200s", resp.StatusCode, page)
	}
	if c := e.counts(); c != (counts{contentUploads: 0, covers: 1, drafts: 1, published: 1, previews: 1, mass: 1}) {
		t.Errorf("sandbox holds %+v", c)
	}
	d := e.sb.Drafts()[0].Articles[0]
	if d.Digest == "" || d.PicCrop2351 == "" || d.PicCrop11 == "" || d.ThumbMediaID != res.CoverMediaID || len(e.sb.Drafts()[0].FilteredSrc) != 0 {
		t.Errorf("draft article = %+v", d)
	}
	stored, err := e.st.Issue(context.Background(), 135)
	if err != nil || stored.ArticleURL != res.ArticleURL || stored.CoverURL == "" {
		t.Errorf("stored issue %+v, %v", stored, err)
	}
	pub, _ := e.st.Publication(context.Background(), 135)
	if pub.Step != store.StepBroadcast || pub.ClientMsgID != "wxpub-issue-135" || pub.MassMsgID != res.MassMsgID {
		t.Errorf("publication = %+v", pub)
	}
}

func TestRerunRepeatsNothing(t *testing.T) {
	e := newEnv(t, sandbox.Options{MassQuota: 5})
	first, err := e.run(withImages, everything)
	if err != nil {
		t.Fatal(err)
	}
	want := counts{contentUploads: 2, covers: 1, drafts: 1, published: 1, previews: 1, mass: 1}
	if c := e.counts(); c != want {
		t.Fatalf("after the first run: %+v, want %+v", c, want)
	}
	// Both images went up, and the draft's content carries their uploaded URLs.
	content := e.sb.Drafts()[0].Articles[0].Content
	if strings.Count(content, e.sb.URL()+"/mmbiz/") != 2 || len(e.sb.Drafts()[0].FilteredSrc) != 0 {
		t.Errorf("draft images: %q", e.sb.Drafts()[0].FilteredSrc)
	}
	calls := len(e.sb.Calls())
	second, err := e.run(withImages, everything)
	if err != nil {
		t.Fatal(err)
	}
	if c := e.counts(); c != want {
		t.Errorf("a rerun duplicated something: %+v", c)
	}
	if second.ImagesReused != 2 || second.ImagesUploaded != 0 || second.Cover != "reused" || second.Draft != "unchanged" ||
		second.Published != "already published" || second.ArticleURL != first.ArticleURL || second.Broadcast != "already sent" || len(second.PreviewSkipped) != 1 {
		t.Errorf("second run = %+v", second)
	}
	if n := len(e.sb.Calls()) - calls; n != 0 {
		t.Errorf("a rerun with nothing to do made %d API calls", n)
	}
	// A changed source updates the same draft.
	dir := t.TempDir()
	src, _ := os.ReadFile(withImages)
	changed := filepath.Join(dir, "issue.md")
	os.WriteFile(changed, bytes.Replace(src, []byte("Body"), []byte("Body"), 1), 0o644)
	copyDir(t, filepath.Join(filepath.Dir(withImages), "images"), filepath.Join(dir, "images"))
	os.WriteFile(changed, bytes.Replace(src, []byte("通报了一批"), []byte("通报了第二批"), 1), 0o644)
	third, err := e.run(changed, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if third.Draft != "updated" || third.DraftMediaID != first.DraftMediaID || len(e.sb.Drafts()) != 1 || e.sb.Drafts()[0].Updates != 1 {
		t.Errorf("changed source: %+v, %d drafts", third, len(e.sb.Drafts()))
	}
	if !strings.Contains(e.sb.Drafts()[0].Articles[0].Content, "通报了第二批") {
		t.Error("the draft does not hold the change")
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(from)
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(from, e.Name()))
		os.WriteFile(filepath.Join(to, e.Name()), data, 0o644)
	}
}

func TestTokenExpiresMidRun(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	e.steps.onStep = func(s string) {
		if s == "create the draft" {
			e.sb.ExpireTokens()
		}
	}
	if _, err := e.run(withImages, Options{Publish: true}); err != nil {
		t.Fatal(err)
	}
	if f := e.sb.TokenFetches(); f != 2 {
		t.Errorf("%d token fetches, want 2 (the first, then one after expiry)", f)
	}
	if c := e.counts(); c.drafts != 1 || c.published != 1 {
		t.Errorf("sandbox holds %+v", c)
	}
}

func TestLintStopsBeforeAnyCall(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	dir := t.TempDir()
	path := filepath.Join(dir, "long.md")
	os.WriteFile(path, []byte("---\nnumber: 9\ntitle: "+strings.Repeat("很长的标题", 8)+"\n---\n## 国内要闻 Domestic News\n### 标题\n正文\n### Title\nBody\n"), 0o644)
	_, err := e.run(path, everything)
	var le *LintError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), path+":3: title") || !strings.Contains(err.Error(), "nothing was sent") {
		t.Fatalf("err = %v", err)
	}
	if n := len(e.sb.Calls()); n != 0 {
		t.Errorf("%d API calls after a lint error", n)
	}
	if _, err := e.st.Publication(context.Background(), 9); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a lint error wrote the store: %v", err)
	}
	// Content over WeChat's limit is caught the same way.
	var b strings.Builder
	b.WriteString("No. 10\n\n## 国内要闻 Domestic News\n")
	for i := 0; i < 40; i++ {
		b.WriteString("\n### 很长的新闻标题\n\n" + strings.Repeat("这是一段很长的正文。", 60) + "\n")
	}
	os.WriteFile(path, []byte(b.String()), 0o644)
	if _, err := e.run(path, Options{}); !errors.As(err, &le) || !strings.Contains(err.Error(), "characters as sent") {
		t.Errorf("over-long content: %v", err)
	}
	if n := len(e.sb.Calls()); n != 0 {
		t.Errorf("%d API calls after a lint error", n)
	}
}

func TestRetriesThenReportsClearly(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	e.timeout = 2 * time.Second // the hang below ends with it
	e.restart()
	// Passing trouble is retried away.
	e.sb.Inject(sandbox.Fault{Path: "/cgi-bin/media/uploadimg", Status: 503, Times: 2})
	e.sb.Inject(sandbox.Fault{Path: "/cgi-bin/draft/add", Status: 502, Times: 1})
	e.sb.Inject(sandbox.Fault{Path: "/cgi-bin/freepublish/get", Hang: true, Times: 1})
	res, err := e.run(withImages, Options{Publish: true})
	if err != nil {
		t.Fatalf("passing faults not retried: %v", err)
	}
	if c := e.counts(); c.drafts != 1 || c.contentUploads != 2 || c.published != 1 || res.ArticleURL == "" {
		t.Errorf("sandbox holds %+v", c)
	}
	// Lasting trouble is reported, naming the step and the failure.
	e2 := newEnv(t, sandbox.Options{})
	e2.sb.Inject(sandbox.Fault{Path: "/cgi-bin/draft/add", Status: 503})
	_, err = e2.run(withImages, Options{})
	var he *wechat.HTTPError
	if !errors.As(err, &he) || he.Status != 503 || !strings.Contains(err.Error(), "create draft of issue 136") {
		t.Errorf("lasting 503: %v", err)
	}
}

func TestBroadcastOncePerIssue(t *testing.T) {
	e := newEnv(t, sandbox.Options{MassQuota: 10})
	if _, err := e.run(sampleIssue, Options{Broadcast: true}); err != nil {
		t.Fatal(err)
	}
	// The store lost track of the send (say, the run died right after the call): the
	// clientmsgid still stops a second one.
	ctx := context.Background()
	pub, _ := e.st.Publication(ctx, 135)
	pub.MassMsgID = 0
	e.st.SavePublication(ctx, pub)
	res, err := e.run(sampleIssue, Options{Broadcast: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.sb.MassSends()); n != 1 || res.Broadcast != "already sent" {
		t.Errorf("%d mass sends, result %q", n, res.Broadcast)
	}
}

func TestFailedPublishStatus(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	e.sb.FailNextPublish(wechat.PublishRejected)
	_, err := e.run(sampleIssue, Options{Publish: true})
	var pe *PublishError
	if !errors.As(err, &pe) || pe.Status != 4 || !strings.Contains(err.Error(), "rejected by WeChat's platform review") {
		t.Fatalf("err = %v", err)
	}
	pub, _ := e.st.Publication(context.Background(), 135)
	if pub.Step != store.StepFailed || pub.PublishStatus != 4 {
		t.Errorf("publication = %+v", pub)
	}
	// Once fixed, a rerun publishes.
	res, err := e.run(sampleIssue, Options{Publish: true})
	if err != nil || res.ArticleURL == "" {
		t.Errorf("rerun: %+v %v", res, err)
	}
	// A draft that fails the publish check (53503) is reported as such.
	e.sb.FailNextPublishCheck()
	changed := filepath.Join(t.TempDir(), "issue.md")
	src, _ := os.ReadFile(sampleIssue)
	os.WriteFile(changed, bytes.Replace(src, []byte("2020年4月15日"), []byte("2020年4月16日"), 1), 0o644)
	_, err = e.run(changed, Options{Publish: true, Replace: true})
	var ae *wechat.APIError
	if !errors.As(err, &ae) || ae.Code != wechat.CodePublishCheck || !strings.Contains(err.Error(), "publish check") {
		t.Errorf("publish check: %v", err)
	}
}

// TestFaultAtEachStep injects a failure at each step of a full run. The run fails; a rerun
// completes, and nothing is duplicated.
func TestFaultAtEachStep(t *testing.T) {
	steps := []string{
		"/cgi-bin/stable_token", "/cgi-bin/media/uploadimg", "/cgi-bin/material/batchget_material", "/cgi-bin/material/add_material",
		"/cgi-bin/draft/add", "/cgi-bin/message/mass/preview", "/cgi-bin/freepublish/submit", "/cgi-bin/freepublish/get",
		"/cgi-bin/message/mass/sendall",
	}
	want := counts{contentUploads: 2, covers: 1, drafts: 1, published: 1, previews: 1, mass: 1}
	for _, path := range steps {
		for _, f := range []sandbox.Fault{{Status: 500}, {ErrCode: 45009}} {
			name := fmt.Sprintf("%s/%d%d", strings.TrimPrefix(path, "/cgi-bin/"), f.Status, f.ErrCode)
			t.Run(name, func(t *testing.T) {
				e := newEnv(t, sandbox.Options{})
				f.Path = path
				e.sb.Inject(f)
				want := want
				res, err := e.run(withImages, everything)
				if path == "/cgi-bin/message/mass/preview" && f.Status != 0 {
					// A lost preview answer may have been sent: reported, never repeated.
					if err != nil || len(res.PreviewUnknown) != 1 {
						t.Fatalf("lost preview answer: %+v %v", res, err)
					}
					want.previews = 0
				} else if err == nil {
					t.Fatal("the run succeeded despite the fault")
				}
				e.sb.ClearFaults()
				e.restart()
				if _, err := e.run(withImages, everything); err != nil {
					t.Fatalf("rerun: %v", err)
				}
				if c := e.counts(); c != want {
					t.Errorf("after a fault and a rerun: %+v, want %+v; the calls:\n%s", c, want, e.callLog())
				}
			})
		}
	}
}

// callLog lists the sandbox's calls, one a line, with when and what each was answered:
// which call was repeated, when a count is off.
func (e *env) callLog() string {
	var b strings.Builder
	calls := e.sb.Calls()
	for _, c := range calls {
		fmt.Fprintf(&b, "  %s %s %s errcode %d status %d\n", c.At.Sub(calls[0].At).Round(time.Millisecond), c.Method, c.Path, c.ErrCode, c.Status)
	}
	return b.String()
}

// TestLostAnswers: the call takes effect but its answer is lost (the run sees a 500). The
// run finds what the call did instead of doing it again.
func TestLostAnswers(t *testing.T) {
	want := counts{contentUploads: 2, covers: 1, drafts: 1, published: 1, previews: 1, mass: 1}
	for _, path := range []string{"/cgi-bin/material/add_material", "/cgi-bin/draft/add", "/cgi-bin/freepublish/submit", "/cgi-bin/message/mass/sendall"} {
		t.Run(strings.TrimPrefix(path, "/cgi-bin/"), func(t *testing.T) {
			e := newEnv(t, sandbox.Options{})
			e.sb.Inject(sandbox.Fault{Path: path, Status: 500, AfterProcessing: true, Times: 1})
			if _, err := e.run(withImages, everything); err != nil {
				t.Fatal(err)
			}
			if c := e.counts(); c != want {
				t.Errorf("after a lost answer: %+v, want %+v", c, want)
			}
		})
	}
	// A preview whose answer is lost was sent: it is reported as possibly sent and never
	// sent again, by this run or the next.
	t.Run("preview", func(t *testing.T) {
		e := newEnv(t, sandbox.Options{})
		e.sb.Inject(sandbox.Fault{Path: "/cgi-bin/message/mass/preview", Status: 502, AfterProcessing: true, Times: 1})
		res, err := e.run(withImages, everything)
		if err != nil || len(res.PreviewUnknown) != 1 || len(res.Previewed) != 0 {
			t.Fatalf("%+v %v", res, err)
		}
		if !slices.ContainsFunc(e.steps.steps, func(s string) bool {
			return strings.HasPrefix(s, "preview to wxname:staff_phone may have been sent") && strings.HasSuffix(s, "not repeated")
		}) {
			t.Errorf("not reported: %q", e.steps.steps)
		}
		e.restart()
		res, err = e.run(withImages, everything)
		if err != nil || len(res.PreviewUnknown) != 1 {
			t.Fatalf("rerun: %+v %v", res, err)
		}
		if c := e.counts(); c != want {
			t.Errorf("after a lost preview answer and a rerun: %+v, want %+v", c, want)
		}
	})
	// The run dies after draft/add took effect and before it could look for the draft: the
	// next run finds it.
	t.Run("draft/add then crash", func(t *testing.T) {
		e := newEnv(t, sandbox.Options{})
		e.sb.Inject(sandbox.Fault{Path: "/cgi-bin/draft/add", Status: 500, AfterProcessing: true, Times: 1})
		e.sb.Inject(sandbox.Fault{Path: "/cgi-bin/draft/batchget", Status: 500})
		if _, err := e.run(withImages, everything); err == nil {
			t.Fatal("the run succeeded")
		}
		pub, _ := e.st.Publication(context.Background(), 136)
		if pub.DraftStartedAt == 0 || pub.DraftMediaID != "" {
			t.Fatalf("publication = %+v", pub)
		}
		e.sb.ClearFaults()
		res, err := e.run(withImages, everything)
		if err != nil {
			t.Fatal(err)
		}
		if c := e.counts(); c != want || res.Draft != "recovered" {
			t.Errorf("after a crash: %+v (%s), want %+v", c, res.Draft, want)
		}
	})
	// Killed mid-run (the context ends at a step): the rerun finishes the job.
	for _, at := range []string{"create the draft", "publish draft", "send to all followers"} {
		t.Run("killed at "+at, func(t *testing.T) {
			e := newEnv(t, sandbox.Options{})
			ctx, cancel := context.WithCancel(context.Background())
			e.steps.onStep = func(s string) {
				if strings.HasPrefix(s, at) {
					cancel()
				}
			}
			if _, err := e.pub.Run(ctx, withImages, everything); err == nil {
				t.Fatal("the run was not stopped")
			}
			e.steps.onStep = nil
			if _, err := e.run(withImages, everything); err != nil {
				t.Fatal(err)
			}
			if c := e.counts(); c != want {
				t.Errorf("after a kill and a rerun: %+v, want %+v", c, want)
			}
		})
	}
}

func TestDryRunCallsNothing(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	dry := New(nil, e.st, e.steps, nil)
	res, err := dry.Run(context.Background(), withImages, Options{DryRun: true, Publish: true, Broadcast: true, PreviewTo: everything.PreviewTo})
	if err != nil {
		t.Fatal(err)
	}
	if !res.DryRun || res.ImagesUploaded != 2 || res.Cover != "uploaded" || res.Draft != "created" || res.Published != "published" || res.Broadcast != "sent" || len(res.Previewed) != 1 {
		t.Errorf("plan = %+v", res)
	}
	if n := len(e.sb.Calls()); n != 0 {
		t.Errorf("a dry run made %d calls", n)
	}
	if _, err := e.st.Publication(context.Background(), 136); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a dry run wrote the store: %v", err)
	}
	if _, err := dry.Run(context.Background(), withImages, Options{}); err == nil {
		t.Error("a publisher without an API ran a real publish")
	}
}

// testImages writes an issue whose images need work: a GIF, a BMP, a PNG over 1 MB, one
// served over HTTP, and ten more, to see the uploads run side by side.
func testImages(t *testing.T, dir string, extra int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 700, 700))
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(rnd.IntN(256))
	}
	var big bytes.Buffer
	png.Encode(&big, img)
	if big.Len() < 1<<20 {
		t.Fatalf("test PNG only %d bytes", big.Len())
	}
	os.WriteFile(filepath.Join(dir, "big.png"), big.Bytes(), 0o644)
	small := image.NewPaletted(image.Rect(0, 0, 40, 20), color.Palette{color.White, color.Black})
	var g bytes.Buffer
	gif.Encode(&g, small, nil)
	os.WriteFile(filepath.Join(dir, "anim.gif"), g.Bytes(), 0o644)
	var bm bytes.Buffer
	bmp.Encode(&bm, image.NewRGBA(image.Rect(0, 0, 30, 30)))
	os.WriteFile(filepath.Join(dir, "old.bmp"), bm.Bytes(), 0o644)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(pngOf(t, 50, 25, 9))
	}))
	t.Cleanup(srv.Close)
	var md strings.Builder
	md.WriteString("No. 200\n\n# 周报 Weekly Review\n\n## 国内要闻 Domestic News\n\n### 图片\n\n![gif](anim.gif) ![bmp](old.bmp) ![big](big.png) ![remote](" + srv.URL + "/chart.png)\n")
	for i := 0; i < extra; i++ {
		name := fmt.Sprintf("p%d.png", i)
		os.WriteFile(filepath.Join(dir, name), pngOf(t, 20+i, 10, byte(i)), 0o644)
		md.WriteString(fmt.Sprintf("\n![%d](%s)\n", i, name))
	}
	md.WriteString("\n### Pictures\n\nBody.\n")
	path := filepath.Join(dir, "issue.md")
	os.WriteFile(path, []byte(md.String()), 0o644)
	return path
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func pngOf(t testing.TB, w, h int, seed byte) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = seed + byte(i)
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func TestImagesAreConvertedAndUploadedTogether(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	e.sb.SetLatency(30 * time.Millisecond)
	path := testImages(t, t.TempDir(), 10)
	res, err := e.run(path, Options{Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	content, _ := e.sb.Uploads()
	if res.ImagesUploaded != 14 || len(content) != 14 {
		t.Fatalf("uploaded %d (sandbox %d), want 14", res.ImagesUploaded, len(content))
	}
	for _, im := range content {
		if (im.Type != "image/jpeg" && im.Type != "image/png") || len(im.Data) >= 1<<20 {
			t.Errorf("uploaded %s of %d bytes", im.Type, len(im.Data))
		}
	}
	if m := e.sb.MaxInFlight("/cgi-bin/media/uploadimg"); m < 2 || m > 4 {
		t.Errorf("at most %d uploads at once, want them side by side within the bound of 4", m)
	}
	if d := e.sb.Drafts(); len(d) != 1 || len(d[0].FilteredSrc) != 0 {
		t.Errorf("draft dropped images: %+v", d)
	}
}

func TestMissingImageStopsEarly(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	dir := t.TempDir()
	path := filepath.Join(dir, "issue.md")
	os.WriteFile(path, []byte("No. 3\n\n## 国内要闻 Domestic News\n\n### 标题\n\n正文\n\n![x](gone.png)\n\n### Title\n\nBody\n"), 0o644)
	_, err := e.run(path, Options{})
	if err == nil || !strings.Contains(err.Error(), path+":9") || !strings.Contains(err.Error(), "gone.png") {
		t.Errorf("err = %v", err)
	}
	if n := len(e.sb.Calls()); n != 0 {
		t.Errorf("%d calls before the missing image was noticed", n)
	}
}

func TestCrops(t *testing.T) {
	cases := []struct {
		w, h         int
		wide, square string
	}{
		{900, 383, "0_0.000028_1_0.999972", "0.287222_0_0.712778_1"},
		{1000, 1000, "0_0.287234_1_0.712766", "0_0_1_1"},
		{2350, 500, "0.25_0_0.75_1", "0.393617_0_0.606383_1"},
	}
	for _, c := range cases {
		wide, square, err := crops(pngOf(t, c.w, c.h, 0))
		if err != nil || wide != c.wide || square != c.square {
			t.Errorf("%dx%d: %s %s %v; want %s %s", c.w, c.h, wide, square, err, c.wide, c.square)
		}
	}
}

func TestGeneratedCover(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	if _, err := e.run(sampleIssue, Options{}); err != nil {
		t.Fatal(err)
	}
	_, permanent := e.sb.Uploads()
	if len(permanent) != 1 {
		t.Fatalf("%d covers", len(permanent))
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(permanent[0].Data))
	if err != nil || format != "png" || cfg.Width != CoverWidth || cfg.Height != CoverHeight {
		t.Errorf("cover %s %dx%d %v", format, cfg.Width, cfg.Height, err)
	}
}

// issueWithImages copies the issue with images, and its images, into a folder of the
// test's own, so the test may change or delete them.
func issueWithImages(t *testing.T) (dir, path string, src []byte) {
	t.Helper()
	dir = t.TempDir()
	src, err := os.ReadFile(withImages)
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, "issue.md")
	writeFile(t, path, src)
	copyDir(t, filepath.Join(filepath.Dir(withImages), "images"), filepath.Join(dir, "images"))
	return dir, path, src
}

// The dry run's plan is what the run then does: on a first run, a rerun with nothing
// changed, and a rerun after the issue changed (published again as a new article).
func TestPlanIsWhatTheRunDoes(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	_, path, src := issueWithImages(t)
	opt := everything
	opt.Broadcast, opt.Replace = false, true
	opt.PreviewTo = append(opt.PreviewTo, wechat.Recipient{OpenID: "oStaffPhone00000000000000001"})
	type outcome struct {
		ImagesUploaded, ImagesReused int
		Cover, Draft, Published      string
		Previewed, Skipped, Unknown  []string
		Broadcast                    string
		Republish                    bool
		PreviousURL                  string
	}
	of := func(r *Result) outcome {
		return outcome{r.ImagesUploaded, r.ImagesReused, r.Cover, r.Draft, r.Published, r.Previewed, r.PreviewSkipped, r.PreviewUnknown,
			r.Broadcast, r.Republish, r.PreviousURL}
	}
	dry := New(nil, e.st, e.steps, nil)
	for i, change := range []func(){
		func() {},
		func() {},
		func() {
			os.WriteFile(path, bytes.Replace(src, []byte("通报了一批"), []byte("通报了第二批"), 1), 0o644)
		},
	} {
		change()
		dopt := opt
		dopt.DryRun = true
		plan, err := dry.Run(context.Background(), path, dopt)
		if err != nil {
			t.Fatal(err)
		}
		calls := len(e.sb.Calls())
		got, err := e.run(path, opt)
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if p, g := of(plan), of(got); fmt.Sprint(p) != fmt.Sprint(g) {
			t.Errorf("run %d: plan %+v\n      run  %+v", i, p, g)
		}
		if n := len(e.sb.Calls()) - calls; i == 1 && n != 0 {
			t.Errorf("the plan said nothing changed, and the run made %d calls", n)
		}
	}
	if c := e.counts(); c.drafts != 1 || c.published != 2 || c.mass != 0 {
		t.Errorf("after three runs: %+v", c)
	}
	// The correction replaced the first article: one is live.
	if live := e.sb.Live(); len(live) != 1 || len(e.sb.Deleted()) != 1 {
		t.Errorf("live after the correction: %v, deleted %v", live, e.sb.Deleted())
	}
}

// A stored snapshot publishes with no access to the files it came from: the images come
// from the store.
func TestPublishFromTheStore(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	dir, path, _ := issueWithImages(t)
	imported, err := e.pub.Import(context.Background(), path)
	if err != nil || len(imported) != 1 {
		t.Fatalf("import: %v", err)
	}
	if n := len(e.sb.Calls()); n != 0 {
		t.Errorf("import made %d API calls", n)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	res, err := e.pub.Publish(context.Background(), imported[0].Snapshot.ID, everything)
	if err != nil {
		t.Fatal(err)
	}
	want := counts{contentUploads: 2, covers: 1, drafts: 1, published: 1, previews: 1, mass: 1}
	if c := e.counts(); c != want || res.ArticleURL == "" {
		t.Errorf("published from the store: %+v, want %+v (%+v)", c, want, res)
	}
	pub, _ := e.st.Publication(context.Background(), imported[0].Issue.Number)
	if pub.SnapshotID != imported[0].Snapshot.ID {
		t.Errorf("the publication does not name its snapshot: %q", pub.SnapshotID)
	}
	// An import with a missing image stores nothing.
	if _, err := e.pub.Import(context.Background(), withImages, filepath.Join(t.TempDir(), "missing.md")); err == nil {
		t.Error("an import with a missing file succeeded")
	}
}
