// Command loadgen sends signed text queries, each with its own MsgId, to a message
// callback over a fixed number of keep-alive connections, and reports requests per second
// and latency percentiles. It talks to loopback only and stops after -duration or
// -requests, whichever comes first.
//
//	go run ./bench/loadgen -url http://127.0.0.1:8080/wechat -token T -conns 32 -mode safe -appid wx… -aeskey …
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"wxpub/bench/internal/measure"
	"wxpub/wechat/follower"
)

// queries are keywords followers send; the answers come from the sample and seeded issues.
var queries = []string{"个人信息", "contact tracing", "数据安全", "EDPB", "最新", "Bluetooth", "区块链", "personal information",
	"135", "apps", "网络安全", "privacy", "云计算", "data protection", "公安部", "帮助", "cybersecurity", "跨境", "GDPR", "latest"}

func main() {
	target := flag.String("url", "http://127.0.0.1:8080/wechat", "the callback URL (loopback only); several, comma-separated, share the connections in turn")
	token := flag.String("token", "", "the callback token")
	mode := flag.String("mode", "plain", "plain or safe")
	appID := flag.String("appid", "", "AppID (safe mode)")
	aesKey := flag.String("aeskey", "", "EncodingAESKey (safe mode)")
	conns := flag.Int("conns", 2, "connections")
	duration := flag.Duration("duration", 10*time.Second, "how long to send")
	maxReq := flag.Int("requests", 2_000_000, "at most this many requests")
	pool := flag.Int("pool", 50000, "distinct signed messages prepared before the run")
	label := flag.String("label", "", "a name for the result line")
	flag.Parse()
	// The generator's own collections would show as the server's latency: collect less.
	debug.SetGCPercent(800)

	targets := strings.Split(*target, ",")
	if !measure.Loopback(targets...) {
		fmt.Fprintln(os.Stderr, "loadgen: -url must be loopback addresses")
		os.Exit(2)
	}
	f := follower.New(targets[0], *token, follower.Plain)
	if *mode == "safe" {
		f.Mode, f.AppID, f.AESKey = follower.Safe, *appID, *aesKey
	}
	// Sign (and encrypt) before the clock starts: the run measures the server.
	type prepared struct {
		url  string
		body []byte
	}
	reqs := make([]prepared, *pool)
	for i := range reqs {
		u, body, err := f.Prepare(f.TextMessage(queries[i%len(queries)]))
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
		reqs[i] = prepared{u, body}
	}
	tr := &http.Transport{MaxIdleConns: *conns, MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, DisableCompression: true}
	if len(targets) > 1 {
		tr.MaxConnsPerHost = (*conns + len(targets) - 1) / len(targets)
	}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	var next atomic.Int64
	var failures atomic.Int64
	lat := make([][]time.Duration, *conns)
	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < *conns; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			mine := make([]time.Duration, 0, 1<<16)
			buf := make([]byte, 8192)
			for ctx.Err() == nil {
				n := next.Add(1)
				if n > int64(*maxReq) {
					break
				}
				p := reqs[int(n)%len(reqs)]
				u := p.url
				if len(targets) > 1 {
					// Each connection keeps to one replica, as a load balancer's would.
					u = targets[c%len(targets)] + u[len(targets[0]):]
				}
				t0 := time.Now()
				resp, err := client.Post(u, "text/xml", bytes.NewReader(p.body))
				if err != nil {
					failures.Add(1)
					continue
				}
				nread, _ := io.ReadFull(resp.Body, buf)
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || nread == 0 {
					failures.Add(1)
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			lat[c] = mine
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	pct := func(p float64) time.Duration { return measure.Percentile(all, p) }
	rps := float64(len(all)) / elapsed.Seconds()
	fmt.Printf("%s\tmode=%s\tconns=%d\trequests=%d\tfailures=%d\treq/s=%.0f\tp50=%.2fms\tp99=%.2fms\n",
		*label, *mode, *conns, len(all), failures.Load(), rps, measure.MS(pct(0.50)), measure.MS(pct(0.99)))
	if failures.Load() > 0 {
		os.Exit(1)
	}
}
