package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wxpub/internal/testenv"
	"wxpub/store"
	"wxpub/wechat/sandbox"
)

// sandboxEnv starts a sandbox and points wxpub at it, with a store of its own.
func sandboxEnv(t *testing.T) (*sandbox.Sandbox, string) {
	t.Helper()
	sb := testenv.Sandbox(t, sandbox.Options{PublishDelay: 20})
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "wxpub.db")
	t.Setenv("WXPUB_WECHAT_APP_ID", sandbox.DemoAppID)
	t.Setenv("WXPUB_WECHAT_APP_SECRET", sandbox.DemoAppSecret)
	t.Setenv("WXPUB_WECHAT_API_BASE", sb.URL())
	t.Setenv("WXPUB_STORE_DSN", dsn)
	return sb, dsn
}

func TestBroadcastNeedsYes(t *testing.T) {
	sb, _ := sandboxEnv(t)
	_, err := run(t, "publish", sample, "--broadcast")
	if err == nil || !strings.Contains(err.Error(), "--yes") || !strings.Contains(err.Error(), "nothing was sent") {
		t.Errorf("err = %v", err)
	}
	if n := len(sb.Calls()); n != 0 {
		t.Errorf("%d API calls without confirmation", n)
	}
	out, err := run(t, "publish", sample, "--broadcast", "--yes")
	if err != nil {
		t.Fatal(err)
	}
	if len(sb.MassSends()) != 1 || !strings.Contains(out, "broadcast: sent to all followers") {
		t.Errorf("confirmed broadcast: %d sends, output %q", len(sb.MassSends()), out)
	}
}

func TestPublishCommand(t *testing.T) {
	sb, dsn := sandboxEnv(t)
	out, err := run(t, "publish", sample, "--dry-run", "--publish", "--preview-to", "staff_phone")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Dry run of issue 135", "nothing was sent. A run will:\n", "  1. generate a cover and upload it\n", "  2. create the issue's draft\n",
		"  3. send a preview to wxname:staff_phone\n", "  4. publish the draft and wait for the article URL\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	if n := len(sb.Calls()); n != 0 {
		t.Errorf("dry run: %d calls", n)
	}
	out, err = run(t, "publish", sample, "--publish", "--preview-to", "staff_phone", "--preview-to", "o9AgO5Kd5ggOC-bXrbNODIiE3bGY")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Publications are the account's.
	if _, err := st.Publication(context.Background(), 135); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a publication without its account: %v", err)
	}
	acct, err := st.Account(context.Background(), sandbox.DemoAppID)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := acct.Publication(context.Background(), 135)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Issue 135", "draft:     created " + pub.DraftMediaID, "preview:   sent to wxname:staff_phone, openid:o9AgO5Kd5ggOC-bXrbNODIiE3bGY", "publish:   published " + pub.ArticleURL} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	p := sb.Previews()
	if len(p) != 2 || p[0].ToWxName != "staff_phone" || p[1].ToUser != "o9AgO5Kd5ggOC-bXrbNODIiE3bGY" {
		t.Errorf("previews = %+v", p)
	}
	// The plan of a rerun says what the rerun then does: nothing.
	out, err = run(t, "publish", sample, "--publish", "--preview-to", "staff_phone", "--dry-run")
	for _, want := range []string{"reuse the cover already uploaded", "leave draft " + pub.DraftMediaID + " as it is", "not preview to wxname:staff_phone again",
		"leave the article published as it is: " + pub.ArticleURL} {
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("plan of a rerun lacks %q: %v\n%s", want, err, out)
		}
	}
	out, err = run(t, "publish", sample, "--publish", "--preview-to", "staff_phone")
	if err != nil || !strings.Contains(out, "draft:     unchanged") || !strings.Contains(out, "publish:   already published") ||
		!strings.Contains(out, "preview:   already sent to wxname:staff_phone\n") {
		t.Errorf("rerun: %v\n%s", err, out)
	}
}

func TestPublishWithoutAccount(t *testing.T) {
	t.Setenv("WXPUB_STORE_DSN", "sqlite://"+filepath.Join(t.TempDir(), "x.db"))
	if _, err := run(t, "publish", sample); err == nil || !strings.Contains(err.Error(), "wechat.app_id") {
		t.Errorf("err = %v", err)
	}
}

func TestDemo(t *testing.T) {
	// From a folder outside the repository: the sample comes from the binary.
	t.Chdir(t.TempDir())
	dir := filepath.Join(t.TempDir(), "demo")
	ports := []string{"--sandbox-addr", "127.0.0.1:0", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0"}
	out, err := run(t, append([]string{"demo", "--exit", "--dir", dir}, ports...)...)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "wxpub.yaml")
	if !strings.Contains(out, "Article:      http://127.0.0.1:") || !strings.Contains(out, "publish:   published") || !strings.Contains(out, cfg) {
		t.Errorf("demo output:\n%s", out)
	}
	// With --exit the servers have stopped: nothing is offered that needs them.
	for _, gone := range []string{"curl", "Message callback", "Sandbox index", "Ctrl-C"} {
		if strings.Contains(out, gone) {
			t.Errorf("--exit output offers %q, which has stopped:\n%s", gone, out)
		}
	}
	// The demo's config works for ask: the published sample answers with its article.
	art := strings.Fields(out[strings.Index(out, "Article:"):])[1]
	if got, err := run(t, "--config", cfg, "ask", "区块链"); err != nil || !strings.Contains(got, art) {
		t.Errorf("ask with the demo config: %v\n%s", err, got)
	}
	st, err := store.Open(context.Background(), "sqlite://"+filepath.Join(dir, "wxpub.db"))
	if err != nil {
		t.Fatal(err)
	}
	if is, err := st.Issue(context.Background(), 135); err != nil || is.ArticleURL == "" {
		t.Errorf("demo store: %+v %v", is, err)
	}
	st.Close()
	// The config holds the secret and the folder the store: private, whatever the umask.
	for path, want := range map[string]os.FileMode{dir: 0o700, cfg: 0o600, filepath.Join(dir, "wxpub.db"): 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v (%v)", path, fi.Mode().Perm(), want, err)
		}
	}
	if data, _ := os.ReadFile(cfg); strings.Contains(string(data), "max_clock_skew") {
		t.Errorf("the demo config turns off the clock check:\n%s", data)
	}
	// Run again: its own folder is emptied and reused.
	if _, err := run(t, append([]string{"demo", "--exit", "--dir", dir}, ports...)...); err != nil {
		t.Errorf("a second demo in its own folder: %v", err)
	}
}

// The demo never empties a folder it did not make.
func TestDemoRefusesAForeignFolder(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "contract.docx")
	if err := os.WriteFile(doc, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := run(t, "demo", "--exit", "--dir", dir, "--sandbox-addr", "127.0.0.1:0", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "not empty") || !strings.Contains(err.Error(), dir) {
		t.Errorf("err = %v", err)
	}
	if data, err := os.ReadFile(doc); err != nil || string(data) != "precious" {
		t.Errorf("the user's file was touched: %q %v", data, err)
	}
}
