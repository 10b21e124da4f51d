package bot

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"wxpub/issue"
	"wxpub/store"
	"wxpub/wechat"
	"wxpub/wechat/follower"
)

// freshStore is an empty SQLite store in the test's folder, closed with the test.
func freshStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "wxpub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// newService is a service over a fresh SQLite store holding the sample issue.
func newService(t *testing.T, set Settings) *Service {
	t.Helper()
	ctx := context.Background()
	st := freshStore(t)
	is, err := issue.ParseFile("../issue/testdata/sample-135.md")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveIssue(ctx, is, "h"); err != nil {
		t.Fatal(err)
	}
	if err := st.SetIssueURLs(ctx, 135, "https://mp.weixin.qq.com/s/issue135", ""); err != nil {
		t.Fatal(err)
	}
	if set.Token == "" {
		set.Token = "bottoken"
	}
	if set.Path == "" {
		set.Path = "/wechat"
	}
	log := logrus.New()
	log.SetOutput(io.Discard)
	s, err := New(ctx, set, st, Sharing{}, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// A message through the public handler is answered from the stored issues; the public
// handler answers its path only, the admin one GET and HEAD only.
func TestServiceAnswers(t *testing.T) {
	s := newService(t, Settings{})
	pub := httptest.NewServer(s.Public())
	defer pub.Close()
	adm := httptest.NewServer(s.Admin())
	defer adm.Close()
	f := follower.New(pub.URL+"/wechat", "bottoken", follower.Plain)
	resp, err := f.Text(context.Background(), "区块链")
	if err != nil || resp.Reply == nil || resp.Reply.MsgType != "news" || resp.Reply.Articles[0].URL != "https://mp.weixin.qq.com/s/issue135" {
		t.Fatalf("reply = %+v %v", resp, err)
	}
	for _, c := range []struct {
		url, method string
		status      int
	}{
		{pub.URL + "/metrics", http.MethodGet, 404},
		{adm.URL + "/metrics", http.MethodGet, 200},
		{adm.URL + "/metrics", http.MethodPost, 405},
		{adm.URL + "/readyz", http.MethodHead, 200},
	} {
		req, _ := http.NewRequest(c.method, c.url, nil)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.url, r.StatusCode, c.status)
		}
	}
}

// The answer cache stays within its budget of bytes, and answers stay right when it is
// full.
func TestAnswerCacheIsBounded(t *testing.T) {
	const budget = 6 << 10
	s := newService(t, Settings{AnswerCacheBytes: budget})
	first := map[string]*wechat.Reply{}
	for i := 0; i < 3; i++ {
		for _, q := range []string{"区块链", "EDPB", "Bluetooth", "个人信息", "contact tracing", strings.Repeat("无关", 30000)} {
			r, err := s.Dispatch(context.Background(), &wechat.Message{MsgType: "text", Content: q})
			if err != nil || r.Empty() {
				t.Fatalf("%.20q: %+v %v", q, r, err)
			}
			if n := s.answers.Bytes(); n > budget {
				t.Fatalf("the cache holds %d bytes, over its %d", n, budget)
			}
			if f, ok := first[q]; ok && fmt.Sprint(f) != fmt.Sprint(r) {
				t.Errorf("%.20q answered %+v, first %+v", q, r, f)
			}
			first[q] = r
		}
	}
}

// AtOnce answers exactly what Dispatch answered for the same question, and only that:
// never a question not answered yet, nor a job's event.
func TestAtOnceAnswersAsDispatchDid(t *testing.T) {
	s := newService(t, Settings{AnswerCacheBytes: 1 << 20})
	m := &wechat.Message{MsgType: "text", Content: "区块链"}
	if r, ok := s.AtOnce(m); ok {
		t.Fatalf("answered before any search: %+v", r)
	}
	want, err := s.Dispatch(context.Background(), m)
	if err != nil || want.Empty() {
		t.Fatalf("dispatch: %+v %v", want, err)
	}
	got, ok := s.AtOnce(&wechat.Message{MsgType: "text", Content: "区块链"})
	if !ok || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("at once: %+v %v, dispatch %+v", got, ok, want)
	}
	if r, ok := s.AtOnce(&wechat.Message{MsgType: "event", Event: "PUBLISHJOBFINISH"}); ok {
		t.Errorf("a job's event was answered at once: %+v", r)
	}
}

// A new question that cannot start searching within the reply budget is dropped, not
// queued: a flood cannot pile up waiting work.
func TestBusySearchIsDropped(t *testing.T) {
	s := newService(t, Settings{ReplyBudget: 50 * time.Millisecond})
	for len(s.searching) < cap(s.searching) {
		s.searching <- struct{}{} // every search slot taken
	}
	start := time.Now()
	r, err := s.Dispatch(context.Background(), &wechat.Message{MsgType: "text", Content: "区块链"})
	if err != nil || !r.Empty() || time.Since(start) > 2*time.Second {
		t.Errorf("busy: %+v %v after %s", r, err, time.Since(start))
	}
	<-s.searching
	if r, err := s.Dispatch(context.Background(), &wechat.Message{MsgType: "text", Content: "区块链"}); err != nil || r.Empty() {
		t.Errorf("with a free slot: %+v %v", r, err)
	}
}

// Two services in one process (two accounts) keep their own metrics and answers.
func TestTwoServicesInOneProcess(t *testing.T) {
	a := newService(t, Settings{Token: "tokenA"})
	b := newService(t, Settings{Token: "tokenB"})
	pa, pb := httptest.NewServer(a.Public()), httptest.NewServer(b.Public())
	defer pa.Close()
	defer pb.Close()
	if r, err := follower.New(pa.URL+"/wechat", "tokenA", follower.Plain).Text(context.Background(), "区块链"); err != nil || r.Reply == nil {
		t.Fatalf("A: %+v %v", r, err)
	}
	if r, _ := follower.New(pb.URL+"/wechat", "tokenA", follower.Plain).Text(context.Background(), "区块链"); r.Status != 401 {
		t.Errorf("B took A's token: %d", r.Status)
	}
	ma := httptest.NewRecorder()
	a.Admin().ServeHTTP(ma, httptest.NewRequest("GET", "/metrics", nil))
	mb := httptest.NewRecorder()
	b.Admin().ServeHTTP(mb, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(ma.Body.String(), `wxpub_callback_messages_total{outcome="replied",type="text"} 1`) ||
		strings.Contains(mb.Body.String(), `outcome="replied"`) {
		t.Errorf("metrics are not per service:\nA %s\nB %s", grep(ma.Body.String()), grep(mb.Body.String()))
	}
}

func grep(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "wxpub_callback_messages_total") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "; ")
}
