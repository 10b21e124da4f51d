package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/sirupsen/logrus"

	"wxpub/config"
	"wxpub/wechat/follower"
)

// BenchmarkCallback is one follower query through the whole handler (verify, parse,
// dedup, answer from the cache, reply), without the network, in plain and safe mode.
// "plain-redis" is plain mode sharing its dedup, replay marks and kept replies through
// the machine's Redis, as replicas do (the replicas issue's profile).
func BenchmarkCallback(b *testing.B) {
	for _, tc := range []struct {
		name  string
		mode  follower.Mode
		redis bool
	}{{"plain", follower.Plain, false}, {"safe", follower.Safe, false}, {"plain-redis", follower.Plain, true}} {
		mode := tc.mode
		b.Run(tc.name, func(b *testing.B) {
			if tc.redis {
				b.Setenv("WXPUB_REDIS_ADDR", "127.0.0.1:6379")
				b.Setenv("WXPUB_REDIS_PREFIX", fmt.Sprintf("wxpubbench:%d:", os.Getpid()))
			}
			b.Setenv("WXPUB_STORE_DSN", "sqlite://"+filepath.Join(b.TempDir(), "w.db"))
			b.Setenv("WXPUB_WECHAT_TOKEN", "benchtoken")
			b.Setenv("WXPUB_WECHAT_APP_ID", "wx134c8103faa5a59e")
			b.Setenv("WXPUB_WECHAT_AES_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
			b.Setenv("WXPUB_WECHAT_ENCODING_MODE", "compat") // takes both runs
			c, err := config.Load("", nil)
			if err != nil {
				b.Fatal(err)
			}
			log := logrus.New()
			log.SetOutput(io.Discard)
			a := &App{Config: c, Log: log, Out: io.Discard}
			ctx := context.Background()
			if err := a.Import(ctx, []string{"../../issue/testdata/sample-135.md"}, "https://mp.weixin.qq.com/s/x"); err != nil {
				b.Fatal(err)
			}
			st, err := a.openStore(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			s, err := a.service(ctx, st)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			f := follower.New("http://x/wechat", "benchtoken", mode)
			f.AppID, f.AESKey = "wx134c8103faa5a59e", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
			type req struct {
				url  string
				body []byte
			}
			reqs := make([]req, 4096)
			for i := range reqs {
				u, body, _ := f.Prepare(f.TextMessage([]string{"个人信息", "contact tracing", "区块链", "最新"}[i%4]))
				reqs[i] = req{u, body}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				r := reqs[i%len(reqs)]
				i++
				w := httptest.NewRecorder()
				s.Public().ServeHTTP(w, httptest.NewRequest("POST", r.url, bytes.NewReader(r.body)))
				if w.Code != 200 {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
