package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sirupsen/logrus"

	"wxpub/config"
	"wxpub/doctor"
	"wxpub/internal/testenv"
	"wxpub/wechat/sandbox"
)

// callbackServer runs the message callback as configured by the environment now, and
// returns its public URL.
func callbackServer(t *testing.T) string {
	t.Helper()
	c, web, _ := envService(t)
	return web.URL + c.Server.Path
}

// envService runs the message service as configured by the environment now, behind a test
// server; stop closes both (the service writing what insight queued), as the test's end
// does if stop was not called.
func envService(t *testing.T) (c *config.Config, web *httptest.Server, stop func()) {
	t.Helper()
	c, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	log := logrus.New()
	log.SetOutput(io.Discard)
	a := &App{Config: c, Log: log, Out: io.Discard}
	st, err := a.openStore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	svc, err := a.service(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	web = httptest.NewServer(svc.Public())
	var once sync.Once
	stop = func() { once.Do(func() { web.Close(); svc.Close(); st.Close() }) }
	t.Cleanup(stop)
	return c, web, stop
}

func doctorReport(t *testing.T) (doctor.Report, error) {
	t.Helper()
	out, err := run(t, "doctor", "--json")
	var r doctor.Report
	if jerr := json.Unmarshal([]byte(out), &r); jerr != nil {
		t.Fatalf("doctor --json: %v\n%s", jerr, out)
	}
	return r, err
}

func check(t *testing.T, r doctor.Report, name string) doctor.Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %q in %+v", name, r.Checks)
	return doctor.Check{}
}

// Each failure the platform can show is reported with its fix, and doctor exits non-zero;
// it changes nothing on the account.
func TestDoctor(t *testing.T) {
	sb := testenv.Sandbox(t, sandbox.Options{})
	t.Setenv("WXPUB_WECHAT_APP_ID", sandbox.DemoAppID)
	t.Setenv("WXPUB_WECHAT_APP_SECRET", sandbox.DemoAppSecret)
	t.Setenv("WXPUB_WECHAT_API_BASE", sb.URL())
	t.Setenv("WXPUB_STORE_DSN", "sqlite://"+filepath.Join(t.TempDir(), "wxpub.db"))
	t.Setenv("WXPUB_WECHAT_TOKEN", "doctortoken")
	t.Setenv("WXPUB_WECHAT_AES_KEY", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
	t.Setenv("WXPUB_WECHAT_ENCODING_MODE", "safe")
	t.Setenv("WXPUB_SERVER_PUBLIC_URL", callbackServer(t))

	r, err := doctorReport(t)
	if err != nil || r.Failed() {
		t.Fatalf("a healthy account: %v\n%+v", err, r.Checks)
	}
	for _, name := range []string{"credentials", "IP whitelist", "draft box", "free publishing", "mass send", "custom menu", "analytics",
		"quota message/mass/sendall", "clock", "callback", "callback safe mode"} {
		if c := check(t, r, name); c.Status != doctor.OK {
			t.Errorf("%s: %+v", name, c)
		}
	}
	out, _ := run(t, "doctor")
	if !strings.Contains(out, "Everything wxpub needs works.") {
		t.Errorf("checklist:\n%s", out)
	}

	cases := []struct {
		name   string
		setup  func()
		check  string
		detail string
		fix    string
	}{
		{"unverified", func() { sb.SetUnauthorized(sandbox.Unverified...) }, "free publishing", "48001", "草稿箱"},
		{"quota", func() { sb.SetUsed("/cgi-bin/message/mass/sendall", sandbox.DefaultDailyCallLimit) }, "quota message/mass/sendall", "45009", "clear_quota"},
		{"whitelist", func() { sb.SetWhitelist("203.0.113.9") }, "IP whitelist", "127.0.0.1", "add 127.0.0.1 to"},
		{"token", func() { t.Setenv("WXPUB_WECHAT_TOKEN", "othertoken") }, "callback", "URL check failed", "Token"},
		{"mode", func() {
			// The server reads plaintext only; this side thinks it is in safe mode.
			t.Setenv("WXPUB_WECHAT_ENCODING_MODE", "plain")
			t.Setenv("WXPUB_WECHAT_AES_KEY", "")
			t.Setenv("WXPUB_SERVER_PUBLIC_URL", callbackServer(t))
			t.Setenv("WXPUB_WECHAT_ENCODING_MODE", "safe")
			t.Setenv("WXPUB_WECHAT_AES_KEY", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
		}, "callback safe mode", "refused", "消息加解密方式"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sb.SetUnauthorized()
			sb.SetWhitelist(nil...)
			sb.SetUsed("/cgi-bin/message/mass/sendall", 0)
			c.setup()
			calls := len(sb.Calls())
			r, err := doctorReport(t)
			if err == nil || !r.Failed() {
				t.Errorf("doctor passed: %+v", r.Checks)
			}
			got := check(t, r, c.check)
			if got.Status != doctor.Fail || !strings.Contains(got.Detail, c.detail) || !strings.Contains(got.Fix, c.fix) {
				t.Errorf("%s: %+v", c.check, got)
			}
			for _, call := range sb.Calls()[calls:] {
				for _, changing := range []string{"/add", "/update", "/submit", "/delete", "/sendall", "/preview", "/create", "/send", "uploadimg", "clear_quota"} {
					if strings.Contains(call.Path, changing) && !strings.Contains(call.Path, "quota/get") {
						t.Errorf("doctor called %s", call.Path)
					}
				}
			}
		})
	}
}
