package main

import (
	"context"
	"io"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"wxpub/bot"
	"wxpub/config"
	"wxpub/internal/tcpproxy"
	"wxpub/internal/testenv"
	"wxpub/wechat/follower"
	"wxpub/wechat/sandbox"
)

// replica is one wxpub serve, sharing nothing with another but Redis and PostgreSQL.
type replica struct {
	app   *App
	svc   *bot.Service
	web   *httptest.Server // the public listener
	admin *httptest.Server
	f     *follower.Follower
}

func newReplica(t *testing.T) *replica {
	t.Helper()
	c, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	log := logrus.New()
	log.SetOutput(io.Discard)
	a := &App{Config: c, Log: log, Out: io.Discard}
	ctx, cancel := context.WithCancel(context.Background())
	st, err := a.openStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s, err := a.service(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(s.Public())
	admin := httptest.NewServer(s.Admin())
	go s.Run(ctx)
	t.Cleanup(func() {
		cancel()
		web.Close()
		admin.Close()
		s.Close()
		st.Close()
		a.Close()
	})
	return &replica{app: a, svc: s, web: web, admin: admin, f: follower.New(web.URL+"/wechat", "scaletoken", follower.Plain)}
}

// metric reads one value from a replica's /metrics (0 when it is not there yet).
func metric(t *testing.T, r *replica, series string) float64 {
	t.Helper()
	_, body := get(t, r.admin.URL+"/metrics")
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	return 0
}

// shared sets up what the replicas share: a PostgreSQL schema and a Redis prefix of this
// test's own (both removed afterwards), Redis reached through a proxy that can be cut, and
// an API sandbox.
func shared(t *testing.T) (redisProxy, pgProxy *tcpproxy.Proxy, sb *sandbox.Sandbox) {
	t.Helper()
	t.Chdir(t.TempDir())
	proxy, err := tcpproxy.Start(testenv.RedisAddr())
	if err != nil {
		t.Fatal(err)
	}
	pg, err := tcpproxy.Start(testenv.PostgresHost(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close(); pg.Close() })
	sb = testenv.Sandbox(t, sandbox.Options{})
	_, dsn := testenv.PostgresSchema(t, pg.Addr())
	prefix := testenv.RedisPrefix(t)
	t.Setenv("WXPUB_STORE_DSN", dsn)
	t.Setenv("WXPUB_REDIS_ADDR", proxy.Addr())
	t.Setenv("WXPUB_REDIS_PREFIX", prefix)
	t.Setenv("WXPUB_WECHAT_TOKEN", "scaletoken")
	t.Setenv("WXPUB_WECHAT_APP_ID", sandbox.DemoAppID)
	t.Setenv("WXPUB_WECHAT_APP_SECRET", sandbox.DemoAppSecret)
	t.Setenv("WXPUB_WECHAT_API_BASE", sb.URL())
	// Only the change notices can make an import show within a second.
	t.Setenv("WXPUB_SERVER_REFRESH_INTERVAL", "1h")
	return proxy, pg, sb
}

// importProcess runs `wxpub import` as a process of its own.
func importProcess(t *testing.T, args ...string) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "wxpub")
	build := exec.Command("go", "build", "-o", bin, "./cmd/wxpub")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, append([]string{"import"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
}

func answered(t *testing.T, r *replica, q, want string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		resp, err := r.f.Text(context.Background(), q)
		if err == nil && resp.Reply != nil && strings.Contains(string(resp.Reply.Raw), want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %q not answered with %q within %s: %+v %v", r.web.URL, q, want, within, resp, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func TestTwoReplicas(t *testing.T) {
	proxy, pg, sb := shared(t)
	a, b := newReplica(t), newReplica(t)
	ctx := context.Background()

	// 200 concurrent API calls across both replicas: one token fetch.
	var wg sync.WaitGroup
	for i, r := range []*replica{a, b, a, b} {
		c, err := r.app.client()
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 50; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.CountDrafts(ctx); err != nil {
					t.Errorf("client %d: %v", i, err)
				}
			}()
		}
	}
	wg.Wait()
	if n := sb.TokenFetches(); n != 1 {
		t.Errorf("%d token fetches for 200 calls on two replicas, want 1", n)
	}

	// An issue imported by a separate process is answered by both within a second.
	start := time.Now()
	importProcess(t, "--url", "https://mp.weixin.qq.com/s/issue135", filepath.Join(repoRoot, "issue/testdata/sample-135.md"))
	imported := time.Now()
	answered(t, a, "区块链", "mp.weixin.qq.com/s/issue135", time.Second)
	answered(t, b, "区块链", "mp.weixin.qq.com/s/issue135", time.Second)
	t.Logf("import took %s; both replicas answered %s after it", imported.Sub(start), time.Since(imported))

	// The same message to A, then to B (a retry the load balancer sent elsewhere): one
	// reply, the work done once, B counting the duplicate.
	sameToBoth := func(content string) {
		t.Helper()
		msg := a.f.TextMessage(content)
		before := metric(t, b, "wxpub_callback_duplicates_total")
		first, err := a.f.Send(ctx, msg)
		if err != nil || first.Reply == nil {
			t.Fatalf("A: %+v %v", first, err)
		}
		replied := metric(t, b, `wxpub_callback_messages_total{outcome="replied",type="text"}`)
		second, err := b.f.Send(ctx, msg)
		if err != nil || second.Reply == nil {
			t.Fatalf("B: %+v %v", second, err)
		}
		if string(first.Reply.Raw) != string(second.Reply.Raw) {
			t.Errorf("B answered %s\nA answered %s", second.Reply.Raw, first.Reply.Raw)
		}
		if d := metric(t, b, "wxpub_callback_duplicates_total") - before; d != 1 {
			t.Errorf("B counted %v duplicates, want 1", d)
		}
		if n := metric(t, b, `wxpub_callback_messages_total{outcome="replied",type="text"}`) - replied; n != 0 {
			t.Errorf("B did the work: %v replies of its own", n)
		}
	}
	sameToBoth("个人信息")

	// Redis and PostgreSQL go away: both go on answering from their indexes, each
	// deduplicating its own retries.
	proxy.Cut()
	pg.Cut()
	for _, r := range []*replica{a, b} {
		answered(t, r, "contact tracing", "Contact Tracing", 2*time.Second)
		msg := r.f.TextMessage("EDPB")
		first, _ := r.f.Send(ctx, msg)
		second, _ := r.f.Send(ctx, msg)
		if first.Reply == nil || second.Reply == nil || string(first.Reply.Raw) != string(second.Reply.Raw) {
			t.Errorf("%s during the outage: %+v / %+v", r.web.URL, first, second)
		}
	}
	if code, body := get(t, a.admin.URL+"/readyz"); code != 200 || !strings.Contains(body, "store: unreachable") || !strings.Contains(body, "redis: unreachable") {
		t.Errorf("readyz during the outage: %d %s", code, body)
	}
	// They come back: sharing resumes without a restart.
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	if err := pg.Restore(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !(a.app.cluster.Up() && b.app.cluster.Up()) || time.Now().Before(deadline.Add(-3*time.Second)) {
		if time.Now().After(deadline) {
			break
		}
		a.app.cluster.Dedup(time.Second).Claim(ctx, "probe-a")
		b.app.cluster.Dedup(time.Second).Claim(ctx, "probe-b")
		time.Sleep(100 * time.Millisecond)
	}
	sameToBoth("Bluetooth")
	importProcess(t, filepath.Join(repoRoot, "issue/testdata/variations.md"))
	answered(t, a, "UK ICO guidance", "UK ICO Issues Guidance", 2*time.Second)
	answered(t, b, "UK ICO guidance", "UK ICO Issues Guidance", 2*time.Second)
}
