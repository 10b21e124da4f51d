// Command flood plays the floods of the trust review against a running `wxpub serve` on
// loopback, one after another, each for -duration: signed messages with unique 30 KB
// MsgType and Event values, signed messages with unique 60 KB Content from 12 senders, and
// 300 connections each sending about 1 MB of headers that never end. Meanwhile it asks a
// legitimate question every 20 ms and samples the server's RSS every 100 ms; after each
// flood it waits up to -settle for RSS to fall back. It prints one line per flood and
// exits 1 when a target is missed (RSS ≤ 150 MB during, < 80 MB within the settle time
// after, legitimate p99 < 50 ms). Loopback only; every loop is bounded in time.
//
//	flood -url http://127.0.0.1:18080/wechat -token T -pid PID
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"wxpub/bench/internal/measure"
	"wxpub/wechat/follower"
)

func main() {
	target := flag.String("url", "http://127.0.0.1:18080/wechat", "the callback URL (loopback only)")
	token := flag.String("token", "", "the callback token")
	pid := flag.Int("pid", 0, "the server's process id, for its RSS")
	duration := flag.Duration("duration", 20*time.Second, "how long each flood lasts")
	settle := flag.Duration("settle", 30*time.Second, "how long RSS may take to fall back after a flood")
	only := flag.String("only", "", "run one flood: types, content or headers")
	probeFor := flag.Duration("probe-for", 0, "(internal) be the legitimate follower for this long and print what it saw")
	flag.Parse()
	if *probeFor > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), *probeFor)
		defer cancel()
		lat, failures := probe(ctx, *target, *token)
		fmt.Printf("%d %d %.3f\n", len(lat), failures, measure.MS(measure.Percentile(lat, 0.99)))
		return
	}
	u, err := url.Parse(*target)
	if err != nil || !measure.Loopback(*target) || *pid == 0 {
		fmt.Fprintln(os.Stderr, "flood: -url must be a loopback address and -pid the server's")
		os.Exit(2)
	}
	floods := []struct {
		name string
		run  func(ctx context.Context)
	}{
		{"types", func(ctx context.Context) { signedFlood(ctx, *target, *token, 4, typesMessage) }},
		{"content", func(ctx context.Context) { signedFlood(ctx, *target, *token, 12, contentMessage) }},
		{"headers", func(ctx context.Context) { headerFlood(ctx, u.Host, 300) }},
	}
	failed := false
	fmt.Printf("flood\tduration\tpeak_rss_mb\trss_after_mb\tsettled_in\tlegit_requests\tlegit_failures\tlegit_p99_ms\tanon_after_mb\tfile_after_mb\n")
	for _, fl := range floods {
		if *only != "" && *only != fl.name {
			continue
		}
		peak := 0.0
		var mu sync.Mutex
		sampleCtx, stopSampling := context.WithCancel(context.Background())
		go func() {
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-sampleCtx.Done():
					return
				case <-t.C:
					if r := memMB(*pid, "VmRSS"); r > 0 {
						mu.Lock()
						peak = max(peak, r)
						mu.Unlock()
					}
				}
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), *duration)
		// The legitimate follower is a process of its own, as it would be a machine of its
		// own: in this one it would wait for the flood's goroutines, not for the server.
		legit := exec.Command(os.Args[0], "-probe-for", duration.String(), "-url", *target, "-token", *token)
		var legitOut bytes.Buffer
		legit.Stdout = &legitOut
		if err := legit.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "flood: start the legitimate follower:", err)
			os.Exit(1)
		}
		fl.run(ctx)
		<-ctx.Done()
		cancel()
		legit.Wait()
		var n, failures int
		var p99 float64
		if _, err := fmt.Sscan(legitOut.String(), &n, &failures, &p99); err != nil {
			fmt.Fprintln(os.Stderr, "flood: the legitimate follower said:", legitOut.String())
			os.Exit(1)
		}
		stopSampling()
		start := time.Now()
		after := memMB(*pid, "VmRSS")
		for after >= 80 && time.Since(start) < *settle {
			time.Sleep(250 * time.Millisecond)
			after = memMB(*pid, "VmRSS")
		}
		settled := time.Since(start).Round(100 * time.Millisecond)
		mu.Lock()
		// The resident set after, split: the heap and stacks, and the files mapped (the
		// binary, the index's segments).
		fmt.Printf("%s\t%s\t%.1f\t%.1f\t%s\t%d\t%d\t%.2f\t%.1f\t%.1f\n", fl.name, *duration, peak, after, settled, n, failures, p99,
			memMB(*pid, "RssAnon"), memMB(*pid, "RssFile"))
		if peak > 150 || after >= 80 || p99 >= 50 || failures > 0 {
			failed = true
		}
		mu.Unlock()
	}
	if failed {
		fmt.Println("flood: a target was missed (RSS ≤ 150 MB during, < 80 MB after, legitimate p99 < 50 ms, no failures)")
		os.Exit(1)
	}
}

// typesMessage is a signed-to-be message with unique 30 KB MsgType and Event values.
func typesMessage(f *follower.Follower, n int64) string {
	junk := strconv.FormatInt(n, 36) + strings.Repeat("T", 30<<10)
	return fmt.Sprintf("<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime><MsgType><![CDATA[%s]]></MsgType><Event><![CDATA[%s]]></Event><MsgId>%d</MsgId></xml>",
		f.OpenID, time.Now().Unix(), junk, junk, n)
}

// contentMessage is a text message with unique 60 KB Content.
func contentMessage(f *follower.Follower, n int64) string {
	return f.TextMessage(strconv.FormatInt(n, 36) + strings.Repeat("数据", 10<<10))
}

// signedFlood posts validly signed messages, each different, over conns connections.
func signedFlood(ctx context.Context, target, token string, conns int, msg func(*follower.Follower, int64) string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns}, Timeout: 10 * time.Second}
	var n atomic.Int64
	var wg sync.WaitGroup
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			f := follower.New(target, token, follower.Plain)
			f.OpenID = fmt.Sprintf("oFloodSender%016d", c)
			for ctx.Err() == nil {
				u, body, err := f.Prepare(msg(f, n.Add(1)))
				if err != nil {
					return
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
				if resp, err := client.Do(req); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}(c)
	}
	wg.Wait()
}

// headerFlood keeps conns connections sending header lines that never end, reconnecting
// when the server closes one, each up to about 1 MB.
func headerFlood(ctx context.Context, addr string, conns int) {
	// Header lines of 1 KB, written 16 at a time: the bytes the review sent, in fewer
	// system calls, so the generator takes less of the machine it shares with the server.
	line := strings.Repeat("X-Flood: "+strings.Repeat("h", 1013)+"\r\n", 16)
	var wg sync.WaitGroup
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				conn, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", addr)
				if err != nil {
					time.Sleep(50 * time.Millisecond)
					continue
				}
				go func() { <-ctx.Done(); conn.Close() }()
				conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
				if _, err := io.WriteString(conn, "POST /wechat HTTP/1.1\r\nHost: x\r\n"); err == nil {
					for sent := 0; sent < 1<<20 && ctx.Err() == nil; sent += len(line) {
						if _, err := io.WriteString(conn, line); err != nil {
							break
						}
					}
				}
				conn.Close()
			}
		}()
	}
	wg.Wait()
}

// probe asks a legitimate question every 20 ms until ctx ends, and gives the latencies and
// failures.
func probe(ctx context.Context, target, token string) ([]time.Duration, int) {
	f := follower.New(target, token, follower.Plain)
	f.OpenID = "oLegitimateFollower000000001"
	var lat []time.Duration
	failures := 0
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	qs := []string{"个人信息", "contact tracing", "区块链", "EDPB", "最新"}
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return lat, failures
		case <-t.C:
		}
		t0 := time.Now()
		resp, err := f.Text(context.Background(), qs[i%len(qs)])
		if err != nil || resp.Status != 200 {
			failures++
			continue
		}
		lat = append(lat, time.Since(t0))
	}
}

// memMB reads one of a process's memory figures (VmRSS, RssAnon, RssFile) from /proc, in
// MB (0 when it cannot).
func memMB(pid int, field string) float64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(l, field+":"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}
