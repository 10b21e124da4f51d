package bot

import (
	"context"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/sirupsen/logrus"

	"wxpub/issue"
	"wxpub/reply"
	"wxpub/wechat/follower"
)

// What followers ask is recorded off the reply's path: the normalized query, the answer's
// kind and items, and a keyed hash of the follower, never the OpenID.
func TestServiceRecordsWhatFollowersAsk(t *testing.T) {
	ctx := context.Background()
	opened := freshStore(t)
	st, _ := opened.Account(ctx, "wxA")
	is, _ := issue.ParseFile("../issue/testdata/sample-135.md")
	if err := st.SaveIssue(ctx, is, "h"); err != nil {
		t.Fatal(err)
	}
	s, err := New(ctx, Settings{Token: "bottoken", Path: "/wechat", Insight: st}, st, Sharing{}, nil, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	pub := httptest.NewServer(s.Public())
	defer pub.Close()
	f := follower.New(pub.URL+"/wechat", "bottoken", follower.Plain)
	for _, q := range []string{"  区块链 ", "量子计算", "latest", "hello", "有没有关于区块链的内容？", "第135期 区块链"} {
		if _, err := f.Text(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close() // writes what is queued
	if n, _ := st.CountQueries(ctx, f.OpenID); n != 6 {
		t.Fatalf("%d records of the follower, want 6", n)
	}
	counts, _ := st.Outcomes(ctx, time.Now().Add(-time.Hour))
	got := map[string]int{}
	for _, c := range counts {
		got[c.Value] = c.N
	}
	if got["items"] != 3 || got["no_match"] != 1 || got["latest"] != 1 || got["greeting"] != 1 {
		t.Errorf("outcomes %v", got)
	}
	top, _ := st.TopQueries(ctx, time.Now().Add(-time.Hour), 10, "items")
	// The sentence and the scope count as asks for their keyword.
	if len(top) != 1 || top[0].Value != "区块链" || top[0].N != 3 {
		t.Errorf("normalized query: %+v", top)
	}
	if n, _ := st.Forget(ctx, f.OpenID); n != 6 {
		t.Errorf("forget deleted %d", n)
	}
}

func quietLog() *logrus.Logger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return l
}

// A dispatch finishing as the service closes is dropped, not a panic.
func TestRecorderAfterClose(t *testing.T) {
	r := newRecorder(nil, quietLog())
	r.close()
	r.record("oX", reply.Message{Type: "text", Content: "x"}, reply.Reply{Outcome: "items"}, time.Millisecond)
	r.close()
	if n := testutil.ToFloat64(r.dropped); n != 1 {
		t.Errorf("%v dropped, want the one recorded after close", n)
	}
}
