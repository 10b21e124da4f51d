package cluster

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"

	"wxpub/internal/tcpproxy"
	"wxpub/internal/testenv"
	"wxpub/wechat"
	"wxpub/wechat/follower"
	"wxpub/wechat/sandbox"
)

func open(t *testing.T, addr, prefix string, log logrus.FieldLogger) *Cluster {
	t.Helper()
	c, err := Open(context.Background(), Options{Addr: addr, Prefix: prefix, Log: log, OutageInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if addr == testenv.RedisAddr() && !c.Up() {
		t.Fatalf("Redis at %s is not answering", addr)
	}
	return c
}

func TestOneTokenFetchAcrossReplicas(t *testing.T) {
	sb := testenv.Sandbox(t, sandbox.Options{})
	p := testenv.RedisPrefix(t)
	var clients []*wechat.Client
	for i := 0; i < 2; i++ {
		c := open(t, testenv.RedisAddr(), p, nil)
		cl, err := wechat.New(wechat.Options{AppID: sandbox.DemoAppID, AppSecret: sandbox.DemoAppSecret, BaseURL: sb.URL(),
			Cache: c.TokenCache(), Lock: c, ClassicToken: true})
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, cl)
	}
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if _, err := clients[i%2].CountDrafts(context.Background()); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	// With /cgi-bin/token, a second fetch would have invalidated the first replica's token.
	if n := sb.TokenFetches(); n != 1 {
		t.Errorf("%d token fetches for 200 calls on two replicas, want 1", n)
	}
}

func TestLockWaits(t *testing.T) {
	c := open(t, testenv.RedisAddr(), testenv.RedisPrefix(t), nil)
	ctx := context.Background()
	release, err := c.Lock(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan time.Time)
	go func() {
		r, err := c.Lock(ctx, "x")
		if err != nil {
			t.Error(err)
		}
		got <- time.Now()
		r()
	}()
	time.Sleep(100 * time.Millisecond)
	released := time.Now()
	release()
	if at := <-got; at.Before(released) {
		t.Error("the lock was taken while held")
	}
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	r, _ := c.Lock(ctx, "y")
	if _, err := c.Lock(cctx, "y"); err == nil {
		t.Error("a held lock was taken before the context ended")
	}
	r()
}

func TestDedupAcrossReplicas(t *testing.T) {
	p := testenv.RedisPrefix(t)
	a := open(t, testenv.RedisAddr(), p, nil).Dedup(time.Minute)
	b := open(t, testenv.RedisAddr(), p, nil).Dedup(time.Minute)
	ctx := context.Background()
	if ok, _ := a.Claim(ctx, "o1|42"); !ok {
		t.Fatal("first claim refused")
	}
	if ok, _ := b.Claim(ctx, "o1|42"); ok {
		t.Fatal("the other replica claimed it too")
	}
	done := make(chan wechat.Kept)
	go func() {
		k, err := b.Wait(ctx, "o1|42")
		if err != nil {
			t.Error(err)
		}
		done <- k
	}()
	time.Sleep(30 * time.Millisecond)
	a.Complete(ctx, "o1|42", wechat.Kept{Reply: &wechat.Reply{Articles: []wechat.NewsArticle{{Title: "T", URL: "u"}}}, CreateTime: 7})
	k := <-done
	if k.CreateTime != 7 || k.Reply.Articles[0].Title != "T" {
		t.Errorf("kept = %+v", k)
	}
}

func TestOutageAndRecovery(t *testing.T) {
	proxy, err := tcpproxy.Start(testenv.RedisAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	log, hook := test.NewNullLogger()
	p := testenv.RedisPrefix(t)
	c := open(t, proxy.Addr(), p, log)
	ctx := context.Background()
	tokens := c.TokenCache()
	tokens.Set("tok", "good-token", time.Minute)
	d := c.Dedup(time.Minute)
	var changes atomic.Int32
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go c.Subscribe(sctx, func() { changes.Add(1) })
	waitFor(t, func() bool { return changes.Load() == 1 }, "the first subscription")

	proxy.Cut()
	// Replies go on: claims are kept in-process, the last good token is still given out.
	for i := 0; i < 50; i++ {
		key := fmt.Sprintf("o1|%d", i)
		if ok, err := d.Claim(ctx, key); !ok || err != nil {
			t.Fatalf("claim during the outage: %v %v", ok, err)
		}
		d.Complete(ctx, key, wechat.Kept{Reply: &wechat.Reply{Text: "r"}, CreateTime: 1})
		if ok, _ := d.Claim(ctx, key); ok {
			t.Fatal("a retry during the outage was not recognised")
		}
		if k, err := d.Wait(ctx, key); err != nil || k.Reply.Text != "r" {
			t.Fatalf("kept during the outage: %+v %v", k, err)
		}
	}
	if v := tokens.Get("tok"); v != "good-token" {
		t.Errorf("token during the outage: %v", v)
	}
	if c.Up() {
		t.Error("the outage went unnoticed")
	}
	warnings := 0
	for _, e := range hook.AllEntries() {
		if e.Level == logrus.WarnLevel {
			warnings++
		}
	}
	if warnings != 1 {
		t.Errorf("%d warnings for one outage, want 1 per interval", warnings)
	}

	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	// Sharing resumes without a restart: the subscription comes back (and catches up),
	// claims go to Redis again.
	waitFor(t, func() bool { return changes.Load() >= 2 }, "the subscription to come back")
	waitFor(t, func() bool {
		ok, _ := d.Claim(ctx, "after")
		return ok && c.Up()
	}, "Redis to be used again")
	other := open(t, testenv.RedisAddr(), p, nil).Dedup(time.Minute)
	if ok, _ := other.Claim(ctx, "after"); ok {
		t.Error("a claim made after the outage is not shared")
	}
	if err := c.Notify(ctx, 135); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return changes.Load() >= 3 }, "a notice after the outage")
	if !hasInfo(hook, "sharing resumes") {
		t.Error("the recovery was not logged")
	}
}

func hasInfo(h *test.Hook, part string) bool {
	for _, e := range h.AllEntries() {
		if e.Level == logrus.InfoLevel && strings.Contains(e.Message, part) {
			return true
		}
	}
	return false
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestReplaysAcrossReplicas(t *testing.T) {
	p := testenv.RedisPrefix(t)
	a := open(t, testenv.RedisAddr(), p, nil).Replays()
	b := open(t, testenv.RedisAddr(), p, nil).Replays()
	ctx := context.Background()
	if ok, err := a.First(ctx, "req1", time.Minute); !ok || err != nil {
		t.Fatalf("a new request was not first: %v", err)
	}
	if ok, _ := b.First(ctx, "req1", time.Minute); ok {
		t.Error("a request replayed to the other replica was taken as new")
	}
	if ok, _ := a.First(ctx, "req1", time.Minute); ok {
		t.Error("a request replayed to the same replica was taken as new")
	}
}

// What replicas share in Redis names no follower: keys and values hold hashes only.
func TestRedisHoldsNoOpenID(t *testing.T) {
	p := testenv.RedisPrefix(t)
	c := open(t, testenv.RedisAddr(), p, nil)
	h := &wechat.CallbackHandler{Token: "tok123", ReplyBudget: time.Second, Dedup: c.Dedup(time.Minute), Replays: c.Replays(),
		Dispatch: func(ctx context.Context, m *wechat.Message) (*wechat.Reply, error) {
			return &wechat.Reply{Text: "hello"}, nil
		}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	f := follower.New(srv.URL, "tok123", follower.Plain)
	f.OpenID = "oSecretFollowerOpenID0000001"
	if resp, err := f.Text(context.Background(), "个人信息"); err != nil || resp.Reply == nil {
		t.Fatalf("%+v %v", resp, err)
	}
	keys, err := c.rdb.Keys(context.Background(), p+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 2 {
		t.Fatalf("keys %q: want the kept reply and the replay mark", keys)
	}
	for _, k := range keys {
		v, _ := c.rdb.Get(context.Background(), k).Result()
		if strings.Contains(k, "oSecret") || strings.Contains(v, "oSecret") {
			t.Errorf("Redis holds the OpenID: %s = %s", k, v)
		}
	}
}

// Admit does the replay mark and the claim in one round trip, across replicas: a replayed
// request claims nothing, a retry is refused with the kept reply, and an outage falls back
// to what each replica remembers.
func TestAdmitAcrossReplicas(t *testing.T) {
	prefix := testenv.RedisPrefix(t)
	a := open(t, testenv.RedisAddr(), prefix, nil)
	b := open(t, testenv.RedisAddr(), prefix, nil)
	ctx := context.Background()
	da, db := a.Dedup(time.Minute), b.Dedup(time.Minute)
	if !da.Guards(a.Replays()) || da.Guards(b.Replays()) {
		t.Fatal("Guards must match its own cluster's replay marks only")
	}
	first, claimed, kept, err := da.Admit(ctx, "req1", time.Minute, "msg1")
	if err != nil || !first || !claimed || kept != nil {
		t.Fatalf("first delivery: %v %v %v %v", first, claimed, kept, err)
	}
	// The same request replayed to the other replica: refused, nothing claimed.
	if first, claimed, _, _ := db.Admit(ctx, "req1", time.Minute, "msg1"); first || claimed {
		t.Errorf("replay: first %v claimed %v", first, claimed)
	}
	reply := wechat.Kept{Reply: &wechat.Reply{Text: "answer"}, CreateTime: 7}
	if err := da.Complete(ctx, "msg1", reply); err != nil {
		t.Fatal(err)
	}
	// Kept with the next pipeline, not waited for: a retry comes seconds later.
	wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if k, err := db.Wait(wctx, "msg1"); err != nil || k.Reply.Text != "answer" {
		t.Fatalf("the kept reply never reached Redis: %+v %v", k, err)
	}
	// WeChat's retry of the message (a new request) on the other replica: refused, with the
	// kept reply in the same trip.
	first, claimed, kept, _ = db.Admit(ctx, "req2", time.Minute, "msg1")
	if !first || claimed || kept == nil || kept.Reply.Text != "answer" {
		t.Errorf("retry: first %v claimed %v kept %+v", first, claimed, kept)
	}
}

// Concurrent admits of the same messages on two replicas, sharing pipelines: each message
// is claimed exactly once, every admit is answered, and a closed cluster answers at once.
func TestConcurrentAdmits(t *testing.T) {
	prefix := testenv.RedisPrefix(t)
	a := open(t, testenv.RedisAddr(), prefix, nil)
	b := open(t, testenv.RedisAddr(), prefix, nil)
	ctx := context.Background()
	dedups := []*Dedup{a.Dedup(time.Minute), b.Dedup(time.Minute)}
	const messages, deliveries = 200, 6
	var claims [messages]atomic.Int32
	var wg sync.WaitGroup
	for m := 0; m < messages; m++ {
		for d := 0; d < deliveries; d++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Each delivery is a request of its own (WeChat's retries, two replicas).
				first, claimed, _, err := dedups[d%2].Admit(ctx, fmt.Sprintf("req-%d-%d", m, d), time.Minute, fmt.Sprintf("msg-%d", m))
				if err != nil || !first {
					t.Errorf("message %d delivery %d: first %v err %v", m, d, first, err)
				}
				if claimed {
					claims[m].Add(1)
				}
			}()
		}
	}
	wg.Wait()
	for m := range claims {
		if n := claims[m].Load(); n != 1 {
			t.Errorf("message %d claimed %d times", m, n)
		}
	}
	a.Close()
	done := make(chan struct{})
	go func() {
		dedups[0].Admit(ctx, "req-after-close", time.Minute, "msg-after-close")
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("an admit on a closed cluster waited")
	}
}
