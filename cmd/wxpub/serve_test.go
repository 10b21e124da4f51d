package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wxpub/wechat/follower"
)

const variations = "../../issue/testdata/variations.md"

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serveEnv points wxpub at a fresh store and free ports, with a short refresh interval; it
// returns the callback's address (the admin endpoints' is adminAddr(t)).
func serveEnv(t *testing.T) (addr string) {
	t.Helper()
	addr = freePort(t)
	t.Setenv("WXPUB_SERVER_ADMIN_ADDR", freePort(t))
	t.Setenv("WXPUB_STORE_DSN", "sqlite://"+filepath.Join(t.TempDir(), "wxpub.db"))
	t.Setenv("WXPUB_WECHAT_TOKEN", "servetoken")
	t.Setenv("WXPUB_SERVER_ADDR", addr)
	t.Setenv("WXPUB_SERVER_REFRESH_INTERVAL", "100ms")
	t.Setenv("WXPUB_REPLY_MENU", "chain=区块链")
	return addr
}

// adminAddr is where serveEnv put the admin endpoints.
func adminAddr() string { return os.Getenv("WXPUB_SERVER_ADMIN_ADDR") }

func startServe(t *testing.T, addr string) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		cmd := newRootCmd()
		cmd.SetOut(io.Discard)
		cmd.SetArgs([]string{"--log-level", "warn", "serve"})
		done <- cmd.ExecuteContext(ctx)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if resp, err := http.Get("http://" + adminAddr() + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start: %v", <-done)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return func() error { cancel(); return <-done }
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeAnswersAndFollowsImports(t *testing.T) {
	addr := serveEnv(t)
	if _, err := run(t, "import", "--url", "https://mp.weixin.qq.com/s/issue135", sample); err != nil {
		t.Fatal(err)
	}
	stop := startServe(t, addr)
	ctx := context.Background()
	f := follower.New("http://"+addr+"/wechat", "servetoken", follower.Plain)
	resp, err := f.Text(ctx, "区块链")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Reply == nil || resp.Reply.MsgType != "news" || resp.Reply.ArticleCount != 1 || resp.Reply.Articles[0].URL != "https://mp.weixin.qq.com/s/issue135" {
		t.Fatalf("reply = %+v", resp)
	}
	// An issue imported by another process is answered within a second.
	if _, err := run(t, "import", variations); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Second)
	for {
		r, err := f.Text(ctx, "UK ICO guidance")
		if err != nil {
			t.Fatal(err)
		}
		if r.Reply != nil && strings.Contains(r.Reply.Content, "UK ICO Issues Guidance on Contact Tracing Apps") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the imported issue is not answered: %+v", r.Reply)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A menu click maps to its query; a retry is counted.
	msg := f.EventMessage("CLICK", "chain")
	first, _ := f.Send(ctx, msg)
	second, _ := f.Send(ctx, msg)
	if first.Reply == nil || string(first.Reply.Raw) != string(second.Reply.Raw) || first.Reply.MsgType != "news" {
		t.Errorf("CLICK: %+v / %+v", first.Reply, second.Reply)
	}
	if code, body := get(t, "http://"+adminAddr()+"/metrics"); code != 200 || !strings.Contains(body, "wxpub_callback_duplicates_total 1") ||
		!strings.Contains(body, `wxpub_callback_messages_total{outcome="replied",type="text"}`) || !strings.Contains(body, "wxpub_index_items 8") {
		t.Errorf("metrics: %d\n%s", code, body)
	}
	if code, body := get(t, "http://"+adminAddr()+"/readyz"); code != 200 || !strings.Contains(body, "8 items") {
		t.Errorf("readyz: %d %s", code, body)
	}
	if err := stop(); err != nil {
		t.Errorf("graceful stop: %v", err)
	}
	if _, err := http.Get("http://" + adminAddr() + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}

func TestServeNeedsAToken(t *testing.T) {
	addr := serveEnv(t)
	t.Setenv("WXPUB_WECHAT_TOKEN", "")
	_ = addr
	if _, err := run(t, "serve"); err == nil || !strings.Contains(err.Error(), "wechat.token") {
		t.Errorf("err = %v", err)
	}
	t.Setenv("WXPUB_WECHAT_TOKEN", "x")
	t.Setenv("WXPUB_WECHAT_APP_ID", "wx134c8103faa5a59e")
	t.Setenv("WXPUB_WECHAT_AES_KEY", "abcde")
	if _, err := run(t, "serve"); err == nil || !strings.Contains(err.Error(), "wechat.aes_key") {
		t.Errorf("short AES key: %v", err)
	}
}

func TestAskAndImport(t *testing.T) {
	serveEnv(t)
	if _, err := run(t, "import", "--url", "https://mp.weixin.qq.com/s/a", sample, variations); err == nil {
		t.Error("--url with two files accepted")
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.md")
	writeFile(t, bad, "# nothing\n")
	if _, err := run(t, "import", sample, bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad file: %v", err)
	}
	if out, _ := run(t, "ask", "--json", "区块链"); !strings.Contains(out, `"type":"text"`) || !strings.Contains(out, "没有找到") {
		t.Errorf("a failed import stored something: %s", out)
	}
	out, err := run(t, "import", sample, variations)
	if err != nil || !strings.Contains(out, "imported issue 135 (5 items)") || !strings.Contains(out, "imported issue 136 (3 items)") {
		t.Fatalf("import: %v %s", err, out)
	}
	out, err = run(t, "ask", "--json", "个人信息")
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Type    string   `json:"type"`
		Content string   `json:"content"`
		ItemIDs []string `json:"item_ids"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Type != "text" || len(r.ItemIDs) != 4 {
		t.Errorf("ask --json: %v %s", err, out)
	}
	if out, err := run(t, "import", "--url", "https://mp.weixin.qq.com/s/issue135", sample); err != nil || !strings.Contains(out, "imported issue 135") {
		t.Fatal(err)
	}
	out, _ = run(t, "ask", "--json", "区块链")
	var n struct {
		Type     string `json:"type"`
		Articles []struct {
			URL    string `json:"url"`
			Issue  int    `json:"issue"`
			ItemID string `json:"item_id"`
		} `json:"articles"`
	}
	if err := json.Unmarshal([]byte(out), &n); err != nil || n.Type != "news" || n.Articles[0].ItemID != "135-2" || n.Articles[0].URL != "https://mp.weixin.qq.com/s/issue135" {
		t.Errorf("ask news: %v %s", err, out)
	}
	if out, _ := run(t, "ask", "latest"); !strings.Contains(out, "No. 136") {
		t.Errorf("ask latest: %s", out)
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The public listener answers the callback path only; the admin endpoints are on their
// own listener, GET and HEAD only; oversized headers are refused before they are read.
func TestServeListeners(t *testing.T) {
	addr := serveEnv(t)
	stop := startServe(t, addr)
	defer stop()
	for _, path := range []string{"/metrics", "/readyz", "/healthz", "/"} {
		if code, _ := get(t, "http://"+addr+path); code != http.StatusNotFound {
			t.Errorf("public %s: %d, want 404", path, code)
		}
	}
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, "CONNECT"} {
		req, _ := http.NewRequest(m, "http://"+adminAddr()+"/metrics", nil)
		if m == "CONNECT" {
			req.URL.Path, req.Host = "/healthz", adminAddr()
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("admin %s: %d, want 405", m, resp.StatusCode)
		}
	}
	if code, _ := get(t, "http://"+adminAddr()+"/healthz"); code != 200 {
		t.Errorf("admin GET /healthz: %d", code)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/wechat", strings.NewReader("<xml/>"))
	req.Header.Set("X-Filler", strings.Repeat("x", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KB of headers: %d, want 431", resp.StatusCode)
	}
}
