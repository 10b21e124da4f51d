package wechat

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"wxpub/internal/testenv"
	"wxpub/wechat/sandbox"
)

func newClient(t *testing.T, sb *sandbox.Sandbox, opt Options) *Client {
	t.Helper()
	opt.AppID, opt.AppSecret, opt.BaseURL = sandbox.DemoAppID, sandbox.DemoAppSecret, sb.URL()
	if opt.Backoff == 0 {
		opt.Backoff = 5 * time.Millisecond
	}
	c, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func pngBytes(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, x%h, color.RGBA{200, 30, 50, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func article(t *testing.T, ctx context.Context, c *Client) DraftArticle {
	t.Helper()
	m, err := c.AddMaterial(ctx, "cover.png", pngBytes(t, 90, 38))
	if err != nil {
		t.Fatal(err)
	}
	return DraftArticle{Title: "周报 第1期", Author: "立方", Digest: "摘要", Content: `<section style="color:#333"><p>a &amp; b &lt; c</p></section>`, ThumbMediaID: m.MediaID}
}

func TestOneTokenForConcurrentCalls(t *testing.T) {
	sb := testenv.Sandbox(t, sandbox.Options{})
	c := newClient(t, sb, Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.CountDrafts(context.Background()); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := sb.TokenFetches(); n != 1 {
		t.Errorf("%d token fetches for 200 concurrent calls, want 1", n)
	}
	if n := sb.Count("/cgi-bin/stable_token"); n != 1 {
		t.Errorf("stable_token is the default: %d stable_token calls", n)
	}
}

func TestTokenErrorsRefreshOnce(t *testing.T) {
	ctx := context.Background()
	sb := testenv.Sandbox(t, sandbox.Options{})
	c := newClient(t, sb, Options{})
	if _, err := c.CountDrafts(ctx); err != nil {
		t.Fatal(err)
	}
	// The token expires mid-run: the call is answered 42001, the token dropped, the call
	// repeated with a new one.
	sb.ExpireTokens()
	if _, err := c.CountDrafts(ctx); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if n := sb.TokenFetches(); n != 2 {
		t.Errorf("%d token fetches, want 2", n)
	}
	expired := 0
	for _, call := range sb.Calls() {
		if call.ErrCode == sandbox.CodeTokenExpired {
			expired++
		}
	}
	if expired != 1 {
		t.Errorf("%d calls answered 42001, want 1", expired)
	}
	// 40001 and 40014 likewise; but only once per call.
	for _, code := range []int{CodeInvalidCredential, CodeInvalidToken} {
		sb.Inject(sandbox.Fault{Path: "/cgi-bin/draft/count", ErrCode: code, Times: 1})
		if _, err := c.CountDrafts(ctx); err != nil {
			t.Errorf("errcode %d not recovered: %v", code, err)
		}
	}
	sb.Inject(sandbox.Fault{Path: "/cgi-bin/draft/count", ErrCode: CodeTokenExpired, Times: 2})
	_, err := c.CountDrafts(ctx)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != CodeTokenExpired {
		t.Errorf("a second token error must be reported, got %v", err)
	}
	// 48001 is a permission problem: reported as is, no token refresh.
	before := sb.TokenFetches()
	sb.Inject(sandbox.Fault{Path: "/cgi-bin/draft/count", ErrCode: CodeUnauthorized, Times: 1})
	_, err = c.CountDrafts(ctx)
	if !errors.As(err, &ae) || ae.Code != CodeUnauthorized || !strings.Contains(err.Error(), "not verified") {
		t.Errorf("48001: %v", err)
	}
	if sb.TokenFetches() != before {
		t.Error("48001 refreshed the token")
	}
}

func TestRetries(t *testing.T) {
	ctx := context.Background()
	sb := testenv.Sandbox(t, sandbox.Options{})
	c := newClient(t, sb, Options{Timeout: 300 * time.Millisecond})
	if _, err := c.CountDrafts(ctx); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		fault sandbox.Fault
	}{
		{"5xx", sandbox.Fault{Path: "/cgi-bin/draft/count", Status: 503, Times: 2}},
		{"timeout", sandbox.Fault{Path: "/cgi-bin/draft/count", Hang: true, Times: 1}},
		{"system busy", sandbox.Fault{Path: "/cgi-bin/draft/count", ErrCode: -1, Times: 3}},
	}
	for _, cs := range cases {
		t.Run(cs.name, func(t *testing.T) {
			sb.Inject(cs.fault)
			if _, err := c.CountDrafts(ctx); err != nil {
				t.Errorf("not recovered: %v", err)
			}
		})
	}
	// A failure that persists is reported clearly, with how often it was tried.
	sb.Inject(sandbox.Fault{Path: "/cgi-bin/draft/count", Status: 502})
	_, err := c.CountDrafts(ctx)
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != 502 || !strings.Contains(err.Error(), "gave up after 4 attempts") {
		t.Errorf("persistent 502: %v", err)
	}
	sb.ClearFaults()
	sb.Inject(sandbox.Fault{Path: "/cgi-bin/draft/count", Hang: true})
	start := time.Now()
	_, err = c.CountDrafts(ctx)
	if err == nil || !strings.Contains(err.Error(), "no answer within 300ms") || time.Since(start) > 3*time.Second {
		t.Errorf("persistent timeout: %v after %s", err, time.Since(start))
	}
	if strings.Contains(err.Error(), "access_token") {
		t.Errorf("error shows the token: %v", err)
	}
	sb.ClearFaults()
	// A call that would duplicate its effect is not repeated by the client.
	a := article(t, ctx, c)
	sb.Inject(sandbox.Fault{Path: "/cgi-bin/draft/add", Status: 500, Times: 1})
	if _, err := c.AddDraft(ctx, a); err == nil || !Retryable(err) {
		t.Errorf("draft/add under a 500: %v", err)
	}
	if n := len(sb.Drafts()); n != 0 {
		t.Errorf("%d drafts after a failed draft/add", n)
	}
	// A cancelled context stops retrying at once, mid-backoff.
	slow := newClient(t, sb, Options{Backoff: time.Second})
	if _, err := slow.CountDrafts(ctx); err != nil {
		t.Fatal(err)
	}
	sb.Inject(sandbox.Fault{Path: "/cgi-bin/draft/count", Status: 503})
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, err := slow.CountDrafts(cctx); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 500*time.Millisecond {
		t.Errorf("cancelled: %v after %s", err, time.Since(start))
	}
}

func TestDraftsAndPublishing(t *testing.T) {
	ctx := context.Background()
	var pushed struct {
		sync.Mutex
		body, sig, ts, nonce string
	}
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		pushed.Lock()
		pushed.body, pushed.sig, pushed.ts, pushed.nonce = string(b), r.URL.Query().Get("signature"), r.URL.Query().Get("timestamp"), r.URL.Query().Get("nonce")
		pushed.Unlock()
		io.WriteString(w, "success")
	}))
	defer cb.Close()
	sb := testenv.Sandbox(t, sandbox.Options{CallbackURL: cb.URL, Token: "cbtoken", PublishDelay: 50 * time.Millisecond})
	c := newClient(t, sb, Options{})
	url, err := c.UploadImage(ctx, "chart.png", pngBytes(t, 20, 10))
	if err != nil {
		t.Fatal(err)
	}
	a := article(t, ctx, c)
	a.Content = `<section style="color:#333"><p>a &amp; b &lt; c</p><img src="` + url + `"><img src="http://example.com/x.png"></section>`
	a.PicCrop2351, a.PicCrop11 = "0_0_1_1", "0.287222_0_0.712778_1"
	id, err := c.AddDraft(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetDraft(ctx, id)
	if err != nil || len(got) != 1 {
		t.Fatalf("get draft: %v %v", got, err)
	}
	// The content arrives unescaped; an image not from uploadimg is dropped, as live.
	if !strings.Contains(got[0].Content, `<p>a &amp; b &lt; c</p><img src="`+url+`">`) || strings.Contains(got[0].Content, "example.com") || got[0].URL == "" {
		t.Errorf("draft content = %q, url %q", got[0].Content, got[0].URL)
	}
	a.Title = "周报 第1期（修订）"
	if err := c.UpdateDraft(ctx, id, 0, a); err != nil {
		t.Fatal(err)
	}
	if total, items, err := c.Drafts(ctx, 0, 20, false); err != nil || total != 1 || items[0].Content.NewsItem[0].Title != a.Title {
		t.Errorf("batchget: %d %+v %v", total, items, err)
	}
	job, err := c.SubmitPublish(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var st PublishStatus
	for i := 0; i < 100; i++ {
		if st, err = c.GetPublishStatus(ctx, job.PublishID); err != nil || st.Status != PublishPublishing {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil || st.Status != PublishOK || st.URL() == "" {
		t.Fatalf("publish status %+v, %v", st, err)
	}
	resp, err := http.Get(st.URL())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "周报 第1期（修订）") {
		t.Errorf("article page: %d %.200s", resp.StatusCode, page)
	}
	if total, items, err := c.Published(ctx, 0, 20); err != nil || total != 1 || items[0].Content.NewsItem[0].URL != st.URL() {
		t.Errorf("published listing: %d %+v %v", total, items, err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		pushed.Lock()
		body, sig, ts, nonce := pushed.body, pushed.sig, pushed.ts, pushed.nonce
		pushed.Unlock()
		if body != "" {
			if !strings.Contains(body, "<Event><![CDATA[PUBLISHJOBFINISH]]></Event>") || !strings.Contains(body, st.URL()) || sig != sandbox.Sign("cbtoken", ts, nonce) {
				t.Errorf("pushed event %q, signature %s", body, sig)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no PUBLISHJOBFINISH event pushed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A failed publish reports its status.
	sb.FailNextPublish(PublishRejected)
	job, _ = c.SubmitPublish(ctx, id)
	time.Sleep(120 * time.Millisecond)
	if st, err := c.GetPublishStatus(ctx, job.PublishID); err != nil || st.Status != PublishRejected || !strings.Contains(PublishStatusText(st.Status), "review") {
		t.Errorf("rejected publish: %+v %v", st, err)
	}
}

func TestLimitsAreErrcodes(t *testing.T) {
	ctx := context.Background()
	sb := testenv.Sandbox(t, sandbox.Options{})
	c := newClient(t, sb, Options{})
	a := article(t, ctx, c)
	cases := []struct {
		name string
		edit func(*DraftArticle)
		code int
	}{
		{"title", func(a *DraftArticle) { a.Title = strings.Repeat("标", 33) }, 45003},
		{"author", func(a *DraftArticle) { a.Author = strings.Repeat("名", 17) }, 45110},
		{"digest", func(a *DraftArticle) { a.Digest = strings.Repeat("摘", 129) }, 45004},
		{"content", func(a *DraftArticle) { a.Content = strings.Repeat("字", 20000) }, 45002},
		{"empty", func(a *DraftArticle) { a.Content = "" }, 44003},
		{"thumb", func(a *DraftArticle) { a.ThumbMediaID = "temporary" }, 40007},
	}
	for _, cs := range cases {
		b := a
		cs.edit(&b)
		_, err := c.AddDraft(ctx, b)
		var ae *APIError
		if !errors.As(err, &ae) || ae.Code != cs.code || ae.Endpoint != "/cgi-bin/draft/add" {
			t.Errorf("%s: %v, want errcode %d", cs.name, err, cs.code)
		}
	}
	var ae *APIError
	if _, err := c.UploadImage(ctx, "a.gif", append([]byte("GIF89a"), make([]byte, 40)...)); !errors.As(err, &ae) || ae.Code != 40005 {
		t.Errorf("gif to uploadimg: %v", err)
	}
	big := append(pngBytes(t, 10, 10), make([]byte, 1<<20)...)
	if _, err := c.UploadImage(ctx, "big.png", big); !errors.As(err, &ae) || ae.Code != 40009 {
		t.Errorf("1 MB to uploadimg: %v", err)
	}
	webp := append([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "), make([]byte, 40)...)
	if _, err := c.AddMaterial(ctx, "a.webp", webp); !errors.As(err, &ae) || ae.Code != 40005 {
		t.Errorf("webp to add_material: %v", err)
	}
}

func TestMassSendIsIdempotentAndNeverImplicit(t *testing.T) {
	ctx := context.Background()
	sb := testenv.Sandbox(t, sandbox.Options{})
	c := newClient(t, sb, Options{})
	id, err := c.AddDraft(ctx, article(t, ctx, c))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Preview(ctx, Recipient{}, id); err == nil {
		t.Error("a preview without a recipient was accepted")
	}
	if _, err := c.SendToAll(ctx, id, ""); err == nil {
		t.Error("a mass send without a clientmsgid was accepted")
	}
	if n := sb.Count("/cgi-bin/message/mass/preview") + sb.Count("/cgi-bin/message/mass/sendall"); n != 0 {
		t.Fatalf("%d messages sent by refused calls", n)
	}
	if err := c.Preview(ctx, Recipient{WxName: "staff_phone"}, id); err != nil {
		t.Fatal(err)
	}
	first, err := c.SendToAll(ctx, id, "wxpub-1-abc")
	if err != nil || first.Existing {
		t.Fatalf("first send: %+v %v", first, err)
	}
	// The answer to the first send is lost: the retry finds the send made and sends nothing.
	second, err := c.SendToAll(ctx, id, "wxpub-1-abc")
	if err != nil || !second.Existing || second.MsgID != first.MsgID {
		t.Errorf("repeat: %+v %v", second, err)
	}
	if ms := sb.MassSends(); len(ms) != 1 || !ms[0].ToAll {
		t.Errorf("mass sends = %+v", ms)
	}
	if p := sb.Previews(); len(p) != 1 || p[0].ToWxName != "staff_phone" || p[0].ToUser != "" {
		t.Errorf("previews = %+v", p)
	}
	if st, err := c.MassStatus(ctx, first.MsgID); err != nil || st != "SEND_SUCCESS" {
		t.Errorf("mass status %q %v", st, err)
	}
	// The daily quota: a different send the same day is refused.
	var ae *APIError
	if _, err := c.SendToAll(ctx, id, "wxpub-1-other"); !errors.As(err, &ae) || ae.Code != CodeNoMassQuota {
		t.Errorf("second send today: %v", err)
	}
}

func TestParseRecipient(t *testing.T) {
	cases := map[string]Recipient{
		"o9AgO5Kd5ggOC-bXrbNODIiE3bGY":        {OpenID: "o9AgO5Kd5ggOC-bXrbNODIiE3bGY"},
		"wxname:o9AgO5Kd5ggOC-bXrbNODIiE3bGY": {WxName: "o9AgO5Kd5ggOC-bXrbNODIiE3bGY"},
		"openid:abc":                          {OpenID: "abc"},
		"lifang_staff":                        {WxName: "lifang_staff"},
	}
	for in, want := range cases {
		if got, err := ParseRecipient(in); err != nil || got != want {
			t.Errorf("ParseRecipient(%q) = %+v, %v", in, got, err)
		}
	}
	if _, err := ParseRecipient(" "); err == nil {
		t.Error("empty recipient accepted")
	}
}

func TestClassicTokenInvalidatesPrevious(t *testing.T) {
	ctx := context.Background()
	sb := testenv.Sandbox(t, sandbox.Options{})
	a := newClient(t, sb, Options{ClassicToken: true})
	b := newClient(t, sb, Options{ClassicToken: true})
	if _, err := a.CountDrafts(ctx); err != nil {
		t.Fatal(err)
	}
	// b fetches its own token, which invalidates a's: a's next call is refused once, then
	// a refetches. This is why replicas must share one cache.
	if _, err := b.CountDrafts(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CountDrafts(ctx); err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, c := range sb.Calls() {
		if c.ErrCode == sandbox.CodeInvalidCredential {
			refused++
		}
	}
	if refused != 1 || sb.TokenFetches() != 3 {
		t.Errorf("refused %d, fetches %d; want 1 and 3", refused, sb.TokenFetches())
	}
}

func TestMemoryCacheConcurrent(t *testing.T) {
	m := NewMemoryCache()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 1000; j++ {
				m.Set("k", "v", time.Minute)
				if v, ok := m.Get("k").(string); ok && v != "v" {
					t.Error("bad value")
				}
				if j%10 == 0 {
					m.Delete("k")
				}
			}
		}(i)
	}
	wg.Wait()
	m.Set("x", "y", time.Nanosecond)
	time.Sleep(time.Millisecond)
	if m.Get("x") != nil || m.IsExist("x") {
		t.Error("expired entry returned")
	}
}

// A token endpoint that keeps failing is not asked again by every call.
func TestTokenFailureBacksOff(t *testing.T) {
	sb := testenv.Sandbox(t, sandbox.Options{})
	c := newClient(t, sb, Options{})
	sb.Inject(sandbox.Fault{Path: "/cgi-bin/stable_token", Status: 503})
	if _, err := c.CountDrafts(context.Background()); err == nil {
		t.Fatal("no error")
	}
	asked := len(sb.Calls())
	for i := 0; i < 20; i++ {
		_, err := c.CountDrafts(context.Background())
		if err == nil || !strings.Contains(err.Error(), "not asking again until") {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if n := len(sb.Calls()) - asked; n != 0 {
		t.Errorf("%d more token requests while backing off", n)
	}
}

// draft/count is documented as a GET without a body; the client once sent a POST of {}.
func TestCountDraftsIsAGet(t *testing.T) {
	sb := testenv.Sandbox(t, sandbox.Options{})
	c := newClient(t, sb, Options{})
	if _, err := c.CountDrafts(context.Background()); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, call := range sb.Calls() {
		if call.Path != "/cgi-bin/draft/count" {
			continue
		}
		seen++
		if call.Method != http.MethodGet || len(call.Body) != 0 {
			t.Errorf("draft/count sent as %s with %d body bytes, want a GET without a body", call.Method, len(call.Body))
		}
	}
	if seen != 1 {
		t.Errorf("%d draft/count calls, want 1", seen)
	}
}
